package dev.kdumpbridge.kernel.dwarf;

import java.io.IOException;

/**
 * Attribute forms (DWARF 5 §7.5.6, plus the GNU extensions GCC and dwz emit): how many bytes a
 * value takes, and how to read the two kinds this package needs, section offsets and strings.
 * Compile unit DIEs and DWARF 5 line table headers describe their fields with the same forms.
 */
final class DwarfForm {
    static final int ADDR = 0x01;
    static final int BLOCK2 = 0x03;
    static final int BLOCK4 = 0x04;
    static final int DATA2 = 0x05;
    static final int DATA4 = 0x06;
    static final int DATA8 = 0x07;
    static final int STRING = 0x08;
    static final int BLOCK = 0x09;
    static final int BLOCK1 = 0x0a;
    static final int DATA1 = 0x0b;
    static final int FLAG = 0x0c;
    static final int SDATA = 0x0d;
    static final int STRP = 0x0e;
    static final int UDATA = 0x0f;
    static final int REF_ADDR = 0x10;
    static final int REF1 = 0x11;
    static final int REF2 = 0x12;
    static final int REF4 = 0x13;
    static final int REF8 = 0x14;
    static final int REF_UDATA = 0x15;
    static final int INDIRECT = 0x16;
    static final int SEC_OFFSET = 0x17;
    static final int EXPRLOC = 0x18;
    static final int FLAG_PRESENT = 0x19;
    static final int STRX = 0x1a;
    static final int ADDRX = 0x1b;
    static final int REF_SUP4 = 0x1c;
    static final int STRP_SUP = 0x1d;
    static final int DATA16 = 0x1e;
    static final int LINE_STRP = 0x1f;
    static final int REF_SIG8 = 0x20;
    static final int IMPLICIT_CONST = 0x21;
    static final int LOCLISTX = 0x22;
    static final int RNGLISTX = 0x23;
    static final int REF_SUP8 = 0x24;
    static final int STRX1 = 0x25;
    static final int STRX2 = 0x26;
    static final int STRX3 = 0x27;
    static final int STRX4 = 0x28;
    static final int ADDRX1 = 0x29;
    static final int ADDRX2 = 0x2a;
    static final int ADDRX3 = 0x2b;
    static final int ADDRX4 = 0x2c;
    static final int GNU_ADDR_INDEX = 0x1f01;
    static final int GNU_STR_INDEX = 0x1f02;
    static final int GNU_REF_ALT = 0x1f20;
    static final int GNU_STRP_ALT = 0x1f21;

    /** What the size of some forms depends on: the unit's version, offset size and address size. */
    record UnitFormat(int version, int offsetSize, int addressSize) {
    }

    /**
     * The string sections a form may point into; either may be absent from an image that has
     * no value in that form.
     */
    record Strings(DwarfSection debugStr, DwarfSection debugLineStr) {
    }

    private DwarfForm() {
    }

    /**
     * Steps over one value. {@code DW_FORM_implicit_const} takes no bytes here: its value sits in
     * the abbreviation.
     */
    static void skip(DwarfCursor c, int form, UnitFormat unit) throws IOException {
        long at = c.position();
        int resolved = resolveIndirect(c, form);
        switch (resolved) {
            case FLAG_PRESENT, IMPLICIT_CONST -> { }
            case DATA1, REF1, FLAG, STRX1, ADDRX1 -> c.skip(1);
            case DATA2, REF2, STRX2, ADDRX2 -> c.skip(2);
            case STRX3, ADDRX3 -> c.skip(3);
            case DATA4, REF4, REF_SUP4, STRX4, ADDRX4 -> c.skip(4);
            case DATA8, REF8, REF_SIG8, REF_SUP8 -> c.skip(8);
            case DATA16 -> c.skip(16);
            case ADDR -> c.skip(unit.addressSize());
            // DWARF 2 wrote DW_FORM_ref_addr as an address, later versions as an offset.
            case REF_ADDR -> c.skip(unit.version() <= 2 ? unit.addressSize() : unit.offsetSize());
            case STRP, LINE_STRP, SEC_OFFSET, STRP_SUP, GNU_REF_ALT, GNU_STRP_ALT -> c.skip(unit.offsetSize());
            case SDATA -> c.sleb();
            case UDATA, REF_UDATA, STRX, ADDRX, LOCLISTX, RNGLISTX, GNU_ADDR_INDEX, GNU_STR_INDEX -> c.uleb();
            case STRING -> c.cString();
            case BLOCK1 -> c.skip(c.u8());
            case BLOCK2 -> c.skip(c.u16());
            case BLOCK4 -> c.skip(c.u32());
            case BLOCK, EXPRLOC -> c.skip(c.uleb());
            default -> throw c.error(at, "unknown attribute form 0x" + Integer.toHexString(resolved));
        }
    }

