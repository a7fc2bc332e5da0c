package dev.kdumpbridge.arch.x86_64;

import dev.kdumpbridge.target.Architecture;
import dev.kdumpbridge.target.RegisterLayout;
import dev.kdumpbridge.target.RegisterLayout.Field;
import dev.kdumpbridge.target.RegisterLayout.Flags;
import dev.kdumpbridge.target.RegisterLayout.Role;
import java.nio.ByteOrder;
import java.util.List;

/** The x86-64 machine as debuggers see it. */
public final class X86_64Architecture {

    /** eflags as gdb shows it ("[ IF ZF ]"); bit 1 is reserved and always set. */
    private static final Flags EFLAGS = new Flags("i386_eflags", 4, List.of(
        new Field("CF", 0, 0), new Field("", 1, 1), new Field("PF", 2, 2), new Field("AF", 4, 4),
        new Field("ZF", 6, 6), new Field("SF", 7, 7), new Field("TF", 8, 8), new Field("IF", 9, 9),
        new Field("DF", 10, 10), new Field("OF", 11, 11), new Field("NT", 14, 14),
        new Field("RF", 16, 16), new Field("VM", 17, 17), new Field("AC", 18, 18),
        new Field("VIF", 19, 19), new Field("VIP", 20, 20), new Field("ID", 21, 21)));

    /**
     * gdb's 64-bit register set: the features of binutils-gdb
     * {@code gdb/features/i386/64bit-core.xml} (registers 0-39) and {@code 64bit-segments.xml}
     * (fs_base, gs_base: 40, 41), same names, sizes and types, same order. DWARF numbers are the
     * x86-64 psABI's ("DWARF Register Number Mapping"); the FPU's instruction and operand pointers
     * have none.
     */
    public static final RegisterLayout REGISTERS = RegisterLayout.builder()
        .feature("org.gnu.gdb.i386.core", EFLAGS)
        .register("rax", 64, "int64", 0)
        .register("rbx", 64, "int64", 3)
        .register("rcx", 64, "int64", 2)
        .register("rdx", 64, "int64", 1)
        .register("rsi", 64, "int64", 4)
        .register("rdi", 64, "int64", 5)
        .register("rbp", 64, "data_ptr", 6, Role.FP)
        .register("rsp", 64, "data_ptr", 7, Role.SP)
        .register("r8", 64, "int64", 8)
        .register("r9", 64, "int64", 9)
        .register("r10", 64, "int64", 10)
        .register("r11", 64, "int64", 11)
        .register("r12", 64, "int64", 12)
        .register("r13", 64, "int64", 13)
        .register("r14", 64, "int64", 14)
        .register("r15", 64, "int64", 15)
        .register("rip", 64, "code_ptr", 16, Role.PC)
        .register("eflags", 32, "i386_eflags", 49, Role.FLAGS)
        .register("cs", 32, "int32", 51)
        .register("ss", 32, "int32", 52)
        .register("ds", 32, "int32", 53)
        .register("es", 32, "int32", 50)
        .register("fs", 32, "int32", 54)
        .register("gs", 32, "int32", 55)
        .register("st0", 80, "i387_ext", 33)
        .register("st1", 80, "i387_ext", 34)
        .register("st2", 80, "i387_ext", 35)
        .register("st3", 80, "i387_ext", 36)
        .register("st4", 80, "i387_ext", 37)
        .register("st5", 80, "i387_ext", 38)
        .register("st6", 80, "i387_ext", 39)
        .register("st7", 80, "i387_ext", 40)
        .register("fctrl", 32, "int", "float", 65)
        .register("fstat", 32, "int", "float", 66)
        .register("ftag", 32, "int", "float", -1)
        .register("fiseg", 32, "int", "float", -1)
        .register("fioff", 32, "int", "float", -1)
        .register("foseg", 32, "int", "float", -1)
        .register("fooff", 32, "int", "float", -1)
        .register("fop", 32, "int", "float", -1)
        .feature("org.gnu.gdb.i386.segments")
        .register("fs_base", 64, "int", 58)
        .register("gs_base", 64, "int", 59)
        .build();

    public static final Architecture ARCHITECTURE = new Architecture(
        "x86_64", "i386:x86-64", "x86_64-pc-linux-gnu", ByteOrder.LITTLE_ENDIAN, 8, REGISTERS);

    private X86_64Architecture() {
    }
}
