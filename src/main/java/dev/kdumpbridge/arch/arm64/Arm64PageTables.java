package dev.kdumpbridge.arch.arm64;

import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.PageMapping;
import dev.kdumpbridge.memory.PageTableWalker;
import java.io.IOException;

/**
 * The arm64 stage-1 translation-table walk of the kernel half (TTBR1) for 4, 16 and 64 KiB
 * granules and 36 to 52 virtual-address bits (reference 04 §2.3): each level resolves
 * {@code pageShift - 3} bits, 8-byte descriptors, table descriptors ({@code 0b11}) at levels 0-2,
 * block descriptors ({@code 0b01}) at levels 1 and 2 (and 0 for 4 KiB with LPA2), page
 * descriptors ({@code 0b11}) at level 3. With 52-bit physical addresses the output address's
 * top bits sit in descriptor bits 15:12 (64 KiB, ARMv8.2 LPA) or 9:8 (4 and 16 KiB, LPA2).
 * Levels are named as Linux names them: pgd, p4d, pud, pmd, pte, the unused upper ones folded.
 */
public final class Arm64PageTables implements PageTableWalker {
    private static final String[] LEVEL_NAMES = {"pgd", "p4d", "pud", "pmd", "pte"};
    private static final long VALID = 1L;
    private static final long TABLE_OR_PAGE = 2L;

    private final long root;
    private final int pageShift;
    private final int vaBits;
    private final boolean physical52;
    /** The first level walked, 3 being the last: 4 - levels, -1 for 5-level 4 KiB LPA2. */
    private final int firstLevel;
    private final int bitsPerLevel;

    /**
     * @param root       physical address of the top-level table ({@code swapper_pg_dir -
     *                   kimage_voffset})
     * @param pageShift  12, 14 or 16 (VMCOREINFO {@code PAGESIZE})
     * @param vaBits     the kernel's runtime VA bits ({@code 64 - TCR_EL1_T1SZ}, else {@code VA_BITS})
     * @param physical52 {@code MAX_PHYSMEM_BITS} is 52
     */
    public Arm64PageTables(long root, int pageShift, int vaBits, boolean physical52) {
        if (pageShift != 12 && pageShift != 14 && pageShift != 16) {
            throw new IllegalArgumentException("arm64 pages are 4, 16 or 64 KiB, not 2^" + pageShift + " bytes");
        }
        if (vaBits < 36 || vaBits > 52) {
            throw new IllegalArgumentException("arm64 kernels use 36 to 52 virtual-address bits, not " + vaBits);
        }
        // A top-level table smaller than a page (few VA bits) is still aligned to 64 bytes.
        if ((root & 0x3f) != 0) {
            throw new IllegalArgumentException(String.format("page-table root 0x%x is not a table address", root));
        }
        this.root = root;
        this.pageShift = pageShift;
        this.vaBits = vaBits;
        this.physical52 = physical52;
        this.bitsPerLevel = pageShift - 3;
        int levels = (vaBits - pageShift + bitsPerLevel - 1) / bitsPerLevel;
        this.firstLevel = 4 - levels;
    }

    public int levels() {
        return 4 - firstLevel;
    }

    @Override
    public int[] pageShifts() {
        // Pages, then the blocks of levels 2, 1 and (4 KiB with LPA2) 0.
        return new int[] {pageShift, levelShift(2), levelShift(1), levelShift(0)};
    }

    /** The shift of the address bits a level's entries map: {@code (pageShift - 3) * (4 - n) + 3}. */
    private int levelShift(int level) {
        return bitsPerLevel * (3 - level) + pageShift;
    }

    /** Whether {@code address} lies in the range TTBR1 translates: bits 63 to vaBits all ones. */
    public boolean kernelHalf(long address) {
        return address >> vaBits == -1L;
    }

    @Override
    public PageMapping walk(long virtualAddress, EntryReader tables) throws AddressFault, IOException {
        if (!kernelHalf(virtualAddress)) {
            throw AddressFault.notMapped(virtualAddress, null, String.format(
                "not a kernel address for %d-bit virtual addresses (bits 63 to %d must all be set)", vaBits, vaBits));
        }
        long table = root;
        for (int level = firstLevel; level <= 3; level++) {
            String name = level == firstLevel ? "pgd" : LEVEL_NAMES[level + 1];
            int shift = levelShift(level);
            int indexBits = level == firstLevel ? vaBits - shift : bitsPerLevel;
            int index = (int) ((virtualAddress >>> shift) & ((1L << indexBits) - 1));
            long entry = tables.read(name, table + (long) index * Long.BYTES);
            if ((entry & VALID) == 0) {
                throw AddressFault.notMapped(virtualAddress, name, String.format(
                    "%s entry %d of the table at physical 0x%x is not valid (0x%x)", name, index, table, entry));
            }
            boolean tableOrPage = (entry & TABLE_OR_PAGE) != 0;
            if (level == 3) {
                if (!tableOrPage) {
                    throw AddressFault.notMapped(virtualAddress, name, String.format(
                        "%s entry %d of the table at physical 0x%x is a block descriptor, reserved at the last"
                        + " level (0x%x)", name, index, table, entry));
                }
                return new PageMapping(virtualAddress & -(1L << shift), outputAddress(entry, shift), shift);
            }
            if (!tableOrPage) {
                if (level == 0 && !(pageShift == 12 && physical52) || level < 0) {
                    throw AddressFault.notMapped(virtualAddress, name, String.format(
                        "%s entry %d of the table at physical 0x%x is a block descriptor, which this level"
                        + " cannot hold (0x%x)", name, index, table, entry));
                }
                return new PageMapping(virtualAddress & -(1L << shift), outputAddress(entry, shift), shift);
            }
            table = outputAddress(entry, pageShift);
        }
        throw new AssertionError("level 3 always ends the walk");
    }

    /** The physical address a descriptor holds, aligned down to {@code 1 << shift}. */
    long outputAddress(long descriptor, int shift) {
        if (!physical52) {
            return descriptor & 0x0000_ffff_ffff_ffffL & -(1L << shift);
        }
        if (pageShift == 16) {
            return (descriptor & 0x0000_ffff_ffff_0000L & -(1L << shift)) | (descriptor & 0xf000L) << 36;
        }
        return (descriptor & 0x0003_ffff_ffff_ffffL & -(1L << shift)) | (descriptor & 0x300L) << 42;
    }

    @Override
    public String toString() {
        return String.format("arm64 %d-level page tables (%d KiB pages, %d-bit VA%s) at physical 0x%x", levels(),
            (1 << pageShift) / 1024, vaBits, physical52 ? ", 52-bit PA" : "", root);
    }
}
