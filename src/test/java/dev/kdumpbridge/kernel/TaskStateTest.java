package dev.kdumpbridge.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The letters of fs/proc/array.c's task_state_array for the state bits of Linux 4.14+. */
class TaskStateTest {

    @ParameterizedTest(name = "state {0} exit_state {1} -> {2}")
    @CsvSource({
        "0x0, 0x0, R",
        "0x1, 0x0, S",
        "0x2, 0x0, D",
        "0x4, 0x0, T",
        "0x8, 0x0, t",
        // TASK_IDLE = TASK_UNINTERRUPTIBLE | TASK_NOLOAD
        "0x402, 0x0, I",
        "0x40, 0x0, P",
        // an exited task: __state TASK_DEAD (0x80, not reported), exit_state EXIT_ZOMBIE or EXIT_DEAD
        "0x80, 0x20, Z",
        "0x80, 0x10, X",
        // TASK_KILLABLE = TASK_WAKEKILL | TASK_UNINTERRUPTIBLE; only the reported bits count
        "0x102, 0x0, D",
        // 5.14+ TASK_RTLOCK_WAIT reports as D
        "0x1000, 0x0, D",
    })
    void decodesAsProcDoes(String state, String exitState, char letter) {
        assertEquals(letter, TaskState.decode(Long.decode(state), Long.decode(exitState)).letter());
    }
}
