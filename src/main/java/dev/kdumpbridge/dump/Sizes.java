package dev.kdumpbridge.dump;

import java.util.Locale;

/** Byte counts and small numeric checks shared by the format readers' error messages. */
final class Sizes {
    private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private Sizes() {
    }

    /** "512 bytes", "42 MiB", "1.5 GiB": what a user compares with {@code ls -lh}. */
    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        String number = value < 10 && value != Math.floor(value)
                ? String.format(Locale.ROOT, "%.1f", value)
                : String.format(Locale.ROOT, "%.0f", value);
        return number + " " + UNITS[unit];
    }

    /** "100 bytes", or "44040192 bytes (42 MiB)": exact for offsets, readable for scale. */
    static String exact(long bytes) {
        return bytes < 1024 ? bytes + " bytes" : bytes + " bytes (" + human(bytes) + ")";
    }

    static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }

    static boolean isPowerOfTwo(long value) {
        return value > 0 && (value & (value - 1)) == 0;
    }
}
