package dev.kdumpbridge.dumptarget;

import dev.kdumpbridge.arch.x86_64.PrstatusRegisters;
import dev.kdumpbridge.arch.x86_64.X86_64Architecture;
import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.ElfNote;
import dev.kdumpbridge.kernel.Kernel;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.kernel.Task;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.target.Architecture;
import dev.kdumpbridge.target.DebugTarget;
import dev.kdumpbridge.target.MemoryRead;
import dev.kdumpbridge.target.MonitorCommands;
import dev.kdumpbridge.target.RegisterSet;
import dev.kdumpbridge.target.SectionOffsets;
import dev.kdumpbridge.target.StopReason;
import dev.kdumpbridge.target.TargetThread;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An x86_64 dump as a debug target: every kernel task is a thread, the task running on each CPU
 * first, in CPU order, so that gdb's thread N is CPU N-1 as the kernel's {@code scripts/gdb}
 * expects; then every other task in pid order. Thread ids are positions in that list, fixed for
 * the dump's life. Registers come from the CPU's NT_PRSTATUS for a running task and from the
 * switch frame for a sleeping one, recovered when first asked for.
 *
 * <p>Without the kernel's symbols and types the tasks cannot be found; each CPU that saved its
 * registers is then one thread, as in QEMU's gdbstub.
 */
public final class DumpTarget implements DebugTarget {
    private static final Logger LOG = LoggerFactory.getLogger(DumpTarget.class);

    /** Where one thread's registers come from. */
    private interface RegisterSource {
        RegisterSet read() throws AddressFault, IOException;
    }

    private final DumpFile dump;
    private final KernelMemory memory;
    private final OptionalLong kernelOffset;
    private final Optional<MonitorCommands> monitor;
    private final List<TargetThread> threads = new ArrayList<>();
    private final List<RegisterSource> sources = new ArrayList<>();
    private final Map<Long, RegisterSet> recovered = new ConcurrentHashMap<>();
    /** Task address to thread id. */
    private final Map<Long, Long> taskThreads = new HashMap<>();
    private final long stopThread;
    private final StopReason stopReason;

    private DumpTarget(DumpFile dump, KernelMemory memory, Optional<Kernel> kernel, OptionalLong kernelOffset,
            Optional<MonitorCommands> monitor) throws KernelDataException, IOException {
        this.dump = dump;
        this.memory = memory;
        this.kernelOffset = kernelOffset;
        this.monitor = monitor;
        List<ElfNote> notes = dump.prstatus();
        boolean snapshot = !dump.notes(ElfNote.QEMU, 0).isEmpty();
        // The kernel appends CRASHTIME to VMCOREINFO when it crashes; snapshots have none.
        boolean crashed = dump.vmcoreInfo().flatMap(info -> info.get("CRASHTIME")).isPresent();
        long stop = 1;
        StopReason reason;
        if (kernel.isPresent()) {
            Optional<Task> panicking = addTasks(kernel.get());
            if (panicking.isPresent()) {
                Task task = panicking.get();
                stop = threadOf(task);
                reason = new StopReason(StopReason.Kind.PANIC, String.format("kernel panic on CPU %d in pid %d (%s)",
                    task.cpu(), task.pid(), task.comm()));
            } else {
                reason = crashed
                    ? new StopReason(StopReason.Kind.PANIC, "kernel crash; the kernel did not record which CPU panicked")
                    : new StopReason(StopReason.Kind.PAUSED, "no CPU panicked: a snapshot of a running kernel");
            }
        } else {
            addCpus(notes, snapshot);
            reason = crashed
                ? new StopReason(StopReason.Kind.PANIC,
                    "kernel crash; which CPU panicked is unknown without the kernel's symbols and types")
                : new StopReason(StopReason.Kind.PAUSED, "no CPU panicked: a snapshot of a running kernel");
        }
        this.stopThread = stop;
        this.stopReason = reason;
    }

