package dev.kdumpbridge.arch.arm64;

import dev.kdumpbridge.target.Architecture;
import dev.kdumpbridge.target.RegisterLayout;
import dev.kdumpbridge.target.RegisterLayout.Field;
import dev.kdumpbridge.target.RegisterLayout.Flags;
import dev.kdumpbridge.target.RegisterLayout.Role;
import java.nio.ByteOrder;
import java.util.List;

/** The arm64 (AArch64) machine as debuggers see it. */
public final class Arm64Architecture {

    /** PSTATE as gdb's {@code cpsr_flags} shows it. */
    private static final Flags CPSR = new Flags("cpsr_flags", 4, List.of(
        new Field("SP", 0, 0), new Field("EL", 2, 3), new Field("nRW", 4, 4), new Field("F", 6, 6),
        new Field("I", 7, 7), new Field("A", 8, 8), new Field("D", 9, 9), new Field("BTYPE", 10, 11),
        new Field("SSBS", 12, 12), new Field("IL", 20, 20), new Field("SS", 21, 21), new Field("PAN", 22, 22),
        new Field("UAO", 23, 23), new Field("DIT", 24, 24), new Field("TCO", 25, 25), new Field("V", 28, 28),
        new Field("C", 29, 29), new Field("Z", 30, 30), new Field("N", 31, 31)));

    /**
     * gdb's {@code gdb/features/aarch64-core.xml}: x0-x30, sp, pc and cpsr, same names, sizes,
     * types and order. DWARF numbers are the AArch64 DWARF ABI's (x0-x30 are 0-30, sp 31); pc and
     * cpsr have none there, and gdb numbers pc 32 for its own use.
     */
    public static final RegisterLayout REGISTERS;

    static {
        RegisterLayout.Builder builder = RegisterLayout.builder().feature("org.gnu.gdb.aarch64.core", CPSR);
        for (int i = 0; i <= 30; i++) {
            builder.register("x" + i, 64, "int", i, i == 29 ? Role.FP : i == 30 ? Role.RA : null);
        }
        REGISTERS = builder
            .register("sp", 64, "data_ptr", 31, Role.SP)
            .register("pc", 64, "code_ptr", 32, Role.PC)
            .register("cpsr", 32, "cpsr_flags", -1, Role.FLAGS)
            .build();
    }

    public static final Architecture ARCHITECTURE = new Architecture(
        "aarch64", "aarch64", "aarch64-unknown-linux-gnu", ByteOrder.LITTLE_ENDIAN, 8, REGISTERS);

    private Arm64Architecture() {
    }
}
