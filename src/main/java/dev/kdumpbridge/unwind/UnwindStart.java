package dev.kdumpbridge.unwind;

import dev.kdumpbridge.target.RegisterSet;
import java.util.Map;
import java.util.Optional;

/**
 * Where a task's unwind begins: its innermost registers and what kind of state they are.
 *
 * @param registers     the innermost registers (pc and sp at least, or the walk has nothing)
 * @param returnAddress the pc is a return address, as a switched-out task's saved one is
 * @param saved         the full register state an exception saved, when the registers are the
 *                      context that exception interrupted; else empty
 * @param interruption  the name of that exception, e.g. "NMI"
 */
public record UnwindStart(RegisterSet registers, boolean returnAddress, Map<String, Long> saved,
        Optional<String> interruption) {

    /** A task switched out by the scheduler: the pc is its return address into {@code __schedule}. */
    public static UnwindStart switchedOut(RegisterSet registers) {
        return new UnwindStart(registers, true, Map.of(), Optional.empty());
    }

    /** A CPU stopped where it was (a QEMU snapshot), or registers saved by the code itself (the panic). */
    public static UnwindStart stopped(RegisterSet registers) {
        return new UnwindStart(registers, false, Map.of(), Optional.empty());
    }

    /** The context an exception interrupted, with everything the exception saved. */
    public static UnwindStart interrupted(RegisterSet registers, Map<String, Long> saved, String by) {
        return new UnwindStart(registers, false, saved, Optional.of(by));
    }
}
