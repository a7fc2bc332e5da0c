package dev.kdumpbridge.kernel.dwarf;

import java.io.IOException;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The two attributes of a compile unit's root DIE that lead to its line table: where the table
 * is ({@code DW_AT_stmt_list}) and the directory relative paths start from
 * ({@code DW_AT_comp_dir}). Reads the unit header, one abbreviation and one DIE, never the
 * unit's other DIEs.
 */
record CompileUnit(OptionalLong lineTableOffset, Optional<String> compDir) {
    private static final int DW_UT_COMPILE = 0x01;
    private static final int DW_UT_TYPE = 0x02;
    private static final int DW_UT_PARTIAL = 0x03;
    private static final int DW_UT_SKELETON = 0x04;
    private static final int DW_UT_SPLIT_COMPILE = 0x05;
    private static final int DW_UT_SPLIT_TYPE = 0x06;
    private static final int DW_AT_STMT_LIST = 0x10;
    private static final int DW_AT_COMP_DIR = 0x1b;

    /** The unit header at {@code offset} in {@code .debug_info}, versions 2 to 5, and its root DIE. */
    static CompileUnit read(DwarfSection info, DwarfSection abbrev, DwarfForm.Strings strings, long offset)
            throws IOException {
        DwarfSection.Unit unit = info.unit(offset, "compile unit", 2, 5);
        DwarfCursor c = unit.body();
        int version = unit.version();
        int offsetSize = unit.offsetSize();
        long headerAt = c.position();
        long abbrevOffset;
        int addressSize;
        if (version == 5) {
            int unitType = c.u8();
            addressSize = c.u8();
            abbrevOffset = c.offset(offsetSize);
            switch (unitType) {
                case DW_UT_COMPILE, DW_UT_PARTIAL -> { }
                case DW_UT_SKELETON, DW_UT_SPLIT_COMPILE -> c.skip(8);
                case DW_UT_TYPE, DW_UT_SPLIT_TYPE -> c.skip(8 + offsetSize);
                default -> throw c.error(headerAt, "unknown unit type 0x" + Integer.toHexString(unitType));
            }
        } else {
            abbrevOffset = c.offset(offsetSize);
            addressSize = c.u8();
        }
        // Both fields sit in the few bytes after the version, in an order that depends on it.
        if (addressSize < 1 || addressSize > 8) {
            throw c.error(headerAt, "address size " + addressSize + "; 1 to 8 bytes expected");
        }
        if (abbrevOffset < 0 || abbrevOffset >= abbrev.size()) {
            throw c.error(headerAt, "abbreviation table offset 0x" + Long.toHexString(abbrevOffset)
                    + " is beyond the " + abbrev.size() + "-byte .debug_abbrev");
        }
        long codeAt = c.position();
        long code = c.uleb();
        if (code == 0) {
            throw c.error(codeAt, "the unit's first DIE is a null entry");
        }
        DwarfForm.UnitFormat format = new DwarfForm.UnitFormat(version, offsetSize, addressSize);
        OptionalLong lineTableOffset = OptionalLong.empty();
        String compDir = null;
        DwarfCursor spec = abbreviation(abbrev, abbrevOffset, code, c, codeAt);
        while (true) {
            int attribute = spec.ulebIndex("attribute");
            int form = spec.ulebIndex("form");
            if (attribute == 0 && form == 0) {
                break;
            }
            if (form == DwarfForm.IMPLICIT_CONST) {
                spec.sleb();
            }
            if (attribute == DW_AT_STMT_LIST) {
                lineTableOffset = OptionalLong.of(DwarfForm.unsigned(c, form, format));
            } else if (attribute == DW_AT_COMP_DIR && DwarfForm.isDirectString(form)) {
                // Only DWARF 4 line tables need it (DWARF 5 repeats it as directory 0), and DWARF 4
                // has no indexed strings; those are stepped over.
                compDir = DwarfForm.string(c, form, format, strings);
            } else {
                DwarfForm.skip(c, form, format);
            }
        }
        return new CompileUnit(lineTableOffset, Optional.ofNullable(compDir));
    }

    /**
     * A cursor on the attribute specifications of abbreviation {@code code} in the table at
     * {@code tableOffset}, found by stepping over the entries before it.
     */
    private static DwarfCursor abbreviation(DwarfSection abbrev, long tableOffset, long code, DwarfCursor die,
            long codeAt) throws IOException {
        DwarfCursor c = abbrev.cursor(tableOffset, abbrev.size());
        while (true) {
            long entryCode = c.uleb();
            if (entryCode == 0) {
                throw die.error(codeAt, "abbreviation " + Long.toUnsignedString(code)
                        + " is not in the table at .debug_abbrev offset 0x" + Long.toHexString(tableOffset));
            }
            c.uleb(); // tag
            c.u8(); // has children
            if (entryCode == code) {
                return c;
            }
            while (true) {
                long attribute = c.uleb();
                long form = c.uleb();
                if (attribute == 0 && form == 0) {
                    break;
                }
                if (form == DwarfForm.IMPLICIT_CONST) {
                    c.sleb();
                }
            }
        }
    }
}
