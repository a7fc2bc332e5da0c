package dev.kdumpbridge.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kdumpbridge.target.RegisterSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrstatusRegistersTest {
    /** Slot i of pr_reg holds 0x1000 + i, so every register shows where it was read from. */
    private static byte[] numberedDescriptor() {
        ByteBuffer descriptor = ByteBuffer.allocate(PrstatusRegisters.DESCRIPTOR_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        descriptor.putInt(32, 4242);
        for (int slot = 0; slot < 27; slot++) {
            descriptor.putLong(112 + slot * 8, 0x1000 + slot);
        }
        return descriptor.array();
    }

    @Test
    void readsUserRegsStructInKernelOrder() {
        RegisterSet registers = PrstatusRegisters.decode(numberedDescriptor());
        Map<String, Integer> slot = Map.of("r15", 0, "rbp", 4, "rax", 10, "rdi", 14, "rip", 16,
            "eflags", 18, "rsp", 19, "fs_base", 21, "gs_base", 22, "gs", 26);
        slot.forEach((name, index) -> assertEquals(0x1000 + index,
            registers.value(registers.layout().register(name).orElseThrow()).getAsLong(), name));
    }

    @Test
    void theX87StateIsUnavailableNotZero() {
        RegisterSet registers = PrstatusRegisters.decode(numberedDescriptor());
        assertFalse(registers.isAvailable(registers.layout().register("st0").orElseThrow()));
        assertFalse(registers.isAvailable(registers.layout().register("fctrl").orElseThrow()));
    }

    @Test
    void pidIsPrPid() {
        assertEquals(4242, PrstatusRegisters.pid(numberedDescriptor()));
    }

    @Test
    void aShortDescriptorIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> PrstatusRegisters.decode(new byte[200]));
    }
}
