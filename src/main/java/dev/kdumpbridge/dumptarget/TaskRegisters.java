package dev.kdumpbridge.dumptarget;

import dev.kdumpbridge.arch.x86_64.InactiveTaskFrame;
import dev.kdumpbridge.arch.x86_64.PrstatusRegisters;
import dev.kdumpbridge.arch.x86_64.X86_64Architecture;
import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.DumpKind;
import dev.kdumpbridge.dump.ElfNote;
import dev.kdumpbridge.kernel.Cpu;
import dev.kdumpbridge.kernel.Kernel;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.kernel.Task;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.target.RegisterSet;
import dev.kdumpbridge.unwind.UnwindStart;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where each task's registers come from on an x86_64 dump (reference 05 §5): a task that was
 * running has what its CPU saved in the dump's NT_PRSTATUS note; a sleeping one, the frame
 * {@code __switch_to_asm} left on its stack. What neither holds is unavailable, never zero.
 */
public final class TaskRegisters {
    private static final Logger LOG = LoggerFactory.getLogger(TaskRegisters.class);

    private final Kernel kernel;
    private final InactiveTaskFrame frame;
    private final Map<Integer, byte[]> noteOfCpu;
    /**
     * A kdump's notes of the CPUs that did not panic hold what the crash NMI interrupted
     * ({@code crash_nmi_callback} saves its pt_regs); QEMU's and the panicking CPU's hold the
     * registers of the code itself.
     */
    private final boolean otherCpusInterrupted;

    private TaskRegisters(Kernel kernel, InactiveTaskFrame frame, Map<Integer, byte[]> noteOfCpu,
            boolean otherCpusInterrupted) {
        this.kernel = kernel;
        this.frame = frame;
        this.noteOfCpu = noteOfCpu;
        this.otherCpusInterrupted = otherCpusInterrupted;
    }

    /**
     * @throws KernelDataException when the kernel has no switch frame this code knows, or its
     *                             task list cannot be read
     */
    public static TaskRegisters of(DumpFile dump, Kernel kernel) throws KernelDataException, IOException {
        boolean snapshot = !dump.notes(ElfNote.QEMU, 0).isEmpty();
        Map<Integer, byte[]> notes = dump.info().kind() == DumpKind.KCORE ? Map.of()
            : notesByCpu(kernel, dump.prstatus(), snapshot);
        return new TaskRegisters(kernel, InactiveTaskFrame.layout(kernel.btf()), notes,
            !snapshot && dump.info().kind() != DumpKind.KCORE);
    }

    /** The registers of {@code task}, read from the dump now. */
    public RegisterSet of(Task task) throws AddressFault, IOException {
        if (task.current()) {
            byte[] note = noteOfCpu.get(task.cpu());
            return note != null ? PrstatusRegisters.decode(note) : unavailable();
        }
        if (task.stack() == 0) {
            // An exited task's stack is freed and task->stack cleared (release_task_stack);
            // thread.sp still points into the freed memory, so any frame read there is stale.
            return unavailable();
        }
        return frame.read(kernel.memory(), task.address());
    }

    /** Where {@code task}'s unwind starts: its registers, and what kind of state they are. */
    public UnwindStart start(Task task) throws AddressFault, IOException {
        RegisterSet registers = of(task);
        if (!task.current()) {
            return UnwindStart.switchedOut(registers);
        }
        byte[] note = noteOfCpu.get(task.cpu());
        boolean panicked = kernel.panicCpu().isPresent() && kernel.panicCpu().getAsInt() == task.cpu();
        if (note != null && otherCpusInterrupted && !panicked) {
            return UnwindStart.interrupted(registers, PrstatusRegisters.savedRegisters(note), "NMI");
        }
        return UnwindStart.stopped(registers);
    }

    static RegisterSet unavailable() {
        return RegisterSet.builder(X86_64Architecture.ARCHITECTURE).build();
    }

    /**
     * The notes are written in CPU order for the CPUs that were online: the capture kernel reads
     * each online CPU's crash_notes in turn, and QEMU writes one per vCPU. A kdump note also
     * carries the pid that was running, which must be that CPU's current task's. A live kernel
     * saves no registers, so its running tasks have none.
     */
    private static Map<Integer, byte[]> notesByCpu(Kernel kernel, List<ElfNote> notes, boolean snapshot)
            throws KernelDataException, IOException {
        List<Cpu> cpus = kernel.cpus();
        if (notes.size() != cpus.size()) {
            LOG.warn("the dump saved the registers of {} CPUs but the kernel had {} online; the running tasks of"
                + " CPUs without a note have no registers", notes.size(), cpus.size());
        }
        Map<Long, Integer> pidOf = new HashMap<>();
        for (Task task : kernel.tasks()) {
            pidOf.put(task.address(), task.pid());
        }
        Map<Integer, byte[]> byCpu = new HashMap<>();
        for (int i = 0; i < Math.min(notes.size(), cpus.size()); i++) {
            Cpu cpu = cpus.get(i);
            byte[] descriptor = notes.get(i).descriptor();
            Integer running = pidOf.get(cpu.current());
            if (!snapshot && running != null && running != PrstatusRegisters.pid(descriptor)) {
                LOG.warn("CPU {}: the dump's note {} was saved by pid {}, but pid {} was running there;"
                    + " its registers are left out", cpu.number(), i, PrstatusRegisters.pid(descriptor), running);
                continue;
            }
            byCpu.put(cpu.number(), descriptor);
        }
        return byCpu;
    }
}
