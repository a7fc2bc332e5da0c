package dev.kdumpbridge.report;

import dev.kdumpbridge.kernel.Symbolizer;
import dev.kdumpbridge.kernel.Task;
import dev.kdumpbridge.kernel.dwarf.SourceLine;
import dev.kdumpbridge.unwind.Backtrace;
import dev.kdumpbridge.unwind.StackFrame;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongFunction;

/**
 * crash's {@code bt} text for one task: a header line, then {@code #N [slot] function at pc} per
 * frame, the saved registers where an exception or interrupt came in ({@code [exception RIP:
 * function+offset]} first), {@code --- <X stack> ---} where the walk leaves an interrupt or
 * exception stack, and the user-mode registers at the end of a task that entered from user space.
 * Spaced as crash spaces it, so the two compare line by line. With source lines (crash's
 * {@code bt -l}), each frame line is followed by {@code     FILE: LINE}.
 */
public final class BacktraceReport {
    private final Symbolizer symbolizer;
    /** The architecture's register block, as crash prints a saved register set. */
    private final Function<Map<String, Long>, String> registerBlock;
    /** The source line of a code address, or nothing when lines were not asked for. */
    private final LongFunction<Optional<SourceLine>> sourceLine;

    public BacktraceReport(Symbolizer symbolizer, Function<Map<String, Long>, String> registerBlock) {
        this(symbolizer, registerBlock, address -> Optional.empty());
    }

    private BacktraceReport(Symbolizer symbolizer, Function<Map<String, Long>, String> registerBlock,
            LongFunction<Optional<SourceLine>> sourceLine) {
        this.symbolizer = symbolizer;
        this.registerBlock = registerBlock;
        this.sourceLine = sourceLine;
    }

    /** The same report with each frame's source line under it, looked up at its lookup pc. */
    public BacktraceReport withSourceLines(LongFunction<Optional<SourceLine>> lines) {
        return new BacktraceReport(symbolizer, registerBlock, lines);
    }

    /** crash's header: {@code PID: 294      TASK: ffff8bd8ff444800  CPU: 0    COMMAND: "sh"}. */
    public static String header(Task task) {
        return String.format("PID: %-7d  TASK: %x  CPU: %-3s  COMMAND: \"%s\"", task.pid(), task.address(),
            task.cpu() < 0 ? "-" : Integer.toString(task.cpu()), task.comm());
    }

    /** The task's report, each line ending in '\n'. */
    public String of(Task task, Backtrace backtrace) {
        StringBuilder text = new StringBuilder(header(task)).append('\n');
        if (backtrace.frames().isEmpty() && backtrace.userRegisters().isEmpty()) {
            return text.append('(').append(backtrace.stop()).append(")\n").toString();
        }
        List<StackFrame> frames = backtrace.frames();
        int number = 0;
        for (int i = 0; i < frames.size(); i++) {
            StackFrame frame = frames.get(i);
            if (frame.isException()) {
                text.append("    ").append(exceptionLine(frame)).append('\n')
                    .append(registerBlock.apply(frame.saved()));
            }
            backtrace.stackLeftBefore(i).ifPresent(left -> text.append(stackSeparator(left)).append('\n'));
            if (isInStackException(backtrace, i)) {
                // crash lets the [exception RIP: ...] line stand for the interrupted function.
                continue;
            }
            long slot = frame.slot();
            if (i + 1 < frames.size() && isInStackException(backtrace, i + 1) && backtrace.stackLeftBefore(i).isPresent()) {
                // crash shows the frame that comes off the IRQ stack at the pt_regs it links to; the
                // entry code's call that this frame returns to sits just below them.
                slot += Long.BYTES;
            }
            text.append(String.format("%s#%d [%x] %s at %x%n", number < 10 ? " " : "", number, slot,
                name(frame.lookupPc(), false), frame.pc()));
            number++;
            sourceLine.apply(frame.lookupPc())
                .ifPresent(line -> text.append("    ").append(line.file()).append(": ").append(line.line()).append('\n'));
        }
        if (!backtrace.userRegisters().isEmpty()) {
            text.append(registerBlock.apply(backtrace.userRegisters()));
        }
        if (!backtrace.complete()) {
            text.append("    (the walk stopped: ").append(backtrace.stop()).append(")\n");
        }
        return text.toString();
    }

    /**
     * An exception frame in the middle of one stack (an interrupt or fault taken on the task
     * stack), rather than where a walk arrives from an exception stack.
     */
    private static boolean isInStackException(Backtrace backtrace, int i) {
        return i > 0 && backtrace.frames().get(i).isException() && backtrace.stackLeftBefore(i).isEmpty();
    }

    /** crash's line where a walk leaves an interrupt or exception stack. */
    public static String stackSeparator(String stackLeft) {
        return "--- <" + stackLeft + " stack> ---";
    }

    /** crash's line above an exception frame's registers: {@code [exception RIP: function+offset]}. */
    public String exceptionLine(StackFrame frame) {
        return "[exception RIP: " + name(frame.pc(), true) + "]";
    }

    /** The function's name, with crash's decimal offset for an exception RIP; the address if unknown. */
    private String name(long address, boolean withOffset) {
        return symbolizer.at(address)
            .map(l -> withOffset && l.offset() != 0 ? l.function() + "+" + l.offset() : l.function())
            .orElse(withOffset ? "unknown or invalid address" : Long.toHexString(address));
    }
}
