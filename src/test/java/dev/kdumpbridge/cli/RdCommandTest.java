package dev.kdumpbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.kdumpbridge.dump.MemoryFault;
import dev.kdumpbridge.memory.AddressFault;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RdCommandTest {
    private static final byte[] BANNER = "Linux version 6.1.0-56-cloud-amd64 (debian-kernel@lists.debian.org) (gcc"
            .getBytes(StandardCharsets.US_ASCII);

    /** Lines as crash 8.0.6 printed them for rd -64 on the fixtures (oracle/crash/ID/rd.txt). */
    @Test
    void linesLookLikeCrashs() {
        assertEquals("ffffffffbb31ffe0:  65762078756e694c 2e36206e6f697372   Linux version 6.",
                RdCommand.line(0xffffffffbb31ffe0L, BANNER, 0, 2, ByteOrder.LITTLE_ENDIAN));
        assertEquals("ffffffffbb320020:  6363672820296772                    rg) (gcc",
                RdCommand.line(0xffffffffbb320020L, BANNER, 64, 1, ByteOrder.LITTLE_ENDIAN));
        assertEquals("            1000:  0000000000000000 0000000000000000   ................",
                RdCommand.line(0x1000, new byte[16], 0, 2, ByteOrder.LITTLE_ENDIAN));
        byte[] high = {(byte) 0x9d, 0x6e, (byte) 0xac, 0x57, 0, 0, 0, 0x7f};
        assertEquals("ffffc8ce80010000:  7f00000057ac6e9d                    .n.W....",
                RdCommand.line(0xffffc8ce80010000L, high, 0, 1, ByteOrder.LITTLE_ENDIAN));
    }

    @Test
    void printsEveryWordThenStops() throws Exception {
        StringWriter out = new StringWriter();
        String fault = RdCommand.print((address, dst, len) -> System.arraycopy(BANNER, 0, dst, 0, len),
                0xffffffffbb31ffe0L, 3, ByteOrder.LITTLE_ENDIAN, new PrintWriter(out, true));

        assertNull(fault);
        assertEquals("""
                ffffffffbb31ffe0:  65762078756e694c 2e36206e6f697372   Linux version 6.
                ffffffffbb31fff0:  632d36352d302e31                    1.0-56-c
                """, out.toString().replace(System.lineSeparator(), "\n"));
    }

    @Test
    void aFaultEndsTheOutputAfterTheLastWholeWord() throws Exception {
        StringWriter out = new StringWriter();
        long start = 0xffffc8ce80003ff0L;
        String fault = RdCommand.print((address, dst, len) -> {
            System.arraycopy(BANNER, 0, dst, 0, 20);
            throw AddressFault.notMapped(address + 20, "pte", "pte entry 4 of the table at physical 0x11b3000 is not present (0x0)");
        }, start, 4, ByteOrder.LITTLE_ENDIAN, new PrintWriter(out, true));

        assertEquals("ffffc8ce80003ff0:  65762078756e694c 2e36206e6f697372   Linux version 6.\n",
                out.toString().replace(System.lineSeparator(), "\n"));
        assertEquals("virtual 0xffffc8ce80004004: not mapped: pte entry 4 of the table at physical 0x11b3000"
                + " is not present (0x0)", fault);
    }

    @Test
    void physicalFaultsSayPhysical() throws Exception {
        StringWriter out = new StringWriter();
        String fault = RdCommand.print((address, dst, len) -> {
            throw new MemoryFault(address, MemoryFault.Reason.NOT_IN_DUMP, "a memory hole (not RAM)");
        }, 0, 1, ByteOrder.LITTLE_ENDIAN, new PrintWriter(out, true));

        assertEquals("", out.toString());
        assertEquals("physical 0x0: a memory hole (not RAM)", fault);
    }
}
