package dev.kdumpbridge.kernel.dwarf;

import java.io.IOException;

/**
 * DWARF data that cannot be true: a unit running past its section, an unknown form or version,
 * an abbreviation code missing from its table. The message names the file, the section and the
 * byte offset inside the section, so a user can compare it with {@code readelf --debug-dump};
 * only the lookup that met the damage fails, the image stays usable for everything else.
 */
public final class DwarfFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String section;
    private final long offset;

    DwarfFormatException(DwarfSection section, long offset, String problem) {
        super(section.origin() + ": " + section.name() + " offset 0x" + Long.toHexString(offset) + ": " + problem);
        this.section = section.name();
        this.offset = offset;
    }

    /** The section the damage is in, e.g. {@code .debug_line}. */
    public String section() {
        return section;
    }

    /** Byte offset of the offending field from the start of {@link #section()}. */
    public long offset() {
        return offset;
    }
}
