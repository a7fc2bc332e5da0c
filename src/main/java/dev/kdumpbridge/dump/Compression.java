package dev.kdumpbridge.dump;

import java.util.EnumSet;
import java.util.Set;

/**
 * Page compressions of kdump-compressed dumps. The values are both the header's {@code status}
 * bits and a page descriptor's {@code flags} (makedumpfile {@code diskdump_mod.h}).
 */
public enum Compression {
    ZLIB(0x01),
    LZO(0x02),
    SNAPPY(0x04),
    ZSTD(0x20);

    private final int flag;

    Compression(int flag) {
        this.flag = flag;
    }

    public int flag() {
        return flag;
    }

    /** The compressions a header's {@code status} word announces. */
    public static Set<Compression> fromStatus(int status) {
        Set<Compression> set = EnumSet.noneOf(Compression.class);
        for (Compression c : values()) {
            if ((status & c.flag) != 0) {
                set.add(c);
            }
        }
        return set;
    }
}
