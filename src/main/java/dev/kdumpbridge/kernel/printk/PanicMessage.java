package dev.kdumpbridge.kernel.printk;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The panic message as crash's {@code sys} shows it ({@code PANIC:}), found in the log the way
 * crash's {@code get_panicmsg} (task.c) finds it: the log is rendered without timestamps, then
 * searched line by line, first for the messages below in their order (a line with an earlier
 * message wins over any line with a later one), then for the first line with any of the
 * keywords crash uses to find the panicking task. The whole line is the message.
 */
public final class PanicMessage {

    /** crash's {@code panic_msg[]}, highest priority first. */
    private static final List<String> MESSAGES = List.of(
        "SysRq : Crash",
        "SysRq : Trigger a crash",
        "SysRq : Netdump",
        "Kernel panic: ",
        "Kernel panic - ",
        "Kernel BUG at",
        "kernel BUG at",
        "Unable to handle kernel paging request",
        "Unable to handle kernel NULL pointer dereference",
        "BUG: unable to handle kernel ",
        "general protection fault: ",
        "double fault: ",
        "divide error: ",
        "stack segment: ",
        "[Hardware Error]: ",
        "Bad mode in ",
        "Oops: ");

    /** crash's {@code panic_keywords[]}, tried on each line in turn when no message matched. */
    private static final List<String> KEYWORDS = List.of(
        "Unable to handle kernel",
        "BUG: unable to handle kernel",
        "Kernel BUG at",
        "kernel BUG at",
        "Bad mode in",
        "Oops",
        "Kernel panic");

    private PanicMessage() {
    }

    /** The line crash would call the panic message; empty when the log has none (no crash). */
    public static Optional<String> find(List<PrintkRecord> records) {
        List<String> lines = new ArrayList<>();
        for (PrintkRecord record : records) {
            lines.addAll(CrashLogFormat.TEXT_ONLY.lines(record));
        }
        for (String message : MESSAGES) {
            for (String line : lines) {
                if (line.contains(message)) {
                    return Optional.of(line);
                }
            }
        }
        for (String line : lines) {
            if (KEYWORDS.stream().anyMatch(line::contains)) {
                return Optional.of(line);
            }
        }
        return Optional.empty();
    }
}
