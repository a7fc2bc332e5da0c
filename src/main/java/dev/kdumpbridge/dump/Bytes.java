package dev.kdumpbridge.dump;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Byte-level field readers shared by the format readers. */
final class Bytes {
    private Bytes() {
    }

    /** Whether {@code buf} (from index 0) begins with {@code prefix}: signatures and magics. */
    static boolean startsWith(ByteBuffer buf, byte[] prefix) {
        if (buf.limit() < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (buf.get(i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Bytes up to the first NUL: note names, utsname fields, prpsinfo names are NUL-padded. */
    static String cString(ByteBuffer buf, int offset, int maxLength) {
        int len = 0;
        while (len < maxLength && buf.get(offset + len) != 0) {
            len++;
        }
        byte[] bytes = new byte[len];
        buf.get(offset, bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