    /** A constant or section offset: {@code DW_AT_stmt_list}, a directory index. */
    static long unsigned(DwarfCursor c, int form, UnitFormat unit) throws IOException {
        long at = c.position();
        int resolved = resolveIndirect(c, form);
        return switch (resolved) {
            case DATA1 -> c.u8();
            case DATA2 -> c.u16();
            case DATA4 -> c.u32();
            case DATA8 -> c.u64();
            case UDATA -> c.uleb();
            case SEC_OFFSET -> c.offset(unit.offsetSize());
            default -> throw c.error(at, "form 0x" + Integer.toHexString(resolved)
                    + " where a constant or section offset was expected");
        };
    }

    /**
     * A reference to another DIE as an offset in {@code .debug_info}; -1 for one into another
     * file (a type unit's signature, a supplementary object file), which this package does not read.
     */
    static long reference(DwarfCursor c, int form, UnitFormat unit, long unitOffset) throws IOException {
        long at = c.position();
        int resolved = resolveIndirect(c, form);
        return switch (resolved) {
            case REF1 -> unitOffset + c.u8();
            case REF2 -> unitOffset + c.u16();
            case REF4 -> unitOffset + c.u32();
            case REF8 -> unitOffset + c.u64();
            case REF_UDATA -> unitOffset + c.uleb();
            case REF_ADDR -> c.offset(unit.version() <= 2 ? unit.addressSize() : unit.offsetSize());
            case REF_SIG8, REF_SUP4, REF_SUP8, GNU_REF_ALT -> {
                skip(c, resolved, unit);
                yield -1;
            }
            default -> throw c.error(at, "form 0x" + Integer.toHexString(resolved) + " where a reference was expected");
        };
    }

    /** A string held inline or in {@code .debug_str} / {@code .debug_line_str}. */
    static String string(DwarfCursor c, int form, UnitFormat unit, Strings strings) throws IOException {
        long at = c.position();
        int resolved = resolveIndirect(c, form);
        return switch (resolved) {
            case STRING -> c.cString();
            case STRP -> pointedTo(c, at, strings.debugStr(), ".debug_str", c.offset(unit.offsetSize()));
            case LINE_STRP -> pointedTo(c, at, strings.debugLineStr(), ".debug_line_str", c.offset(unit.offsetSize()));
            // Indexed strings need the unit's DW_AT_str_offsets_base; GCC writes them only for
            // split DWARF (.dwo), which a vmlinux is not.
            default -> throw c.error(at, "form 0x" + Integer.toHexString(resolved)
                    + " where a string was expected; indexed and supplementary strings are not supported");
        };
    }

    /** Whether {@link #string} can read this form (before {@code DW_FORM_indirect} is resolved). */
    static boolean isDirectString(int form) {
        return form == STRING || form == STRP || form == LINE_STRP;
    }

    private static String pointedTo(DwarfCursor c, long at, DwarfSection section, String name, long offset)
            throws IOException {
        if (section == null) {
            throw c.error(at, "a string in " + name + ", which the image does not have");
        }
        if (offset < 0 || offset >= section.size()) {
            throw c.error(at, "string offset 0x" + Long.toHexString(offset) + " is beyond the " + section.size()
                    + "-byte " + name);
        }
        return section.string(offset);
    }

    /** {@code DW_FORM_indirect} puts the real form in front of the value. */
    private static int resolveIndirect(DwarfCursor c, int form) throws IOException {
        int resolved = form;
        while (resolved == INDIRECT) {
            resolved = c.ulebIndex("form");
        }
        return resolved;
    }
}
