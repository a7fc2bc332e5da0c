package dev.kdumpbridge.unwind;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A task's kernel stack as unwound, and why the walk stopped there.
 *
 * @param frames        innermost first; empty for a task with no kernel stack or no registers
 * @param userRegisters the user-mode registers saved at the top of the stack when the task had
 *                      entered the kernel from user space (a system call, an interrupt), or the
 *                      task was interrupted in user mode; else empty
 * @param interruption  what interrupted the innermost state, when the registers came from an
 *                      exception rather than the code itself (e.g. "NMI": the crash shootdown)
 * @param stop          why the walk ended, e.g. "user mode", "end of stack", or what went wrong
 * @param complete      the walk reached the end of the kernel stack the way the kernel's own
 *                      unwinder would; false when it stopped at bad data or a limit
 */
public record Backtrace(List<StackFrame> frames, Map<String, Long> userRegisters, Optional<String> interruption,
        String stop, boolean complete) {

    public Backtrace {
        frames = List.copyOf(frames);
    }

    /** No frames at all, and why. */
    public static Backtrace none(String why) {
        return new Backtrace(List.of(), Map.of(), Optional.empty(), why, false);
    }

    /**
     * The stack the walk left to reach frame {@code i}, when it was not the task's own: the
     * interrupt or exception stack the frame inside it lay on, or for the first frame the
     * exception that interrupted it (crash prints {@code --- <NMI exception stack> ---} there).
     */
    public Optional<String> stackLeftBefore(int i) {
        if (i == 0) {
            return interruption.map(by -> by + " exception");
        }
        StackFrame inner = frames.get(i - 1);
        return !inner.stack().equals(frames.get(i).stack()) && !inner.stack().equals("task")
            ? Optional.of(inner.stack()) : Optional.empty();
    }
}
