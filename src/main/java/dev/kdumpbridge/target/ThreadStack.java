package dev.kdumpbridge.target;

import java.util.List;
import java.util.Objects;

/**
 * A thread's stack as the target unwound it.
 *
 * @param frames   innermost first
 * @param stop     why the walk ended, for people
 * @param complete whether it ended where the kernel's own unwinder would (the user-mode
 *                 registers, or the end of a kernel thread's stack) rather than at an error
 */
public record ThreadStack(List<TargetFrame> frames, String stop, boolean complete) {
    public ThreadStack {
        frames = List.copyOf(frames);
        Objects.requireNonNull(stop);
    }
}
