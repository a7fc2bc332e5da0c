package dev.kdumpbridge.dump;

/** Physical addresses {@code [start, end)}. */
public record PhysRange(long start, long end) {
    public PhysRange {
        if (end < start) {
            throw new IllegalArgumentException("end " + Sizes.hex(end) + " < start " + Sizes.hex(start));
        }
    }

    public long size() {
        return end - start;
    }

    public boolean contains(long address) {
        return address >= start && address < end;
    }

    @Override
    public String toString() {
        return "[" + Sizes.hex(start) + ", " + Sizes.hex(end) + ")";
    }
}
