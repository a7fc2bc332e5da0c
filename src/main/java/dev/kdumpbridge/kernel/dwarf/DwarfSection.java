package dev.kdumpbridge.kernel.dwarf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One {@code .debug_*} section, read in windows: {@code .debug_info} of a debug vmlinux is about
 * 160 MB and {@code .debug_line} 16 MB, of which one lookup needs a few kilobytes. Sections of at
 * most {@link #WHOLE_SECTION_BYTES} are read once, whole, on first use instead, because their
 * lookups jump about ({@code .debug_line_str} is hit once per directory and file name).
 */
final class DwarfSection {
    /**
     * {@code .debug_aranges} (160 KB) and {@code .debug_line_str} (75 KB) of Debian's 6.1 vmlinux
     * fall below this; {@code .debug_str} (3.5 MB) does not, and only DWARF 4 compile units use
     * it for the paths this package needs.
     */
    static final long WHOLE_SECTION_BYTES = 1 << 20;

    /** Positional reads of a section's contents; must be safe for concurrent use. */
    @FunctionalInterface
    interface Reader {
        /** {@code length} bytes from {@code offset} into the section, index 0 being {@code offset}. */
        ByteBuffer read(long offset, int length) throws IOException;
    }

    private final String origin;
    private final String name;
    private final long size;
    private final ByteOrder order;
    private final Reader reader;
    private ByteBuffer whole;

    /**
     * @param origin the file, for messages
     * @param order  the image's byte order, which every multi-byte DWARF field follows
     */
    DwarfSection(String origin, String name, long size, ByteOrder order, Reader reader) {
        this.origin = origin;
        this.name = name;
        this.size = size;
        this.order = order;
        this.reader = reader;
    }

    String origin() {
        return origin;
    }

    String name() {
        return name;
    }

    long size() {
        return size;
    }

    /**
     * Up to {@code length} bytes from {@code offset}, fewer where the section ends; index 0 of the
     * buffer is {@code offset}. Callers read it with absolute gets only, so one buffer may be
     * shared between threads.
     */
    ByteBuffer window(long offset, int length) throws IOException {
        if (offset < 0 || offset > size || length < 0) {
            throw new DwarfFormatException(this, offset, "a read of " + length + " bytes outside the "
                    + size + "-byte section");
        }
        int available = (int) Math.min(length, size - offset);
        if (size <= WHOLE_SECTION_BYTES) {
            return wholeSection().slice((int) offset, available).order(order);
        }
        return reader.read(offset, available).order(order);
    }

    private synchronized ByteBuffer wholeSection() throws IOException {
        if (whole == null) {
            whole = reader.read(0, (int) size).order(order);
        }
        return whole;
    }

    /** A cursor over {@code [start, end)} of this section. */
    DwarfCursor cursor(long start, long end) throws IOException {
        if (start < 0 || start > end || end > size) {
            throw new DwarfFormatException(this, start, "range 0x" + Long.toHexString(start) + "..0x"
                    + Long.toHexString(end) + " is outside the " + size + "-byte section");
        }
        return new DwarfCursor(this, start, end);
    }

    /**
     * The unit at {@code offset}: a cursor from after its initial length and version to its end.
     *
     * @param what names the unit in messages ("line table")
     * @throws DwarfFormatException when the unit runs past the section or its version is not
     *                              {@code oldest} to {@code newest}
     */
    Unit unit(long offset, String what, int oldest, int newest) throws IOException {
        DwarfCursor start = cursor(offset, size);
        DwarfCursor.UnitLength length = start.unitLength();
        DwarfCursor body = cursor(start.position(), length.end());
        long versionAt = body.position();
        int version = body.u16();
        if (version < oldest || version > newest) {
            throw body.error(versionAt, what + " version " + version + "; " + oldest
                    + (oldest == newest ? "" : " to " + newest) + " expected");
        }
        return new Unit(body, version, length.offsetSize());
    }

    /** A unit's version and offset size, and a cursor on the rest of it. */
    record Unit(DwarfCursor body, int version, int offsetSize) {
    }

    /** The NUL-terminated string at {@code offset} ({@code DW_FORM_strp} and friends point here). */
    String string(long offset) throws IOException {
        return cursor(offset, size).cString();
    }
}
