package dev.kdumpbridge.kernel.dwarf;

import java.io.IOException;

/**
 * {@code .debug_aranges} (DWARF 5 §6.1.2; version 2 in every DWARF version): for each compile
 * unit, the address ranges of its code, so one binary search finds the unit that holds an
 * address without opening {@code .debug_info}.
 */
final class Aranges {
    /** The only version DWARF 2 to 5 define. */
    private static final int VERSION = 2;

    private Aranges() {
    }

    /** Every range of every set, each carrying its compile unit's offset in {@code .debug_info}. */
    static AddressRanges read(DwarfSection aranges) throws IOException {
        AddressRanges.Builder ranges = new AddressRanges.Builder();
        long setStart = 0;
        while (setStart < aranges.size()) {
            DwarfSection.Unit unit = aranges.unit(setStart, "address range set", VERSION, VERSION);
            DwarfCursor set = unit.body();
            long unitOffsetAt = set.position();
            long unitOffset = set.offset(unit.offsetSize());
            if (unitOffset < 0) {
                throw set.error(unitOffsetAt, "compile unit offset " + Long.toUnsignedString(unitOffset)
                        + " is negative");
            }
            long addressSizeAt = set.position();
            int addressSize = set.u8();
            int segmentSize = set.u8();
            if (addressSize < 1 || addressSize > 8 || segmentSize > 8) {
                throw set.error(addressSizeAt, "address size " + addressSize + " and segment selector size "
                        + segmentSize + "; 1 to 8 bytes expected");
            }
            // The first tuple is aligned to the tuple size, counted from the start of the set.
            int tupleSize = segmentSize + 2 * addressSize;
            long misalignment = (set.position() - setStart) % tupleSize;
            set.skip(misalignment == 0 ? 0 : tupleSize - misalignment);
            while (set.limit() - set.position() >= tupleSize) {
                long tupleAt = set.position();
                set.skip(segmentSize);
                long start = set.unsigned(addressSize);
                long length = set.unsigned(addressSize);
                if (start == 0 && length == 0) {
                    break;
                }
                if (AddressRanges.wraps(start, length)) {
                    throw set.error(tupleAt, "range 0x" + Long.toHexString(start) + " + 0x" + Long.toHexString(length)
                            + " wraps past the top of the address space");
                }
                ranges.add(start, length, unitOffset);
            }
            setStart = set.limit();
        }
        return ranges.build();
    }
}
