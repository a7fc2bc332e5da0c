package dev.kdumpbridge.dumptarget;

import dev.kdumpbridge.arch.x86_64.OrcUnwinder;
import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.kernel.Kernel;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.kernel.Task;
import dev.kdumpbridge.kernel.Vmlinux;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.unwind.Backtrace;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every task's kernel stack in a dump: where its unwind starts ({@link TaskRegisters}) walked up
 * by the kernel's ORC tables ({@link OrcUnwinder}). What the CLI's bt, the gdb server's
 * {@code monitor bt} and the DAP front end show.
 */
public final class TaskBacktraces {
    private final TaskRegisters registers;
    private final OrcUnwinder unwinder;
    private final List<String> warnings;

    private TaskBacktraces(TaskRegisters registers, OrcUnwinder unwinder, List<String> warnings) {
        this.registers = registers;
        this.unwinder = unwinder;
        this.warnings = warnings;
    }

    /**
     * @param vmlinux the debug image, whose ORC sections are read instead of the dump's copy
     * @throws KernelDataException when the dump names no kernel release or the kernel has no ORC
     *                             table or switch frame this code can read
     */
    public static TaskBacktraces of(DumpFile dump, Kernel kernel, Optional<Vmlinux> vmlinux)
            throws KernelDataException, IOException {
        String release = dump.vmcoreInfo().flatMap(v -> v.get("OSRELEASE")).orElseThrow(() -> new KernelDataException(
            "the dump's VMCOREINFO has no OSRELEASE, so the ORC table format cannot be chosen"));
        List<String> warnings = new ArrayList<>();
        OrcUnwinder unwinder = OrcUnwinder.of(kernel, vmlinux, release, warnings);
        return new TaskBacktraces(TaskRegisters.of(dump, kernel), unwinder, List.copyOf(warnings));
    }

    /** The task's stack; a task whose registers cannot be read has none, with the reason. */
    public Backtrace of(Task task) throws IOException {
        try {
            return unwinder.unwind(task, registers.start(task));
        } catch (AddressFault fault) {
            return Backtrace.none("its saved registers are not in the dump: " + fault.getMessage());
        }
    }

    /** What could not be found while setting up, e.g. a CPU's interrupt stacks. */
    public List<String> warnings() {
        return warnings;
    }
}
