package dev.kdumpbridge.gdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RspTest {

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** What gdb's remote.c read_frame does with "c*n": n - 29 more copies of c. */
    static byte[] expandRuns(byte[] encoded) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < encoded.length; i++) {
            if (encoded[i] == '*') {
                byte repeated = encoded[i - 1];
                int count = (encoded[++i] & 0xff) - 29;
                for (int r = 0; r < count; r++) {
                    out.write(repeated);
                }
            } else {
                out.write(encoded[i]);
            }
        }
        return out.toByteArray();
    }

    @Test
    void checksumIsTheSumOfThePayloadModulo256() {
        // Examples from the gdb manual and from gdb's own traffic.
        assertEquals(0x9a, Rsp.checksum(ascii("OK")));
        assertEquals(0xb0, Rsp.checksum(ascii("QStartNoAckMode")));
        assertEquals(0x00, Rsp.checksum(new byte[0]));
    }

    @Test
    void hexRoundTrips() {
        byte[] bytes = {0, 1, (byte) 0x7f, (byte) 0x80, (byte) 0xff};
        assertEquals("00017f80ff", Rsp.hex(bytes));
        assertArrayEquals(bytes, Rsp.unhex("00017f80ff"));
        assertArrayEquals(bytes, Rsp.unhex("00017F80FF"));
        assertEquals("68656c70", Rsp.hexText("help"));
        assertThrows(IllegalArgumentException.class, () -> Rsp.unhex("abc"));
        assertThrows(IllegalArgumentException.class, () -> Rsp.unhex("zz"));
    }

    @Test
    void escapesTheFourSpecialBytes() {
        assertEquals("a}\u0003}\u0004}]}\nb", text(Rsp.escape(ascii("a#$}*b"))));
        assertArrayEquals(ascii("a#$}*b"), Rsp.unescape(Rsp.escape(ascii("a#$}*b")), 10));
    }

    @Test
    void escapingRoundTripsEveryByte() {
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        byte[] escaped = Rsp.escape(all);
        for (byte b : escaped) {
            assertFalse(b == '#' || b == '$' || b == '*', "unescaped " + b);
        }
        assertArrayEquals(all, Rsp.unescape(escaped, escaped.length));
    }

    @Test
    void danglingEscapeIsMalformed() {
        assertThrows(IllegalArgumentException.class, () -> Rsp.unescape(ascii("ab}"), 3));
    }

    @Test
    void runLengthEncodingShortensRunsOfFourOrMore() {
        assertEquals("0* ", text(Rsp.runLengthEncode(ascii("0000"))));
        assertEquals("000", text(Rsp.runLengthEncode(ascii("000"))));
        assertEquals("x*!ab", text(Rsp.runLengthEncode(ascii("xxxxxab"))));
    }

    @Test
    void runLengthEncodingNeverProducesFramingCharacters() {
        // 7 and 8 repeats would need '#' and '$' as the count character.
        for (int n = 1; n < 300; n++) {
            byte[] run = ascii("a" + "0".repeat(n) + "b");
            byte[] encoded = Rsp.runLengthEncode(run);
            for (int i = 0; i < encoded.length; i++) {
                assertTrue(encoded[i] != '#' && encoded[i] != '$', n + " zeros: " + text(encoded));
                assertTrue((encoded[i] & 0xff) <= '~', n + " zeros: " + text(encoded));
            }
            assertArrayEquals(run, expandRuns(encoded), n + " zeros: " + text(encoded));
        }
    }

    @Test
    void runLengthEncodingRoundTripsEscapedRandomData() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            byte[] data = new byte[random.nextInt(400)];
            for (int i = 0; i < data.length; i++) {
                // Few distinct values, so that runs happen, including runs of escaped bytes.
                data[i] = (byte) "}}*#$0xa".charAt(random.nextInt(8));
            }
            byte[] escaped = Rsp.escape(data);
            byte[] wire = Rsp.runLengthEncode(escaped);
            byte[] expanded = expandRuns(wire);
            assertArrayEquals(data, Rsp.unescape(expanded, expanded.length));
        }
    }

    @Test
    void printableShowsControlBytesAsEscapes() {
        assertEquals("a\\x0ab\\xff", Rsp.printable(new byte[] {'a', '\n', 'b', (byte) 0xff}));
    }
}
