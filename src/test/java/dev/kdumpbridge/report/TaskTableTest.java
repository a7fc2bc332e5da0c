package dev.kdumpbridge.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kdumpbridge.kernel.Task;
import dev.kdumpbridge.kernel.TaskState;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The columns and marks of crash's ps, as crash 8.0.6 printed these tasks on the fixture dump. */
class TaskTableTest {

    @Test
    void spacesColumnsMarksRunningTasksAndBracketsKernelThreads() {
        List<Task> tasks = List.of(
            new Task(0xffff8bd8c1254800L, 0, 0, 1, "swapper/1", TaskState.RUNNING, 1, false, true, 1),
            new Task(0xffff8bd8c11f9800L, 1, 1, 0, "init", TaskState.SLEEPING, 0, false, false, 1),
            new Task(0xffff8bd8ff408000L, 121, 121, 1, "dd", TaskState.RUNNING, 2, true, false, 1));
        assertEquals("""
                  PID    PPID  CPU       TASK        ST  COMM
                    0       0   1  ffff8bd8c1254800  RU  [swapper/1]
                    1       0   0  ffff8bd8c11f9800  IN  init
            >     121       1   2  ffff8bd8ff408000  RU  dd
            """, TaskTable.of(tasks));
    }
}
