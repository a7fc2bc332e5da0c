package dev.kdumpbridge.unwind;

import dev.kdumpbridge.kernel.Task;

/** One architecture's walk up a task's kernel stack. */
public interface Unwinder {

    /**
     * The task's frames from where {@code start} says it stopped, innermost first; bounded, and
     * saying why it stopped.
     */
    Backtrace unwind(Task task, UnwindStart start);
}
