package dev.kdumpbridge.kernel.dwarf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A reader over {@code [position, limit)} of one section: a unit, a header, a string. Every read
 * checks the limit first, so a length field that lies ends in a {@link DwarfFormatException}
 * naming the offset, never in a read of the neighbouring unit or an endless loop. Not for
 * concurrent use; each lookup makes its own.
 */
final class DwarfCursor {
    /**
     * First window: a compile unit header, its first DIE and a typical abbreviation table fit.
     * Each further window doubles up to {@link #LARGEST_WINDOW}, so a line program of 100 KB
     * (kernel/sched/core.c) takes a handful of reads and a file name one.
     */
    private static final int FIRST_WINDOW = 4096;
    private static final int LARGEST_WINDOW = 1 << 20;
    /** A ULEB128 or SLEB128 of a 64-bit value has at most ten bytes. */
    private static final int MAX_LEB128_BYTES = 10;

    private final DwarfSection section;
    private final long limit;
    private long position;
    private ByteBuffer window = ByteBuffer.allocate(0);
    private long windowStart;
    private int nextWindow = FIRST_WINDOW;

    DwarfCursor(DwarfSection section, long position, long limit) {
        this.section = section;
        this.position = position;
        this.limit = limit;
    }

    long position() {
        return position;
    }

    long limit() {
        return limit;
    }

    boolean hasRemaining() {
        return position < limit;
    }

    /** Moves to {@code target}, which must lie inside this cursor's range. */
    void seek(long target) throws DwarfFormatException {
        if (target < 0 || target > limit) {
            throw error(position, "offset 0x" + Long.toHexString(target) + " is past the end of the unit at 0x"
                    + Long.toHexString(limit));
        }
        position = target;
    }

    void skip(long count) throws DwarfFormatException {
        if (count < 0 || count > limit - position) {
            throw error(position, "skipping " + Long.toUnsignedString(count) + " bytes runs past the end of the"
                    + " unit at 0x" + Long.toHexString(limit));
        }
        position += count;
    }

    // take() may replace the window, so it runs before the window is read.

    int u8() throws IOException {
        int at = take(1);
        return Byte.toUnsignedInt(window.get(at));
    }

    int u16() throws IOException {
        int at = take(2);
        return Short.toUnsignedInt(window.getShort(at));
    }

    long u32() throws IOException {
        int at = take(4);
        return Integer.toUnsignedLong(window.getInt(at));
    }

    long u64() throws IOException {
        int at = take(8);
        return window.getLong(at);
    }

    /** An unsigned value of {@code size} bytes (1 to 8) in the image's byte order. */
    long unsigned(int size) throws IOException {
        if (size < 1 || size > 8) {
            throw error(position, "a " + size + "-byte value; 1 to 8 bytes expected");
        }
        int at = take(size);
        long value = 0;
        for (int i = 0; i < size; i++) {
            int shift = window.order() == ByteOrder.LITTLE_ENDIAN ? 8 * i : 8 * (size - 1 - i);
            value |= Byte.toUnsignedLong(window.get(at + i)) << shift;
        }
        return value;
    }

    /** A section offset of the unit's format: 4 bytes in 32-bit DWARF, 8 in 64-bit. */
    long offset(int offsetSize) throws IOException {
        return offsetSize == 8 ? u64() : u32();
    }

    long uleb() throws IOException {
        return leb128(false);
    }

    long sleb() throws IOException {
        return leb128(true);
    }

    /** A ULEB128 that counts or indexes something held in memory, so must fit an {@code int}. */
    int ulebIndex(String what) throws IOException {
        long start = position;
        long value = uleb();
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw error(start, what + " " + Long.toUnsignedString(value) + " is too large");
        }
        return (int) value;
    }

    /** A NUL-terminated string (UTF-8, as GCC writes paths). */
    String cString() throws IOException {
        long start = position;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        while (true) {
            if (position >= limit) {
                throw error(start, "a string without its terminating NUL before 0x" + Long.toHexString(limit));
            }
            int b = u8();
            if (b == 0) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
            bytes.write(b);
        }
    }

    /**
     * The 4- or 12-byte initial length of a unit (32- or 64-bit DWARF) and where the unit ends;
     * the end must lie within this cursor.
     */
    UnitLength unitLength() throws IOException {
        long start = position;
        long length = u32();
        int offsetSize = 4;
        if (length == 0xffff_ffffL) {
            length = u64();
            offsetSize = 8;
        } else if (length >= 0xffff_fff0L) {
            throw error(start, "reserved unit length 0x" + Long.toHexString(length));
        }
        if (length < 0 || length > limit - position) {
            throw error(start, "a unit of " + Long.toUnsignedString(length) + " bytes runs past the end at 0x"
                    + Long.toHexString(limit));
        }
        return new UnitLength(position + length, offsetSize);
    }

    /** Where a unit ends and the size of the section offsets inside it. */
    record UnitLength(long end, int offsetSize) {
    }

    DwarfFormatException error(long at, String problem) {
        return new DwarfFormatException(section, at, problem);
    }

    private long leb128(boolean signed) throws IOException {
        long start = position;
        long value = 0;
        for (int i = 0; i < MAX_LEB128_BYTES; i++) {
            int b = u8();
            value |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                int bits = 7 * (i + 1);
                return signed && bits < 64 && (b & 0x40) != 0 ? value | -1L << bits : value;
            }
        }
        throw error(start, "a LEB128 number longer than " + MAX_LEB128_BYTES + " bytes");
    }

    /**
     * Index in {@link #window} of the {@code size} bytes at {@link #position}, reading a new window
     * if needed; moves the position past them.
     */
    private int take(int size) throws IOException {
        if (size > limit - position) {
            throw error(position, "a " + size + "-byte field runs past the end of the unit at 0x"
                    + Long.toHexString(limit));
        }
        long inWindow = position - windowStart;
        if (inWindow < 0 || inWindow + size > window.limit()) {
            int length = (int) Math.min(limit - position, Math.max(size, nextWindow));
            window = section.window(position, length);
            windowStart = position;
            nextWindow = Math.min(nextWindow * 2, LARGEST_WINDOW);
            inWindow = 0;
        }
        position += size;
        return (int) inWindow;
    }
}
