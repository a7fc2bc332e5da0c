package dev.kdumpbridge.arch.arm64;

import dev.kdumpbridge.target.RegisterSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The registers a CPU saved in its NT_PRSTATUS note on arm64: {@code elf_prstatus.pr_reg} is
 * {@code struct user_pt_regs}, x0-x30, sp, pc and pstate, at the same offset as on every LP64
 * Linux. The vector and floating-point registers are not there.
 */
public final class Arm64PrstatusRegisters {
    /** Offset of {@code pr_pid} in {@code struct elf_prstatus} (LP64). */
    private static final int PR_PID = 32;
    /** Offset of {@code pr_reg} in {@code struct elf_prstatus} (LP64). */
    private static final int PR_REG = 112;
    /** x0-x30, sp, pc, pstate. */
    private static final int USER_PT_REGS = 34 * Long.BYTES;
    /** What the kernel and QEMU write for aarch64: pr_reg, then pr_fpvalid and padding. */
    public static final int DESCRIPTOR_SIZE = 392;

    private Arm64PrstatusRegisters() {
    }

    /**
     * The registers in one NT_PRSTATUS descriptor.
     *
     * @throws IllegalArgumentException when the descriptor is too short to hold pr_reg
     */
    public static RegisterSet decode(byte[] descriptor) {
        ByteBuffer prstatus = wrap(descriptor, PR_REG + USER_PT_REGS);
        RegisterSet.Builder registers = RegisterSet.builder(Arm64Architecture.ARCHITECTURE);
        for (int i = 0; i <= 30; i++) {
            registers.set("x" + i, prstatus.getLong(PR_REG + i * Long.BYTES));
        }
        registers.set("sp", prstatus.getLong(PR_REG + 31 * Long.BYTES));
        registers.set("pc", prstatus.getLong(PR_REG + 32 * Long.BYTES));
        registers.set("cpsr", prstatus.getLong(PR_REG + 33 * Long.BYTES) & 0xffff_ffffL);
        return registers.build();
    }

    /** {@code pr_pid}: the pid of the task on that CPU in a kdump; vCPU index + 1 from QEMU. */
    public static int pid(byte[] descriptor) {
        return wrap(descriptor, PR_PID + Integer.BYTES).getInt(PR_PID);
    }

    private static ByteBuffer wrap(byte[] descriptor, int needed) {
        if (descriptor.length < needed) {
            throw new IllegalArgumentException("NT_PRSTATUS descriptor of " + descriptor.length
                + " bytes; aarch64's has " + DESCRIPTOR_SIZE);
        }
        return ByteBuffer.wrap(descriptor).order(ByteOrder.LITTLE_ENDIAN);
    }
}
