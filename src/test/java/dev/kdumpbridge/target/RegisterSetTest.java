package dev.kdumpbridge.target;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.arch.x86_64.X86_64Architecture;
import java.nio.ByteOrder;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RegisterSetTest {

    private static final Architecture X86 = X86_64Architecture.ARCHITECTURE;

    private static RegisterLayout.Register reg(Architecture arch, String name) {
        return arch.registers().register(name).orElseThrow();
    }

    @Test
    void everythingStartsUnavailable() {
        RegisterSet set = RegisterSet.builder(X86).build();
        for (RegisterLayout.Register r : X86.registers().registers()) {
            assertFalse(set.isAvailable(r), r.name());
            assertTrue(set.bytes(r).isEmpty());
        }
        assertEquals(OptionalLong.empty(), set.value(reg(X86, "rip")));
    }

    @Test
    void valuesAreStoredInTargetByteOrderAndSize() {
        RegisterSet set = RegisterSet.builder(X86)
            .set("rip", 0xffffffff81000010L)
            .set("eflags", 0x1_0000_0246L)
            .setBytes("st0", new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
            .build();
        assertArrayEquals(new byte[] {0x10, 0, 0, (byte) 0x81, -1, -1, -1, -1}, set.bytes(reg(X86, "rip")).orElseThrow());
        assertEquals(OptionalLong.of(0xffffffff81000010L), set.value(reg(X86, "rip")));
        assertArrayEquals(new byte[] {0x46, 0x02, 0, 0}, set.bytes(reg(X86, "eflags")).orElseThrow(),
            "bits beyond the register's 32 are dropped");
        assertEquals(10, set.bytes(reg(X86, "st0")).orElseThrow().length);
        assertThrows(IllegalArgumentException.class, () -> set.value(reg(X86, "st0")));
    }

    @Test
    void bigEndianTargets() {
        RegisterLayout layout = RegisterLayout.builder().feature("f")
            .register("pc", 64, "code_ptr", 0).register("sr", 32, "int32", 1).build();
        Architecture be = new Architecture("be", "be", "be-unknown-linux-gnu", ByteOrder.BIG_ENDIAN, 8, layout);
        RegisterSet set = RegisterSet.builder(be).set("pc", 0x0102030405060708L).set("sr", 0xaabbccddL).build();
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, set.bytes(reg(be, "pc")).orElseThrow());
        assertArrayEquals(new byte[] {(byte) 0xaa, (byte) 0xbb, (byte) 0xcc, (byte) 0xdd}, set.bytes(reg(be, "sr")).orElseThrow());
        assertEquals(OptionalLong.of(0xaabbccddL), set.value(reg(be, "sr")));
    }

    @Test
    void builderChecksNamesAndSizes() {
        RegisterSet.Builder b = RegisterSet.builder(X86);
        assertThrows(IllegalArgumentException.class, () -> b.set("xmm0", 1));
        assertThrows(IllegalArgumentException.class, () -> b.set("st0", 1));
        assertThrows(IllegalArgumentException.class, () -> b.setBytes("rax", new byte[4]));
    }

    @Test
    void builtSetsDoNotChangeWhenTheBuilderGoesOn() {
        RegisterSet.Builder b = RegisterSet.builder(X86).set("rax", 1);
        RegisterSet first = b.build();
        b.set("rax", 2).set("rbx", 3);
        assertEquals(OptionalLong.of(1), first.value(reg(X86, "rax")));
        assertFalse(first.isAvailable(reg(X86, "rbx")));
    }
}
