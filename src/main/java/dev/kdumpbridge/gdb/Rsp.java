package dev.kdumpbridge.gdb;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The byte-level encodings of the Remote Serial Protocol (gdb manual, "Overview" of the Remote
 * Protocol appendix; reference 08 section 1): checksums, hex, binary escaping and run-length
 * encoding.
 */
final class Rsp {

    static final byte START = '$';
    static final byte END = '#';
    static final byte ACK = '+';
    static final byte NAK = '-';
    static final byte ESCAPE = '}';
    static final byte RUN = '*';
    static final byte INTERRUPT = 0x03;
    private static final int ESCAPE_XOR = 0x20;

    /**
     * Runs shorter than this stay literal: "c*n" is three characters, so a run of three gains
     * nothing (gdbserver's remote-utils.c try_rle uses the same threshold).
     */
    private static final int MIN_RUN = 4;
    /** The count character is {@code ' ' + repeats - 3}, at most '~' (gdb manual, "Overview"). */
    private static final int MAX_RUN = '~' - 29 + 1;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Rsp() {
    }

    static int checksum(byte[] bytes) {
        int sum = 0;
        for (byte b : bytes) {
            sum += b & 0xff;
        }
        return sum & 0xff;
    }

    static String hex(byte[] bytes) {
        return hex(bytes, 0, bytes.length);
    }

    static String hex(byte[] bytes, int offset, int length) {
        StringBuilder sb = new StringBuilder(length * 2);
        for (int i = offset; i < offset + length; i++) {
            sb.append(HEX[(bytes[i] >> 4) & 0xf]).append(HEX[bytes[i] & 0xf]);
        }
        return sb.toString();
    }

    static String hexText(String text) {
        return hex(text.getBytes(StandardCharsets.UTF_8));
    }

    /** -1 if {@code c} is not a hex digit. */
    static int hexDigit(int c) {
        return Character.digit(c, 16);
    }

    static byte[] unhex(String hex) {
        if (hex.length() % 2 != 0) {
            throw new IllegalArgumentException("odd number of hex digits");
        }
        byte[] bytes = new byte[hex.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            int hi = hexDigit(hex.charAt(2 * i));
            int lo = hexDigit(hex.charAt(2 * i + 1));
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("not hex: " + hex.substring(2 * i, 2 * i + 2));
            }
            bytes[i] = (byte) (hi << 4 | lo);
        }
        return bytes;
    }

    /**
     * Escapes the bytes that cannot appear literally in a packet: '$' and '#' frame it, '}'
     * escapes, '*' starts a run. gdb unescapes binary replies (qXfer, x) and LLDB its JSON ones;
     * every other reply consists of characters that never need it.
     */
    static byte[] escape(byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 16);
        for (byte b : payload) {
            if (b == START || b == END || b == ESCAPE || b == RUN) {
                out.write(ESCAPE);
                out.write(b ^ ESCAPE_XOR);
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    /** The reverse of {@link #escape}; a '}' with nothing after it is malformed. */
    static byte[] unescape(byte[] payload, int length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(length);
        for (int i = 0; i < length; i++) {
            if (payload[i] != ESCAPE) {
                out.write(payload[i]);
            } else if (i + 1 < length) {
                out.write(payload[++i] ^ ESCAPE_XOR);
            } else {
                throw new IllegalArgumentException("packet ends in the middle of an escape");
            }
        }
        return out.toByteArray();
    }

    /**
     * Run-length encodes an escaped payload: "c*n" stands for c followed by {@code n - 29} more
     * c's (gdb manual, "Overview"). Counts that would be '$' or '#' (6 and 7 repeats) would frame
     * a packet, so such runs are shortened; runs are never made of '}', whose next byte is part
     * of an escape. Clients expand runs before they unescape, so runs may span escaped bytes' second
     * halves.
     */
    static byte[] runLengthEncode(byte[] escaped) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(escaped.length);
        int i = 0;
        while (i < escaped.length) {
            byte c = escaped[i];
            int run = 1;
            while (i + run < escaped.length && escaped[i + run] == c && run < MAX_RUN) {
                run++;
            }
            if (c == ESCAPE || run < MIN_RUN) {
                out.write(c);
                i++;
                continue;
            }
            int repeats = run - 1;
            while (repeats + 29 == START || repeats + 29 == END) {
                repeats--;
            }
            out.write(c);
            out.write(RUN);
            out.write(repeats + 29);
            i += repeats + 1;
        }
        return out.toByteArray();
    }

    /** A payload for a log line: printable ASCII as is, other bytes as \xNN. */
    static String printable(byte[] payload) {
        StringBuilder sb = new StringBuilder(payload.length);
        for (byte b : payload) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f) {
                sb.append((char) c);
            } else {
                sb.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return sb.toString();
    }
}
