package dev.kdumpbridge.arch.x86_64;

import dev.kdumpbridge.target.RegisterSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code struct pt_regs}, what x86_64 entry code saves on an exception, interrupt or system call
 * (reference 06 §3): 21 words, named here as gdb names the registers, plus {@code orig_rax}, the
 * system call number or error code, which no gdb register holds. NT_PRSTATUS's
 * {@code user_regs_struct} starts with the same 21 words.
 */
public final class PtRegs {
    public static final List<String> REGISTERS = List.of(
        "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx",
        "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss");
    public static final int SIZE = REGISTERS.size() * Long.BYTES;
    /** The hardware's IRET frame, the last five words: all a partial frame has. */
    static final int IRET_FRAME_OFFSET = REGISTERS.indexOf("rip") * Long.BYTES;
    static final int IRET_FRAME_SIZE = SIZE - IRET_FRAME_OFFSET;
    private static final long USER_MODE_BITS = 3;

    private PtRegs() {
    }

    /** The saved registers in {@code bytes} from {@code offset}, in pt_regs order. */
    public static Map<String, Long> read(byte[] bytes, int offset) {
        return decode(bytes, offset, 0);
    }

    /** Only the IRET frame (rip, cs, eflags, rsp, ss) at {@code offset}. */
    static Map<String, Long> readIretFrame(byte[] bytes, int offset) {
        return decode(bytes, offset, REGISTERS.indexOf("rip"));
    }

    private static Map<String, Long> decode(byte[] bytes, int offset, int first) {
        ByteBuffer words = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, Long> saved = new LinkedHashMap<>();
        for (int i = first; i < REGISTERS.size(); i++) {
            saved.put(REGISTERS.get(i), words.getLong(offset + (i - first) * Long.BYTES));
        }
        return Collections.unmodifiableMap(saved);
    }

    /** The saved registers that gdb has registers for. */
    static RegisterSet registers(Map<String, Long> saved) {
        return setInto(RegisterSet.builder(X86_64Architecture.ARCHITECTURE), saved).build();
    }

    static RegisterSet.Builder setInto(RegisterSet.Builder registers, Map<String, Long> saved) {
        saved.forEach((name, value) -> {
            if (!name.equals("orig_rax")) {
                registers.set(name, value);
            }
        });
        return registers;
    }

    /** The CPU was in user mode: the privilege level in the saved cs is not 0. */
    static boolean userMode(Map<String, Long> saved) {
        Long cs = saved.get("cs");
        return cs != null && (cs & USER_MODE_BITS) != 0;
    }

    /**
     * Saved registers as crash's bt prints them: three to a line, RFLAGS in 8 digits, CS and SS
     * in 4; only the lines whose registers were saved (a partial frame has rip, cs, flags, sp, ss).
     */
    public static String crashBlock(Map<String, Long> saved) {
        StringBuilder block = new StringBuilder();
        for (String[][] line : CRASH_LINES) {
            StringBuilder text = new StringBuilder();
            for (String[] register : line) {
                Long value = saved.get(register[0]);
                if (value != null) {
                    text.append(text.length() == 0 ? "    " : "  ").append(register[1]).append(": ")
                        .append(String.format(register[2], value));
                }
            }
            if (text.length() > 0) {
                block.append(text).append('\n');
            }
        }
        return block.toString();
    }

    /** crash's lines of {name, label, format}. */
    private static final String[][][] CRASH_LINES = {
        {{"rip", "RIP", "%016x"}, {"rsp", "RSP", "%016x"}, {"eflags", "RFLAGS", "%08x"}},
        {{"rax", "RAX", "%016x"}, {"rbx", "RBX", "%016x"}, {"rcx", "RCX", "%016x"}},
        {{"rdx", "RDX", "%016x"}, {"rsi", "RSI", "%016x"}, {"rdi", "RDI", "%016x"}},
        {{"rbp", "RBP", "%016x"}, {"r8", " R8", "%016x"}, {"r9", " R9", "%016x"}},
        {{"r10", "R10", "%016x"}, {"r11", "R11", "%016x"}, {"r12", "R12", "%016x"}},
        {{"r13", "R13", "%016x"}, {"r14", "R14", "%016x"}, {"r15", "R15", "%016x"}},
        {{"orig_rax", "ORIG_RAX", "%016x"}, {"cs", "CS", "%04x"}, {"ss", "SS", "%04x"}},
    };
}
