package dev.kdumpbridge.target;

import java.util.Objects;

/**
 * One kernel task as a debugger thread.
 *
 * @param id stable for the target's life, unique (idle tasks all have pid 0, so this is not the
 *     pid), at least 1: debugger protocols reserve 0 ("any thread") and -1 ("all threads")
 * @param name what debuggers show as the thread name, usually the task's comm
 * @param core the CPU the task is running on or last ran on, or -1 if unknown
 * @param extraInfo one short line, e.g. "pid 123 comm bash state S cpu 1"
 * @param title     how a thread list that shows one line per thread names it, short enough to
 *                  scan thousands: e.g. {@code 121 dd [R] (CPU 2)}
 */
public record TargetThread(long id, String name, int core, String extraInfo, String title) {

    public static final int NO_CORE = -1;

    /** A thread whose title is its name. */
    public TargetThread(long id, String name, int core, String extraInfo) {
        this(id, name, core, extraInfo, name);
    }

    public TargetThread {
        if (id < 1) {
            throw new IllegalArgumentException("thread id must be >= 1: " + id);
        }
        if (core < NO_CORE) {
            throw new IllegalArgumentException("core " + core);
        }
        Objects.requireNonNull(name);
        Objects.requireNonNull(extraInfo);
        Objects.requireNonNull(title);
    }

    public boolean hasCore() {
        return core != NO_CORE;
    }
}
