package dev.kdumpbridge.arch.x86_64;

import dev.kdumpbridge.target.RegisterSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

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
    /** {@code struct user_regs_struct} in order; orig_rax has no gdb register. */
    private static final List<String> USER_REGS = List.of(
        "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx",
        "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds",
        "es", "fs", "gs");
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
        ByteBuffer prstatus = wrap(descriptor, PR_REG + USER_REGS.size() * Long.BYTES);
        RegisterSet.Builder registers = RegisterSet.builder(X86_64Architecture.ARCHITECTURE);
        for (int i = 0; i < USER_REGS.size(); i++) {
            String name = USER_REGS.get(i);
            if (!name.equals("orig_rax")) {
                registers.set(name, prstatus.getLong(PR_REG + i * Long.BYTES));
            }
        }
        return registers.build();
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
