package dev.kdumpbridge.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.arch.x86_64.OrcEntry.Register;
import dev.kdumpbridge.arch.x86_64.OrcEntry.Type;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The flags word of struct orc_entry in each layout (reference 06 §2), bit by bit. */
class OrcFormatTest {

    private static short flags(int spReg, int bpReg, int typeAndAbove) {
        return (short) (spReg | bpReg << 4 | typeAndAbove << 8);
    }

    @Test
    void releasesPickTheirLayout() {
        assertEquals(Optional.empty(), OrcFormat.forRelease("4.13.0"));
        assertEquals(Optional.of(OrcFormat.V4_14), OrcFormat.forRelease("4.14.336"));
        assertEquals(Optional.of(OrcFormat.V4_19), OrcFormat.forRelease("6.1.0-28-cloud-amd64"));
        assertEquals(Optional.of(OrcFormat.V6_3), OrcFormat.forRelease("6.3.1"));
        assertEquals(Optional.of(OrcFormat.V6_4), OrcFormat.forRelease("6.12.9+bpo-amd64"));
        assertEquals(Optional.empty(), OrcFormat.forRelease("unknown"));
    }

    @Test
    void before64TypesAreTwoBitsAndAnUndefinedSpMeansNoFrame() {
        OrcEntry call = OrcFormat.V4_19.decode((short) 16, (short) -16, flags(4, 1, 0));
        assertEquals(new OrcEntry(16, -16, Register.BP, Register.PREV_SP, Type.CALL, false, false), call);
        assertEquals(Type.REGS, OrcFormat.V4_19.decode((short) 0, (short) 0, flags(5, 0, 1)).type());
        assertEquals(Type.REGS_PARTIAL, OrcFormat.V4_14.decode((short) 0, (short) 0, flags(5, 0, 2)).type());
        OrcEntry end = OrcFormat.V4_19.decode((short) 0, (short) 0, flags(0, 0, 0b100));
        assertEquals(Type.UNDEFINED, end.type());
        assertTrue(end.end());
        assertFalse(OrcFormat.V4_14.decode((short) 0, (short) 0, flags(0, 0, 0b100)).end(), "4.14 had no end bit");
    }

    @Test
    void in63TheSignalBitTakesBit10AndEndMovesTo11() {
        OrcEntry signal = OrcFormat.V6_3.decode((short) 8, (short) 0, flags(5, 0, 0b100));
        assertTrue(signal.signal());
        assertFalse(signal.end());
        assertTrue(OrcFormat.V6_3.decode((short) 0, (short) 0, flags(0, 0, 0b1000)).end());
        assertFalse(OrcFormat.V4_19.decode((short) 8, (short) 0, flags(5, 0, 0b100)).signal());
    }

    @Test
    void from64TypesAreThreeBitsRenumberedWithSignalAtBit11() {
        assertEquals(Type.UNDEFINED, OrcFormat.V6_4.decode((short) 0, (short) 0, flags(5, 0, 0)).type());
        assertEquals(Type.END_OF_STACK, OrcFormat.V6_4.decode((short) 0, (short) 0, flags(0, 0, 1)).type());
        assertEquals(Type.CALL, OrcFormat.V6_4.decode((short) 8, (short) 0, flags(5, 0, 2)).type());
        assertEquals(Type.REGS, OrcFormat.V6_4.decode((short) 0, (short) 0, flags(5, 0, 3)).type());
        assertEquals(Type.REGS_PARTIAL, OrcFormat.V6_4.decode((short) 0, (short) 0, flags(5, 0, 4)).type());
        assertTrue(OrcFormat.V6_4.decode((short) 8, (short) 0, flags(5, 0, 0b1010)).signal());
    }

    @Test
    void everyRegisterNumberOf414To70Decodes() {
        Register[] expected = {Register.UNDEFINED, Register.PREV_SP, Register.DX, Register.DI, Register.BP,
            Register.SP, Register.R10, Register.R13, Register.BP_INDIRECT, Register.SP_INDIRECT};
        for (int value = 0; value < expected.length; value++) {
            assertEquals(expected[value], OrcFormat.V4_19.decode((short) 0, (short) 0, flags(value, value, 0)).spRegister());
            assertEquals(expected[value], OrcFormat.V4_19.decode((short) 0, (short) 0, flags(value, value, 0)).bpRegister());
        }
    }
}
