package dev.kdumpbridge.kernel.btf;

/**
 * A member reached from the start of a struct through a path of member names and array indices,
 * such as {@code thread.sp} or {@code comm[0]}, found by {@link Btf#field}.
 *
 * @param path         the path as written
 * @param type         the member's declared type (typedefs and qualifiers not stripped)
 * @param bitOffset    from the start of the outermost struct, in bits
 * @param bitfieldSize width in bits for a bitfield, 0 otherwise
 * @param size         size of {@code type} in bytes (for a bitfield, of the integer it is cut
 *                     from); -1 when the type has none (a function, an incomplete struct)
 */
public record Field(String path, BtfType type, long bitOffset, int bitfieldSize, long size) {

    /** Byte offset; for a bitfield, of the byte holding its lowest bit, as gdb's ptype/o shows it. */
    public long offset() {
        return bitOffset >>> 3;
    }

    public boolean isBitfield() {
        return bitfieldSize != 0;
    }
}