    /**
     * @param kernel the kernel model, when its symbols and types could be found; without it the
     *               threads are the dump's CPUs
     * @throws IllegalArgumentException when the dump is not of an x86_64 kernel or saved no CPU
     * @throws KernelDataException      when the task list cannot be read at all
     */
    public static DumpTarget of(DumpFile dump, KernelMemory memory, Optional<Kernel> kernel, OptionalLong kernelOffset,
            Optional<MonitorCommands> monitor) throws KernelDataException, IOException {
        if (!dump.info().machine().equals("x86_64")) {
            throw new IllegalArgumentException("serving " + dump.info().machine() + " dumps is not written yet; x86_64 is");
        }
        if (dump.prstatus().isEmpty()) {
            throw new IllegalArgumentException("the dump holds no CPU registers (no NT_PRSTATUS note)");
        }
        return new DumpTarget(dump, memory, kernel, kernelOffset, monitor);
    }

    /** Adds every task as a thread; returns the panicking task, if the kernel recorded one. */
    private Optional<Task> addTasks(Kernel kernel) throws KernelDataException, IOException {
        TaskRegisters registers = TaskRegisters.of(dump, kernel);
        List<Task> ordered = new ArrayList<>(kernel.tasks());
        // Stable sort: running tasks by CPU first, the rest keep the kernel model's pid order.
        ordered.sort(Comparator.comparing((Task t) -> !t.current()).thenComparingInt(t -> t.current() ? t.cpu() : 0));
        for (Task task : ordered) {
            taskThreads.put(task.address(), (long) threads.size() + 1);
            add(thread(task), () -> registers.of(task));
        }
        return kernel.panicTask();
    }

    private long threadOf(Task task) {
        return taskThreads.getOrDefault(task.address(), 1L);
    }

    private static TargetThread threadOfCpu(int cpu, String task) {
        return new TargetThread(cpu + 1, "CPU " + cpu, cpu, "on CPU " + cpu + task);
    }

    private void addCpus(List<ElfNote> notes, boolean snapshot) {
        for (int cpu = 0; cpu < notes.size(); cpu++) {
            byte[] descriptor = notes.get(cpu).descriptor();
            // In a kdump pr_pid is the task on the CPU; QEMU writes its vCPU number there instead.
            add(threadOfCpu(cpu, snapshot ? "" : " pid " + PrstatusRegisters.pid(descriptor)),
                () -> PrstatusRegisters.decode(descriptor));
        }
    }

    private TargetThread thread(Task task) {
        String where = task.cpu() < 0 ? "" : task.current() ? ", running on CPU " + task.cpu() : ", last ran on CPU " + task.cpu();
        return new TargetThread(threads.size() + 1, task.comm(), Math.max(task.cpu(), TargetThread.NO_CORE),
            "pid " + task.pid() + " " + task.comm() + " " + task.state().letter() + where);
    }

    private void add(TargetThread thread, RegisterSource source) {
        threads.add(thread);
        sources.add(source);
    }

    @Override
    public Architecture architecture() {
        return X86_64Architecture.ARCHITECTURE;
    }

    @Override
    public List<TargetThread> threads() {
        return List.copyOf(threads);
    }

    @Override
    public Optional<TargetThread> thread(long id) {
        return id >= 1 && id <= threads.size() ? Optional.of(threads.get((int) id - 1)) : Optional.empty();
    }

    @Override
    public long stopThread() {
        return stopThread;
    }

    @Override
    public StopReason stopReason() {
        return stopReason;
    }

    /**
     * Recovered once per thread. A sleeping task whose stack the dump does not hold (makedumpfile
     * excluded it, or the dump is cut short) has no registers: all of them read as unavailable.
     */
    @Override
    public Optional<RegisterSet> registers(long threadId) {
        if (thread(threadId).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(recovered.computeIfAbsent(threadId, id -> {
            try {
                return sources.get((int) (id - 1)).read();
            } catch (AddressFault fault) {
                LOG.warn("thread {} ({}): its saved registers cannot be read: {}", id,
                    threads.get((int) (id - 1)).extraInfo(), fault.getMessage());
                return TaskRegisters.unavailable();
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + dump.info().files(), e);
            }
        }));
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

    @Override
    public Optional<MonitorCommands> monitorCommands() {
        return monitor;
    }
}
