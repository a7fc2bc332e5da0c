package dev.kdumpbridge.memory;

/**
 * One page of a translation: the virtual page {@code [virtualBase, virtualBase + size)} maps to
 * the physical bytes from {@code physicalBase} on. Huge pages are one mapping, so one walk
 * serves every address inside them.
 *
 * @param shift log2 of the page size (12 for 4 KiB, 21 for 2 MiB, 30 for 1 GiB on x86_64)
 */
public record PageMapping(long virtualBase, long physicalBase, int shift) {

    public PageMapping {
        if (shift < 1 || shift > 62) {
            throw new IllegalArgumentException("page shift " + shift);
        }
        long mask = size() - 1;
        if ((virtualBase & mask) != 0 || (physicalBase & mask) != 0) {
            throw new IllegalArgumentException(String.format(
                    "mapping 0x%x -> 0x%x is not aligned to its page size 0x%x", virtualBase, physicalBase, size()));
        }
    }

    public long size() {
        return 1L << shift;
    }

    /** Whether {@code virtualAddress} lies in this page. */
    public boolean contains(long virtualAddress) {
        return (virtualAddress & -size()) == virtualBase;
    }

    /** The physical address of {@code virtualAddress}, which must lie in this page. */
    public long physical(long virtualAddress) {
        return physicalBase + (virtualAddress - virtualBase);
    }
}
