package dev.kdumpbridge.unwind;

import dev.kdumpbridge.target.RegisterSet;
import java.util.Map;

/**
 * One frame of a kernel stack, innermost first.
 *
 * @param pc            the code address: where the CPU was for the innermost frame and for a
 *                      frame an exception interrupted, else the return address into it
 * @param slot          the stack address crash shows in brackets: where the return address was
 *                      read, or the interrupted stack pointer for an exception frame
 * @param returnAddress {@code pc} is a return address, so the call is at {@code pc - 1}: a call
 *                      that ends a function (to a noreturn callee) returns past its end, and the
 *                      function and line must be looked up one byte earlier
 * @param stack         the stack the frame lies on, e.g. "task", "IRQ", "NMI exception"
 * @param registers     the registers known in this frame; the deeper, the fewer
 * @param saved         when this frame was interrupted by an exception or interrupt, the registers
 *                      its entry code saved, by name in the order the architecture saves them;
 *                      else empty
 * @param reliable      false when the frame was found without unwind data (frame pointers)
 */
public record StackFrame(long pc, long slot, boolean returnAddress, String stack, RegisterSet registers,
        Map<String, Long> saved, boolean reliable) {

    /** The address to look the function and line up at. */
    public long lookupPc() {
        return returnAddress ? pc - 1 : pc;
    }

    public boolean isException() {
        return !saved.isEmpty();
    }
}
