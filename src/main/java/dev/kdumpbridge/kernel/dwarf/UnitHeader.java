package dev.kdumpbridge.kernel.dwarf;

import java.io.IOException;

/**
 * The header of one unit in {@code .debug_info}, versions 2 to 5: its format, its abbreviation
 * table and where its DIEs start and end.
 *
 * @param offset       where the unit starts in {@code .debug_info}; unit-relative references
 *                     ({@code DW_FORM_ref4} ...) count from here
 * @param firstDie     where its root DIE starts
 * @param end          where the unit ends
 * @param abbrevOffset its abbreviation table in {@code .debug_abbrev}
 */
record UnitHeader(long offset, long firstDie, long end, long abbrevOffset, DwarfForm.UnitFormat format) {
    private static final int DW_UT_COMPILE = 0x01;
    private static final int DW_UT_TYPE = 0x02;
    private static final int DW_UT_PARTIAL = 0x03;
    private static final int DW_UT_SKELETON = 0x04;
    private static final int DW_UT_SPLIT_COMPILE = 0x05;
    private static final int DW_UT_SPLIT_TYPE = 0x06;

    static UnitHeader read(DwarfSection info, DwarfSection abbrev, long offset) throws IOException {
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
        return new UnitHeader(offset, c.position(), c.limit(), abbrevOffset,
                new DwarfForm.UnitFormat(version, offsetSize, addressSize));
    }
}
