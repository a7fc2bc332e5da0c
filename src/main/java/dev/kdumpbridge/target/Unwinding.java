package dev.kdumpbridge.target;

import java.util.Optional;

/**
 * A target that unwinds stacks itself, for front ends whose clients do not (DAP clients show the
 * frames they are given). gdb unwinds on its own from the registers.
 */
public interface Unwinding {

    /** The thread's stack, unwound when first asked; empty if there is no such thread. */
    Optional<ThreadStack> stack(long threadId);

    /** Whether frames come with source lines (a debug vmlinux with line tables). */
    boolean hasSourceLines();
}
