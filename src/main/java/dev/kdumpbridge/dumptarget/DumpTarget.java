package dev.kdumpbridge.dumptarget;

import dev.kdumpbridge.arch.x86_64.PrstatusRegisters;
import dev.kdumpbridge.arch.x86_64.X86_64Architecture;
import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.ElfNote;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.target.Architecture;
import dev.kdumpbridge.target.DebugTarget;
import dev.kdumpbridge.target.MemoryRead;
import dev.kdumpbridge.target.RegisterSet;
import dev.kdumpbridge.target.SectionOffsets;
import dev.kdumpbridge.target.StopReason;
import dev.kdumpbridge.target.TargetThread;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * An x86_64 dump whose threads are its CPUs: registers from each CPU's NT_PRSTATUS note, memory
 * through the kernel's page tables, the panicking CPU as the stop thread.
 */
public final class DumpTarget implements DebugTarget {
    private final DumpFile dump;
    private final KernelMemory memory;
    private final List<TargetThread> threads;
    private final List<RegisterSet> registers;
    private final int stopCpu;
    private final StopReason stopReason;
    private final OptionalLong kernelOffset;

    private DumpTarget(DumpFile dump, KernelMemory memory, OptionalInt panicCpu, OptionalLong kernelOffset) {
        this.dump = dump;
        this.memory = memory;
        this.kernelOffset = kernelOffset;
        List<ElfNote> notes = dump.prstatus();
        boolean fromQemu = !dump.notes(ElfNote.QEMU, 0).isEmpty();
        List<TargetThread> cpus = new ArrayList<>();
        List<RegisterSet> saved = new ArrayList<>();
        for (int cpu = 0; cpu < notes.size(); cpu++) {
            byte[] descriptor = notes.get(cpu).descriptor();
            // In a kdump pr_pid is the task on the CPU; QEMU writes its vCPU number there instead.
            String task = fromQemu ? "" : " pid " + PrstatusRegisters.pid(descriptor);
            cpus.add(new TargetThread(cpu + 1, "CPU " + cpu, cpu, "on CPU " + cpu + task));
            saved.add(PrstatusRegisters.decode(descriptor));
        }
        this.threads = List.copyOf(cpus);
        this.registers = List.copyOf(saved);
        boolean knownCpu = panicCpu.isPresent() && panicCpu.getAsInt() >= 0 && panicCpu.getAsInt() < notes.size();
        this.stopCpu = knownCpu ? panicCpu.getAsInt() : 0;
        // The kernel appends CRASHTIME to VMCOREINFO when it crashes; snapshots have none.
        boolean crashed = dump.vmcoreInfo().flatMap(info -> info.get("CRASHTIME")).isPresent();
        if (knownCpu) {
            this.stopReason = new StopReason(StopReason.Kind.PANIC, "kernel panic on CPU " + stopCpu);
        } else if (crashed) {
            this.stopReason = new StopReason(StopReason.Kind.PANIC,
                "kernel crash; which CPU panicked is unknown without the kernel's symbols (--vmlinux)");
        } else {
            this.stopReason = new StopReason(StopReason.Kind.PAUSED, "no CPU panicked: a snapshot of a running kernel");
        }
    }

    /**
     * @param symbols the running kernel's address of a symbol, for {@code panic_cpu}
     * @throws IllegalArgumentException when the dump is not of an x86_64 kernel or saved no CPU
     */
    public static DumpTarget of(DumpFile dump, KernelMemory memory, Function<String, OptionalLong> symbols,
            OptionalLong kernelOffset) {
        if (!dump.info().machine().equals("x86_64")) {
            throw new IllegalArgumentException("serving " + dump.info().machine() + " dumps is not written yet; x86_64 is");
        }
        if (dump.prstatus().isEmpty()) {
            throw new IllegalArgumentException("the dump holds no CPU registers (no NT_PRSTATUS note)");
        }
        return new DumpTarget(dump, memory, panicCpu(memory, symbols), kernelOffset);
    }

    /** {@code panic_cpu} (an atomic_t, -1 until a CPU panics): the CPU that called panic(). */
    private static OptionalInt panicCpu(KernelMemory memory, Function<String, OptionalLong> symbols) {
        OptionalLong address = symbols.apply("panic_cpu");
        if (address.isEmpty()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(memory.readInt(address.getAsLong()));
        } catch (AddressFault | IOException unreadable) {
            return OptionalInt.empty();
        }
    }

    @Override
    public Architecture architecture() {
        return X86_64Architecture.ARCHITECTURE;
    }

    @Override
    public List<TargetThread> threads() {
        return threads;
    }

    @Override
    public long stopThread() {
        return threads.get(stopCpu).id();
    }

    @Override
    public StopReason stopReason() {
        return stopReason;
    }

    @Override
    public Optional<RegisterSet> registers(long threadId) {
        int cpu = (int) threadId - 1;
        return cpu >= 0 && cpu < registers.size() ? Optional.of(registers.get(cpu)) : Optional.empty();
    }

    @Override
    public MemoryRead readMemory(long address, byte[] dst, int offset, int length) {
        try {
            memory.read(address, dst, offset, length);
            return MemoryRead.complete(length);
        } catch (AddressFault fault) {
            return MemoryRead.stopped((int) (fault.address() - address), fault.address(), fault.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + dump.info().files(), e);
        }
    }

    @Override
    public Optional<SectionOffsets> sectionOffsets() {
        return kernelOffset.isPresent() ? Optional.of(SectionOffsets.slide(kernelOffset.getAsLong())) : Optional.empty();
    }
}
