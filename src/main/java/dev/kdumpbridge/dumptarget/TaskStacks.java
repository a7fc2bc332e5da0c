package dev.kdumpbridge.dumptarget;

import dev.kdumpbridge.kernel.Symbolizer;
import dev.kdumpbridge.kernel.Task;
import dev.kdumpbridge.report.BacktraceReport;
import dev.kdumpbridge.target.TargetFrame;
import dev.kdumpbridge.target.ThreadStack;
import dev.kdumpbridge.target.Unwinding;
import dev.kdumpbridge.unwind.Backtrace;
import dev.kdumpbridge.unwind.StackFrame;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;

/**
 * Each thread's stack from {@link TaskBacktraces}, named the way the kernel names frames in
 * {@code /proc/PID/stack} ({@code function+0xoffset}, the offset of the pc itself even where the
 * function was looked up one byte earlier), with crash's words for what separates frames. A dump's
 * stacks never change, so each is unwound once; a live kernel's are unwound on every request.
 */
final class TaskStacks implements Unwinding {
    private final TaskBacktraces backtraces;
    private final Symbolizer symbolizer;
    private final BacktraceReport words;
    private final LongFunction<Optional<Task>> taskOfThread;
    private final boolean live;
    private final Map<Long, ThreadStack> unwound = new ConcurrentHashMap<>();

    TaskStacks(TaskBacktraces backtraces, Symbolizer symbolizer, LongFunction<Optional<Task>> taskOfThread, boolean live) {
        this.backtraces = backtraces;
        this.symbolizer = symbolizer;
        this.words = backtraces.report(symbolizer);
        this.taskOfThread = taskOfThread;
        this.live = live;
    }

    @Override
    public Optional<ThreadStack> stack(long threadId) {
        Optional<Task> task = taskOfThread.apply(threadId);
        if (task.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(live ? unwind(task.get()) : unwound.computeIfAbsent(threadId, id -> unwind(task.get())));
    }

    @Override
    public boolean hasSourceLines() {
        return backtraces.hasSourceLines();
    }

    private ThreadStack unwind(Task task) {
        Backtrace backtrace;
        try {
            backtrace = backtraces.of(task);
        } catch (IOException e) {
            throw new UncheckedIOException("unwinding pid " + task.pid(), e);
        }
        List<TargetFrame> frames = new ArrayList<>(backtrace.frames().size());
        for (int i = 0; i < backtrace.frames().size(); i++) {
            StackFrame frame = backtrace.frames().get(i);
            List<String> labels = new ArrayList<>(2);
            backtrace.stackLeftBefore(i).ifPresent(left -> labels.add(BacktraceReport.stackSeparator(left)));
            if (frame.isException()) {
                labels.add(words.exceptionLine(frame));
            }
            Optional<String> function = symbolizer.at(frame.lookupPc()).map(l -> {
                long offset = l.offset() + frame.pc() - frame.lookupPc();
                return l.function() + "+0x" + Long.toHexString(offset);
            });
            Optional<TargetFrame.SourcePosition> source = backtraces.sourceLine(frame.lookupPc())
                .map(line -> new TargetFrame.SourcePosition(line.file(), line.line()));
            frames.add(new TargetFrame(frame.pc(), frame.lookupPc(), function, source, frame.registers(), labels));
        }
        return new ThreadStack(frames, backtrace.stop(), backtrace.complete());
    }
}
