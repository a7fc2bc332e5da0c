package dev.kdumpbridge.kernel.printk;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One record of the kernel log, as the kernel stored it.
 *
 * @param sequence       the kernel's sequence number of the record (what {@code dmesg -r} and
 *                       {@code /dev/kmsg} number records by). The pre-5.10 {@code log_buf} keeps
 *                       sequence numbers in a variable VMCOREINFO does not export, so there it
 *                       counts from 0 at the oldest record still in the buffer.
 * @param timestampNanos {@code ts_nsec}: nanoseconds since boot on the kernel's local clock;
 *                       unsigned
 * @param priority       syslog facility and level, when this kernel's layout says where they are
 * @param callerId       the thread id, or the processor id with bit 31 set, of the code that
 *                       printed; absent before Linux 5.1 or without {@code CONFIG_PRINTK_CALLER}
 * @param text           the message, one char per stored byte (ISO-8859-1), so nothing is lost:
 *                       several lines are separated by {@code \n}; see {@link #decodedText()}
 * @param subsystem      {@code dev_printk_info.subsystem} (or the dictionary's
 *                       {@code SUBSYSTEM=}), empty when the message is not a device's
 * @param device         {@code dev_printk_info.device} (or {@code DEVICE=}), empty likewise
 */
public record PrintkRecord(long sequence, long timestampNanos, Optional<Priority> priority,
        OptionalInt callerId, String text, String subsystem, String device) {

    /** Bit 31 of a caller id: the id is a processor's, not a thread's. */
    private static final int CALLER_IS_CPU = 0x8000_0000;

    public PrintkRecord {
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(callerId, "callerId");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(subsystem, "subsystem");
        Objects.requireNonNull(device, "device");
    }

    /**
     * Syslog facility and level ({@code LOG_KERN}, {@code KERN_ERR} and so on).
     *
     * @param facility 0 ({@code LOG_KERN}) for the kernel's own messages, 1 ({@code LOG_USER})
     *                 for those written to {@code /dev/kmsg}
     * @param level    0 ({@code KERN_EMERG}) to 7 ({@code KERN_DEBUG})
     */
    public record Priority(int facility, int level) {
    }

    /** The caller as the kernel prints it with {@code CONFIG_PRINTK_CALLER}: {@code T123} or {@code C1}. */
    public Optional<String> caller() {
        if (callerId.isEmpty()) {
            return Optional.empty();
        }
        int id = callerId.getAsInt();
        return Optional.of(((id & CALLER_IS_CPU) != 0 ? "C" : "T") + (id & ~CALLER_IS_CPU));
    }

    /** The text decoded as UTF-8, which is what the kernel's messages are when they are not ASCII. */
    public String decodedText() {
        return new String(text.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }
}
