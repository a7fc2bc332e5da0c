package dev.kdumpbridge.kernel.btf;

import java.io.IOException;

/**
 * BTF data that cannot be true: a bad header, a record running past its section, a type id or
 * string offset out of range, a type that contains itself. The message names where the BTF came
 * from and the byte offset inside it, so a user can look at it with a hex dump; a kernel whose
 * BTF is damaged in the dump can still be read with a vmlinux.
 */
public final class BtfFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long offset;

    BtfFormatException(String origin, long offset, String problem) {
        super(origin + ": BTF offset " + offset + ": " + problem);
        this.offset = offset;
    }

    /** Offset from the start of the BTF data (its header) of the offending field. */
    public long offset() {
        return offset;
    }
}
