package dev.kdumpbridge.arch.x86_64;

import dev.kdumpbridge.target.RegisterSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/**
 * The registers a CPU saved in its NT_PRSTATUS note: {@code elf_prstatus.pr_reg}, which on
 * x86_64 is {@code struct user_regs_struct} (reference 02 §4). Only the general registers,
 * segments and fs/gs bases are there; the x87 state is not saved by the kernel or QEMU, so it
 * stays unavailable rather than zero.
 */
public final class PrstatusRegisters {
    /** Offset of {@code pr_pid} in {@code struct elf_prstatus} (LP64). */
    private static final int PR_PID = 32;
    /** Offset of {@code pr_reg} in {@code struct elf_prstatus} (LP64). */
    private static final int PR_REG = 112;
    /** What {@code struct user_regs_struct} holds after the pt_regs words; no gdb register holds orig_rax. */
    private static final List<String> SEGMENTS = List.of("fs_base", "gs_base", "ds", "es", "fs", "gs");
    /** The descriptor size both the kernel and QEMU write for x86_64 (reference 02 §4). */
    public static final int DESCRIPTOR_SIZE = 336;

    private PrstatusRegisters() {
    }

    /**
     * The registers in one NT_PRSTATUS descriptor.
     *
     * @throws IllegalArgumentException when the descriptor is too short to hold pr_reg
     */
    public static RegisterSet decode(byte[] descriptor) {
        ByteBuffer prstatus = wrap(descriptor, PR_REG + PtRegs.SIZE + SEGMENTS.size() * Long.BYTES);
        RegisterSet.Builder registers = PtRegs.setInto(RegisterSet.builder(X86_64Architecture.ARCHITECTURE),
            PtRegs.read(descriptor, PR_REG));
        for (int i = 0; i < SEGMENTS.size(); i++) {
            registers.set(SEGMENTS.get(i), prstatus.getLong(PR_REG + PtRegs.SIZE + i * Long.BYTES));
        }
        return registers.build();
    }

    /**
     * The pt_regs part of the descriptor, orig_rax included: what a CPU stopped by the crash NMI
     * saved of the context the NMI interrupted.
     */
    public static Map<String, Long> savedRegisters(byte[] descriptor) {
        wrap(descriptor, PR_REG + PtRegs.SIZE);
        return PtRegs.read(descriptor, PR_REG);
    }

    /** {@code pr_pid}: the pid of the task on that CPU in a kdump; vCPU index + 1 from QEMU. */
    public static int pid(byte[] descriptor) {
        return wrap(descriptor, PR_PID + Integer.BYTES).getInt(PR_PID);
    }

    private static ByteBuffer wrap(byte[] descriptor, int needed) {
        if (descriptor.length < needed) {
            throw new IllegalArgumentException("NT_PRSTATUS descriptor of " + descriptor.length
                + " bytes; x86_64's has " + DESCRIPTOR_SIZE);
        }
        return ByteBuffer.wrap(descriptor).order(ByteOrder.LITTLE_ENDIAN);
    }
}
