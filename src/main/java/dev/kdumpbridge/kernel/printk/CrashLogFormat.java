package dev.kdumpbridge.kernel.printk;

import java.util.ArrayList;
import java.util.List;

/**
 * Renders records the way crash's {@code log} command prints them, so the two compare line by
 * line (crash 8.0.6, printk.c and kernel.c):
 * <ul>
 *   <li>{@code [%5lu.%06lu] } before each record: seconds and microseconds since boot;
 *   <li>the lines of a record after its first indented by the width of that prefix, not given
 *       a timestamp of their own (unlike {@code dmesg});
 *   <li>bytes that are neither printable ASCII nor white space shown as {@code .}, one per byte;
 *       tabs and carriage returns kept.
 * </ul>
 *
 * @param timestamps show the time prefix (crash prints it unless {@code -t})
 * @param levels     show the syslog level as {@code <%x>} after the time (crash {@code -m})
 * @param deviceInfo add {@code SUBSYSTEM=} and {@code DEVICE=} lines for device messages
 *                   (crash {@code -d})
 */
public record CrashLogFormat(boolean timestamps, boolean levels, boolean deviceInfo) {

    /** What {@code crash> log} prints. */
    public static final CrashLogFormat CRASH_DEFAULT = new CrashLogFormat(true, false, false);
    /** {@code log -t}: the text alone, which is what crash searches for the panic message. */
    public static final CrashLogFormat TEXT_ONLY = new CrashLogFormat(false, false, false);

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long NANOS_PER_MICRO = 1_000L;

    /** The record's lines, without line terminators; at least one. */
    public List<String> lines(PrintkRecord record) {
        StringBuilder prefix = new StringBuilder();
        if (timestamps) {
            long nanos = record.timestampNanos();
            prefix.append(String.format("[%5d.%06d] ", Long.divideUnsigned(nanos, NANOS_PER_SECOND),
                Long.remainderUnsigned(nanos, NANOS_PER_SECOND) / NANOS_PER_MICRO));
        }
        if (levels) {
            record.priority().ifPresent(p -> prefix.append(String.format("<%x>", p.level())));
        }
        String indent = " ".repeat(prefix.length());
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder(prefix);
        String text = record.text();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                lines.add(line.toString());
                line = new StringBuilder(indent);
            } else {
                line.append(shown(c));
            }
        }
        lines.add(line.toString());
        if (deviceInfo) {
            if (!record.subsystem().isEmpty()) {
                lines.add(indent + "SUBSYSTEM=" + record.subsystem());
            }
            if (!record.device().isEmpty()) {
                lines.add(indent + "DEVICE=" + record.device());
            }
        }
        return lines;
    }

    /** C's {@code isprint || isspace} in the C locale, as crash tests each byte. */
    private static char shown(char c) {
        boolean printable = c >= 0x20 && c < 0x7f;
        boolean space = c == '\t' || c == '\u000b' || c == '\f' || c == '\r';
        return printable || space ? c : '.';
    }
}
