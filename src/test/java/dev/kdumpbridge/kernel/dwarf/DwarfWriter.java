package dev.kdumpbridge.kernel.dwarf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Little-endian DWARF bytes for tests: fixed-size fields, LEB128, strings, length-prefixed units
 * and line program opcodes.
 */
final class DwarfWriter {
    /** Line program parameters as GCC and gas choose them. */
    static final int LINE_BASE = -5;
    static final int LINE_RANGE = 14;
    static final int OPCODE_BASE = 13;
    static final int[] STANDARD_OPCODE_LENGTHS = {0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1};

    /** The body of a unit, written after its length is known. */
    @FunctionalInterface
    interface Body {
        void write(DwarfWriter w);
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A section of these bytes, read through windows as the vmlinux's are. */
    static DwarfSection section(String name, byte[] bytes) {
        return new DwarfSection("test", name, bytes.length, ByteOrder.LITTLE_ENDIAN,
                (offset, length) -> ByteBuffer.wrap(bytes, (int) offset, length).slice());
    }

    int position() {
        return out.size();
    }

    DwarfWriter u8(int value) {
        out.write(value);
        return this;
    }

    DwarfWriter u16(int value) {
        return fixed(value, 2);
    }

    DwarfWriter u32(long value) {
        return fixed(value, 4);
    }

    DwarfWriter u64(long value) {
        return fixed(value, 8);
    }

    DwarfWriter fixed(long value, int size) {
        for (int i = 0; i < size; i++) {
            out.write((int) (value >>> (8 * i)));
        }
        return this;
    }

    DwarfWriter uleb(long value) {
        long rest = value;
        do {
            int b = (int) (rest & 0x7f);
            rest >>>= 7;
            out.write(rest != 0 ? b | 0x80 : b);
        } while (rest != 0);
        return this;
    }

    DwarfWriter sleb(long value) {
        long rest = value;
        while (true) {
            int b = (int) (rest & 0x7f);
            rest >>= 7;
            boolean done = rest == 0 && (b & 0x40) == 0 || rest == -1 && (b & 0x40) != 0;
            out.write(done ? b : b | 0x80);
            if (done) {
                return this;
            }
        }
    }

    DwarfWriter string(String value) {
        out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        out.write(0);
        return this;
    }

    DwarfWriter bytes(byte[] value) {
        out.writeBytes(value);
        return this;
    }

    /** A unit: its initial length (4 bytes, or 12 in 64-bit DWARF), then the body. */
    DwarfWriter unit(boolean dwarf64, Body body) {
        return dwarf64 ? u32(0xffff_ffffL).sized(8, body) : sized(4, body);
    }

    /** The body's length in {@code size} bytes, then the body: a line table's header_length. */
    DwarfWriter sized(int size, Body body) {
        DwarfWriter inner = new DwarfWriter();
        body.write(inner);
        byte[] bytes = inner.toByteArray();
        return fixed(bytes.length, size).bytes(bytes);
    }

    /** A line table header from minimum_instruction_length to standard_opcode_lengths. */
    DwarfWriter lineParameters(int version, int opcodeBase, int[] standardOpcodeLengths) {
        u8(1);
        if (version >= 4) {
            u8(1);
        }
        u8(1).u8(LINE_BASE).u8(LINE_RANGE).u8(opcodeBase);
        for (int length : standardOpcodeLengths) {
            u8(length);
        }
        return this;
    }

    DwarfWriter setAddress(long address) {
        return u8(0).uleb(9).u8(2).u64(address);
    }

    DwarfWriter endSequence() {
        return u8(0).uleb(1).u8(1);
    }

    DwarfWriter setDiscriminator(int discriminator) {
        return u8(0).uleb(2).u8(4).uleb(discriminator);
    }

    DwarfWriter copy() {
        return u8(1);
    }

    DwarfWriter advancePc(long bytes) {
        return u8(2).uleb(bytes);
    }

    DwarfWriter advanceLine(long lines) {
        return u8(3).sleb(lines);
    }

    DwarfWriter setFile(int file) {
        return u8(4).uleb(file);
    }

    /** A special opcode: both registers move, then a row; {@code lineAdvance} from -5 to 8. */
    DwarfWriter special(int addressAdvance, int lineAdvance) {
        return u8(lineAdvance - LINE_BASE + LINE_RANGE * addressAdvance + OPCODE_BASE);
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
