package dev.kdumpbridge.dump;

import java.io.IOException;

/**
 * The file is not a dump we can open: no valid header, or a header field that cannot be true for
 * this file. The message always names the file and, where there is one, the byte offset of the
 * field, and says what was expected and what was found, because the user's only recourse is to
 * look at the file with a hex dump or to re-create it.
 */
public final class DumpFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final long offset;

    /** A problem with the field at {@code offset} of {@code file}. */
    public DumpFormatException(String file, long offset, String problem) {
        super(file + ": offset " + offset + ": " + problem);
        this.file = file;
        this.offset = offset;
    }

    /** A problem with the file as a whole (no single offset to blame). */
    public DumpFormatException(String file, String problem) {
        super(file + ": " + problem);
        this.file = file;
        this.offset = -1;
    }

    public String file() {
        return file;
    }

    /** Byte offset of the offending field, or -1 when the problem is not at one offset. */
    public long offset() {
        return offset;
    }
}
