package dev.kdumpbridge.kernel;

import java.io.IOException;

/**
 * The kernel image cannot be read as a vmlinux: not a 64-bit ELF file, or a header field that
 * cannot be true for this file. Like the dump layer's format errors, the message names the file,
 * the byte offset of the field and what was expected, because the user's recourse is a hex dump
 * or another file.
 */
public final class VmlinuxFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long offset;

    VmlinuxFormatException(String file, long offset, String problem) {
        super(file + ": offset " + offset + ": " + problem);
        this.offset = offset;
    }

    /** Byte offset of the offending field in the file. */
    public long offset() {
        return offset;
    }
}
