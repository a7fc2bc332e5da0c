package dev.kdumpbridge.target;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One frame of a thread's stack as the target's own unwinder found it, innermost first.
 *
 * @param pc          the code address: where the thread was, or the return address into the frame
 * @param lookupPc    where the function and line were looked up: {@code pc - 1} for a return
 *                    address, so a call at the end of a function still names that function
 * @param function    {@code name+0xoffset} as the kernel's {@code %pS} prints it; empty where no
 *                    symbol covers the address
 * @param source      the source line of {@code lookupPc}, when the target has line tables
 * @param registers   the registers known in this frame; the outer frames know fewer
 * @param labels      what a person should read before this frame: how the code got here when it
 *                    was not an ordinary call (for example {@code --- <NMI exception stack> ---}
 *                    or {@code [exception RIP: clear_user_rep_good+14]}, crash's words); mostly
 *                    none
 */
public record TargetFrame(long pc, long lookupPc, Optional<String> function, Optional<SourcePosition> source,
        RegisterSet registers, List<String> labels) {

    /** A file and 1-based line; the file as the debug information names it, maybe relative. */
    public record SourcePosition(String file, int line) {
        public SourcePosition {
            Objects.requireNonNull(file);
        }
    }

    public TargetFrame {
        Objects.requireNonNull(function);
        Objects.requireNonNull(source);
        Objects.requireNonNull(registers);
        labels = List.copyOf(labels);
    }
}
