package dev.kdumpbridge.report;

import dev.kdumpbridge.kernel.Task;
import java.util.List;

/**
 * crash's {@code ps} table: PID PPID CPU TASK ST COMM, with {@code >} before each task that was
 * running on a CPU and kernel threads' names in brackets, spaced as crash spaces it so the two
 * compare line by line. crash's memory columns (%MEM VSZ RSS) are left out.
 */
public final class TaskTable {
    private static final String HEADER = "      PID    PPID  CPU       TASK        ST  COMM";

    private TaskTable() {
    }

    /** The table of {@code tasks} in the order given, header first, each line ending in '\n'. */
    public static String of(List<Task> tasks) {
        StringBuilder table = new StringBuilder(HEADER).append('\n');
        for (Task task : tasks) {
            table.append(line(task)).append('\n');
        }
        return table.toString();
    }

    /**
     * One task's line. The parent of an idle task shows as 0, as crash shows it: the kernel's
     * real_parent of swapper/1 and up is init, only because fork_idle() runs in kernel_init.
     */
    static String line(Task task) {
        return String.format("%s%8d %7d %3d  %16x  %s  %s", task.current() ? ">" : " ", task.pid(),
            task.isIdle() ? 0 : task.ppid(), task.cpu(), task.address(), task.state().crashCode(),
            task.kernelThread() ? "[" + task.comm() + "]" : task.comm());
    }
}
