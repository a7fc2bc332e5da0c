package dev.kdumpbridge.kernel;

import java.util.Objects;

/**
 * One kernel task as the dump left it: a thread of a process, a kernel thread, or a CPU's idle
 * task. Reading it recovers no registers; those are per architecture and on demand.
 *
 * @param address   the {@code task_struct}
 * @param pid       the thread id; 0 for every CPU's idle task
 * @param tgid      the process (thread group) id
 * @param ppid      the process id of {@code real_parent}, as {@code /proc/PID/stat} reports it
 * @param comm      the command name, at most 15 characters
 * @param state     the state as {@code /proc/PID/stat} shows it
 * @param cpu       the CPU the task runs on or last ran on, -1 where the kernel does not record it
 * @param current   the task was the running task ({@code rq->curr}) of {@link #cpu}
 * @param kernelThread {@code PF_KTHREAD}: a kernel thread or an idle task
 * @param stack     the lowest address of its kernel stack ({@code task_struct.stack})
 */
public record Task(long address, int pid, int tgid, int ppid, String comm, TaskState state, int cpu,
        boolean current, boolean kernelThread, long stack) {

    public Task {
        Objects.requireNonNull(comm);
        Objects.requireNonNull(state);
    }

    /** Each CPU's idle task has pid 0; it is told apart by its CPU. */
    public boolean isIdle() {
        return pid == 0;
    }
}
