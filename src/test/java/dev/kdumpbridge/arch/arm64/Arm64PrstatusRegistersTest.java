package dev.kdumpbridge.arch.arm64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kdumpbridge.target.RegisterLayout.Register;
import dev.kdumpbridge.target.RegisterLayout.Role;
import dev.kdumpbridge.target.RegisterSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class Arm64PrstatusRegistersTest {

    private static OptionalLong value(RegisterSet set, String name) {
        Register register = Arm64Architecture.REGISTERS.register(name).orElseThrow();
        return set.value(register);
    }

    @Test
    void userPtRegsFollowThePidAtTheLp64Offsets() {
        ByteBuffer note = ByteBuffer.allocate(Arm64PrstatusRegisters.DESCRIPTOR_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        note.putInt(32, 297);
        for (int i = 0; i < 34; i++) {
            note.putLong(112 + i * 8, 0x1000L + i);
        }
        note.putLong(112 + 33 * 8, 0x1_6000_03c5L);
        RegisterSet registers = Arm64PrstatusRegisters.decode(note.array());
        assertEquals(297, Arm64PrstatusRegisters.pid(note.array()));
        assertEquals(OptionalLong.of(0x1000), value(registers, "x0"));
        assertEquals(OptionalLong.of(0x101e), value(registers, "x30"));
        assertEquals(OptionalLong.of(0x101f), value(registers, "sp"));
        assertEquals(OptionalLong.of(0x1020), value(registers, "pc"));
        assertEquals(OptionalLong.of(0x6000_03c5L), value(registers, "cpsr"), "pstate's upper half is not in gdb's cpsr");
        assertThrows(IllegalArgumentException.class, () -> Arm64PrstatusRegisters.decode(new byte[200]));
    }

    @Test
    void theLayoutIsGdbsAarch64CoreFeature() {
        assertEquals(34, Arm64Architecture.REGISTERS.registers().size());
        assertEquals("pc", Arm64Architecture.REGISTERS.register(Role.PC).orElseThrow().name());
        assertEquals(32, Arm64Architecture.REGISTERS.register("pc").orElseThrow().number());
        assertEquals("x29", Arm64Architecture.REGISTERS.register(Role.FP).orElseThrow().name());
    }
}
