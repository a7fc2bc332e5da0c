package dev.kdumpbridge.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.arch.x86_64.X86_64Architecture;
import dev.kdumpbridge.target.RegisterLayout.Register;
import dev.kdumpbridge.target.RegisterLayout.Role;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RegisterLayoutTest {

    private static final RegisterLayout X86 = X86_64Architecture.REGISTERS;

    @Test
    void registersAreNumberedInFeatureOrder() {
        RegisterLayout layout = RegisterLayout.builder()
            .feature("a").register("r0", 64, "int64", 0).register("pc", 32, "code_ptr", 7, Role.PC)
            .feature("b").register("f0", 80, "i387_ext", "float", -1)
            .build();
        assertEquals(List.of("a", "b"), layout.features().stream().map(RegisterLayout.Feature::name).toList());
        assertEquals(List.of(0, 1, 2), layout.registers().stream().map(Register::number).toList());
        assertEquals(List.of(0, 8, 12), layout.registers().stream().map(layout::offset).toList());
        assertEquals(22, layout.totalBytes());
        assertEquals("pc", layout.register(Role.PC).orElseThrow().name());
        assertEquals("f0", layout.register(2).orElseThrow().name());
        assertEquals("float", layout.register("f0").orElseThrow().group());
        assertTrue(layout.register(3).isEmpty());
        assertTrue(layout.register(-1).isEmpty());
        assertTrue(layout.register(Role.SP).isEmpty());
    }

    @Test
    void badLayoutsAreRejected() {
        assertThrows(IllegalStateException.class,
            () -> RegisterLayout.builder().register("r0", 64, "int64", 0));
        assertThrows(IllegalArgumentException.class,
            () -> RegisterLayout.builder().feature("a").register("r0", 12, "int", 0));
        assertThrows(IllegalArgumentException.class, () -> RegisterLayout.builder()
            .feature("a").register("r0", 64, "int64", 0).register("r0", 64, "int64", 1).build());
    }

    /** gdb's numbering for the 64-bit core and segments features (reference 08, section 7.1). */
    @Test
    void x86_64MatchesGdbs64BitCoreAndSegments() {
        List<String> names = X86.registers().stream().map(Register::name).toList();
        assertEquals(List.of(
            "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
            "rip", "eflags", "cs", "ss", "ds", "es", "fs", "gs",
            "st0", "st1", "st2", "st3", "st4", "st5", "st6", "st7",
            "fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop",
            "fs_base", "gs_base"), names);
        // Core only: 16x8 + 8 + 4 + 6x4 + 8x10 + 8x4 = 276 bytes; segments add 16.
        assertEquals(276, X86.offset(X86.register("fs_base").orElseThrow()));
        assertEquals(292, X86.totalBytes());
        assertEquals(32, X86.register("eflags").orElseThrow().bitSize());
        IntStream.rangeClosed(18, 23).forEach(n -> assertEquals(32, X86.register(n).orElseThrow().bitSize()));
        assertEquals("rip", X86.register(Role.PC).orElseThrow().name());
        assertEquals("rsp", X86.register(Role.SP).orElseThrow().name());
        assertEquals("rbp", X86.register(Role.FP).orElseThrow().name());
        assertEquals(List.of("org.gnu.gdb.i386.core", "org.gnu.gdb.i386.segments"),
            X86.features().stream().map(RegisterLayout.Feature::name).toList());
    }

    /** x86-64 psABI, "DWARF Register Number Mapping". */
    @Test
    void x86_64DwarfNumbers() {
        String[] byDwarf = {"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip"};
        for (int i = 0; i < byDwarf.length; i++) {
            assertEquals(i, X86.register(byDwarf[i]).orElseThrow().dwarfNumber(), byDwarf[i]);
        }
        assertEquals(49, X86.register("eflags").orElseThrow().dwarfNumber());
        assertEquals(33, X86.register("st0").orElseThrow().dwarfNumber());
        assertEquals(58, X86.register("fs_base").orElseThrow().dwarfNumber());
        assertEquals(-1, X86.register("fop").orElseThrow().dwarfNumber());
    }
}
