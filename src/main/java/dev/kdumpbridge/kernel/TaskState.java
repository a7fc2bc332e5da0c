package dev.kdumpbridge.kernel;

/**
 * A task's state the way {@code /proc/PID/stat} reports it ({@code fs/proc/array.c}
 * {@code task_state_array}), with crash's two-letter code for its {@code ps} column.
 *
 * <p>Decoding uses the bit values of Linux 4.14 and later ({@code include/linux/sched.h}): the
 * reported states are bits 0-6 of {@code __state | exit_state}, the highest set bit wins, and
 * {@code TASK_IDLE} ({@code TASK_UNINTERRUPTIBLE | TASK_NOLOAD}) reports as I. These values are
 * {@code #define}s, absent from BTF, so they cannot be read from the kernel.
 */
public enum TaskState {
    RUNNING('R', "RU"),
    SLEEPING('S', "IN"),
    DISK_SLEEP('D', "UN"),
    STOPPED('T', "ST"),
    TRACED('t', "TR"),
    DEAD('X', "DE"),
    ZOMBIE('Z', "ZO"),
    PARKED('P', "PA"),
    IDLE('I', "ID");

    private static final int TASK_REPORT = 0x7f;
    private static final int TASK_UNINTERRUPTIBLE = 0x2;
    private static final int TASK_NOLOAD = 0x400;
    private static final int TASK_IDLE = TASK_UNINTERRUPTIBLE | TASK_NOLOAD;
    /** Linux 5.14+: a task blocked on an rtmutex-based spinlock (PREEMPT_RT) reports as D. */
    private static final int TASK_RTLOCK_WAIT = 0x1000;

    private final char letter;
    private final String crashCode;

    TaskState(char letter, String crashCode) {
        this.letter = letter;
        this.crashCode = crashCode;
    }

    /** The letter {@code ps} and {@code /proc/PID/stat} show. */
    public char letter() {
        return letter;
    }

    /** The code crash's {@code ps} shows in its ST column. */
    public String crashCode() {
        return crashCode;
    }

    /** Decodes {@code task_struct.__state} (or {@code state} before 5.14) and {@code exit_state}. */
    public static TaskState decode(long state, long exitState) {
        if ((state & TASK_IDLE) == TASK_IDLE) {
            return IDLE;
        }
        if ((state & TASK_RTLOCK_WAIT) != 0) {
            return DISK_SLEEP;
        }
        int reported = (int) ((state | exitState) & TASK_REPORT);
        // fls(): the index of the highest set bit, 0 for none.
        int index = 32 - Integer.numberOfLeadingZeros(reported);
        return values()[index];
    }
}
