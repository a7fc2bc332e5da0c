package dev.kdumpbridge.arch.x86_64;

/**
 * One decoded {@code struct orc_entry}: how to find the caller's stack pointer (the CFA) and
 * frame pointer at some code address, and what kind of frame it is (reference 06 §2, §3).
 *
 * @param signal the next lookup uses the ip as it is, not ip - 1 (6.3+ store it; older kernels
 *               imply it after a pt_regs frame)
 * @param end    an UNDEFINED entry that marks the end of the stack rather than an error (before 6.4)
 */
public record OrcEntry(int spOffset, int bpOffset, Register spRegister, Register bpRegister, Type type,
        boolean signal, boolean end) {

    /** Where {@code sp_reg}/{@code bp_reg} say a value comes from (numbering of 4.14 to 7.0). */
    public enum Register {
        UNDEFINED, PREV_SP, DX, DI, BP, SP, R10, R13, BP_INDIRECT, SP_INDIRECT;

        static Register of(int value) {
            Register[] all = values();
            return value < all.length ? all[value] : UNDEFINED;
        }
    }

    /** The frame kind, by meaning; the numbers differ by kernel version ({@link OrcFormat}). */
    public enum Type {
        /** A normal call frame: the return address sits just below the CFA. */
        CALL,
        /** A full {@code struct pt_regs} starts at the CFA: an exception, interrupt or syscall entry. */
        REGS,
        /** Only the hardware IRET frame (ip, cs, flags, sp, ss) starts at the CFA. */
        REGS_PARTIAL,
        /** No information: an error, or the end of the stack when {@link #end} is set (before 6.4). */
        UNDEFINED,
        /** The outermost frame (6.4+). */
        END_OF_STACK
    }

    /**
     * What the kernel assumes for a call through a NULL function pointer (ip 0): the return
     * address is on top of the stack.
     */
    static final OrcEntry NULL_CALL = new OrcEntry(8, 0, Register.SP, Register.UNDEFINED, Type.CALL, false, false);
}
