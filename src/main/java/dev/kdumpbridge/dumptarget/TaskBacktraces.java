package dev.kdumpbridge.dumptarget;

import dev.kdumpbridge.arch.Machine;
import dev.kdumpbridge.arch.Machines;
import dev.kdumpbridge.kernel.Symbolizer;
import dev.kdumpbridge.report.BacktraceReport;
import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.kernel.Kernel;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.kernel.Task;
import dev.kdumpbridge.kernel.Vmlinux;
import dev.kdumpbridge.kernel.dwarf.SourceLine;
import dev.kdumpbridge.kernel.dwarf.SourceLines;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.unwind.Backtrace;
import dev.kdumpbridge.unwind.Unwinder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every task's kernel stack in a dump: where its unwind starts ({@link TaskRegisters}) walked up
 * by the machine's unwinder (ORC on x86_64). What the CLI's bt, the gdb server's
 * {@code monitor bt} and the DAP front end show.
 */
public final class TaskBacktraces {
    private static final Logger LOG = LoggerFactory.getLogger(TaskBacktraces.class);

    private final TaskRegisters registers;
    private final Machine machine;
    private final Unwinder unwinder;
    private final List<String> warnings;
    private final Optional<SourceLines> sourceLines;
    private final long kaslrOffset;
    /** A damaged line table is logged once, not for every frame that falls in it. */
    private final AtomicBoolean lineErrorLogged = new AtomicBoolean();

    private TaskBacktraces(TaskRegisters registers, Machine machine, Unwinder unwinder, List<String> warnings,
            Optional<SourceLines> sourceLines, long kaslrOffset) {
        this.registers = registers;
        this.machine = machine;
        this.unwinder = unwinder;
        this.warnings = warnings;
        this.sourceLines = sourceLines;
        this.kaslrOffset = kaslrOffset;
    }

    /**
     * @param vmlinux the debug image, whose ORC sections are read instead of the dump's copy
     * @throws KernelDataException when the dump's architecture is not served, the dump names no
     *                             kernel release, or the kernel has no unwind table or switch
     *                             frame this code can read
     */
    public static TaskBacktraces of(DumpFile dump, Kernel kernel, Optional<Vmlinux> vmlinux)
            throws KernelDataException, IOException {
        Machine machine = Machines.named(dump.info().machine()).orElseThrow(() -> new KernelDataException(
            Machines.unsupported(dump.info().machine())));
        String release = dump.vmcoreInfo().flatMap(v -> v.get("OSRELEASE")).orElseThrow(() -> new KernelDataException(
            "the dump's VMCOREINFO has no OSRELEASE, so the unwind table format cannot be chosen"));
        List<String> warnings = new ArrayList<>();
        Unwinder unwinder = machine.unwinder(kernel, vmlinux, release, warnings);
        Optional<SourceLines> lines = vmlinux.isPresent() ? SourceLines.of(vmlinux.get()) : Optional.empty();
        return new TaskBacktraces(TaskRegisters.of(dump, kernel, machine), machine, unwinder, List.copyOf(warnings), lines,
            kernel.symbols().kaslrOffset());
    }

    /** crash's bt layout for these stacks, with the machine's register blocks. */
    public BacktraceReport report(Symbolizer symbolizer) {
        return new BacktraceReport(symbolizer, machine::registerBlock);
    }

    /** Whether frames can have source lines: the vmlinux was given and has DWARF line tables. */
    public boolean hasSourceLines() {
        return sourceLines.isPresent();
    }

    /**
     * The source line of the code at a running kernel's address (a frame's
     * {@link dev.kdumpbridge.unwind.StackFrame#lookupPc()}, so a return address names the call's
     * line, as gdb and the kernel's decode_stacktrace.sh do); empty without DWARF, for code no line
     * table covers, or where the DWARF is damaged (logged once).
     */
    public Optional<SourceLine> sourceLine(long address) {
        if (sourceLines.isEmpty()) {
            return Optional.empty();
        }
        try {
            return sourceLines.get().at(address - kaslrOffset);
        } catch (IOException e) {
            if (lineErrorLogged.compareAndSet(false, true)) {
                LOG.warn("source lines are incomplete: {}", e.getMessage());
            }
            return Optional.empty();
        }
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
