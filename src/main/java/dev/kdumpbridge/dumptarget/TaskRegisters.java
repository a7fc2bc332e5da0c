package dev.kdumpbridge.dumptarget;

import dev.kdumpbridge.arch.Machine;
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
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where each task's registers come from (reference 05 §5): a task that was running has what its
 * CPU saved in the dump's NT_PRSTATUS note; a sleeping one, what the machine's switch code left
 * (on x86_64 the frame {@code __switch_to_asm} pushed). What neither holds is unavailable, never
 * zero.
 */
public final class TaskRegisters {
    private static final Logger LOG = LoggerFactory.getLogger(TaskRegisters.class);

    private final Kernel kernel;
    private final Machine machine;
    private final Machine.SwitchedOut frame;
    private final Map<Integer, byte[]> noteOfCpu;
    /**
     * A kdump's notes of the CPUs that did not panic hold what the crash NMI interrupted
     * ({@code crash_nmi_callback} saves its pt_regs); QEMU's and the panicking CPU's hold the
     * registers of the code itself.
     */
    private final boolean otherCpusInterrupted;

    private TaskRegisters(Kernel kernel, Machine machine, Machine.SwitchedOut frame, Map<Integer, byte[]> noteOfCpu,
            boolean otherCpusInterrupted) {
        this.kernel = kernel;
        this.machine = machine;
        this.frame = frame;
        this.noteOfCpu = noteOfCpu;
        this.otherCpusInterrupted = otherCpusInterrupted;
    }

    /**
     * @throws KernelDataException when the kernel has no switch frame this code knows, or its
     *                             task list cannot be read
     */
    public static TaskRegisters of(DumpFile dump, Kernel kernel, Machine machine) throws KernelDataException, IOException {
        boolean snapshot = isSnapshot(dump);
        Map<Integer, byte[]> notes = dump.info().kind() == DumpKind.KCORE ? Map.of()
            : notesByCpu(kernel, machine, dump.prstatus(), snapshot);
        return new TaskRegisters(kernel, machine, machine.switchedOut(kernel.btf()), notes,
            !snapshot && dump.info().kind() != DumpKind.KCORE);
    }

    /**
     * Whether the dump is a snapshot of a kernel that had not crashed (QEMU's dump-guest-memory):
     * its notes then hold each vCPU's own registers, with the vCPU number for a pid. QEMU adds
     * notes of its own on x86_64 only; a kernel that crashed adds CRASHTIME to VMCOREINFO.
     */
    static boolean isSnapshot(DumpFile dump) {
        return !dump.notes(ElfNote.QEMU, 0).isEmpty()
            || dump.vmcoreInfo().isPresent() && dump.vmcoreInfo().get().get("CRASHTIME").isEmpty();
    }

    /** The registers of {@code task}, read from the dump now. */
    public RegisterSet of(Task task) throws AddressFault, IOException {
        if (task.current()) {
            byte[] note = noteOfCpu.get(task.cpu());
            return note != null ? machine.prstatusRegisters(note) : unavailable();
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
            Optional<Map<String, Long>> interrupted = machine.prstatusInterrupted(note);
            if (interrupted.isPresent()) {
                return UnwindStart.interrupted(registers, interrupted.get(), machine.stopInterruptName());
            }
        }
        return UnwindStart.stopped(registers);
    }

    private RegisterSet unavailable() {
        return RegisterSet.builder(machine.architecture()).build();
    }

    /**
     * The notes are written in CPU order for the CPUs that were online: the capture kernel reads
     * each online CPU's crash_notes in turn, and QEMU writes one per vCPU. A kdump note also
     * carries the pid that was running, which must be that CPU's current task's. A live kernel
     * saves no registers, so its running tasks have none.
     */
    private static Map<Integer, byte[]> notesByCpu(Kernel kernel, Machine machine, List<ElfNote> notes, boolean snapshot)
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
            if (!snapshot && running != null && running != machine.prstatusPid(descriptor)) {
                LOG.warn("CPU {}: the dump's note {} was saved by pid {}, but pid {} was running there;"
                    + " its registers are left out", cpu.number(), i, machine.prstatusPid(descriptor), running);
                continue;
            }
            byCpu.put(cpu.number(), descriptor);
        }
        return byCpu;
    }
}
