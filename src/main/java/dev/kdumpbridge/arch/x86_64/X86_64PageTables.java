package dev.kdumpbridge.arch.x86_64;

import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.PageMapping;
import dev.kdumpbridge.memory.PageTableWalker;
import java.io.IOException;
import java.util.List;
import java.util.OptionalLong;

/**
 * The x86-64 page-table walk, 4-level or 5-level (reference 04 §1.3): 9 index bits per level,
 * 8-byte entries, 1 GiB pages at the pud level and 2 MiB pages at the pmd level when the entry
 * has PS (bit 7) set. Levels are named as Linux names them (pgd, p4d, pud, pmd, pte); in
 * 4-level paging p4d is folded into pgd.
 */
public final class X86_64PageTables implements PageTableWalker {
    /** Physical-address bits 51:12 of an entry (Intel SDM vol. 3 §4.5, MAXPHYADDR at most 52). */
    static final long ADDRESS_MASK = 0x000f_ffff_ffff_f000L;
    private static final long PRESENT = 1L;
    /** PS: the entry maps a page instead of pointing at a table; reserved above the pud level. */
    private static final long PAGE_SIZE_BIT = 1L << 7;
    private static final int ENTRY_INDEX_BITS = 9;
    private static final int PAGE_SHIFT = 12;
    private static final int[] PAGE_SHIFTS = {12, 21, 30};

    private static final List<String> LEVELS_5 = List.of("pgd", "p4d", "pud", "pmd", "pte");
    private static final List<String> LEVELS_4 = List.of("pgd", "pud", "pmd", "pte");

    private final long root;
    private final List<String> levels;
    private final long addressMask;
    /** Bits of a canonical address above the translated ones: 47 or 56 and up must all be equal. */
    private final int canonicalBits;

    /**
     * @param root    physical address of the top-level table (pgd)
     * @param levels  4, or 5 when the kernel ran with LA57 ({@code pgtable_l5_enabled})
     * @param smeMask AMD SME's encryption bit, which entries carry above the address and which
     *                must not be taken as part of it ({@code NUMBER(sme_mask)}, 0 without SME)
     */
    public X86_64PageTables(long root, int levels, long smeMask) {
        if (levels != 4 && levels != 5) {
            throw new IllegalArgumentException("x86-64 paging has 4 or 5 levels, not " + levels);
        }
        if ((root & ~ADDRESS_MASK) != 0) {
            throw new IllegalArgumentException(String.format(
                    "page-table root 0x%x is not a page-aligned physical address", root));
        }
        this.root = root;
        this.levels = levels == 5 ? LEVELS_5 : LEVELS_4;
        this.addressMask = ADDRESS_MASK & ~smeMask;
        this.canonicalBits = PAGE_SHIFT + ENTRY_INDEX_BITS * levels;
    }

    public long root() {
        return root;
    }

    public int levels() {
        return levels.size();
    }

    @Override
    public int[] pageShifts() {
        return PAGE_SHIFTS.clone();
    }

    /** Whether {@code address} is canonical: bits 63..47 (63..56 with 5 levels) are copies of one bit. */
    public boolean canonical(long address) {
        return address >> (canonicalBits - 1) == 0 || address >> (canonicalBits - 1) == -1;
    }

    @Override
    public PageMapping walk(long virtualAddress, EntryReader tables) throws AddressFault, IOException {
        if (!canonical(virtualAddress)) {
            throw AddressFault.notMapped(virtualAddress, null, String.format(
                    "not a canonical address for %d-level paging (bits 63 to %d must be equal)",
                    levels.size(), canonicalBits - 1));
        }
        long table = root;
        for (int level = 0; level < levels.size(); level++) {
            String name = levels.get(level);
            int shift = shiftOf(level);
            int index = (int) (virtualAddress >>> shift) & ((1 << ENTRY_INDEX_BITS) - 1);
            long entryAddress = table + (long) index * Long.BYTES;
            long entry = tables.read(name, entryAddress);
            if ((entry & PRESENT) == 0) {
                throw AddressFault.notMapped(virtualAddress, name, String.format(
                        "%s entry %d of the table at physical 0x%x is not present (0x%x)",
                        name, index, table, entry));
            }
            boolean last = level == levels.size() - 1;
            if (last || (entry & PAGE_SIZE_BIT) != 0) {
                if (shift > PAGE_SHIFTS[PAGE_SHIFTS.length - 1]) {
                    throw AddressFault.notMapped(virtualAddress, name, String.format(
                            "%s entry %d of the table at physical 0x%x has PS set, which is reserved at"
                            + " this level; the processor would fault (0x%x)", name, index, table, entry));
                }
                // In a 2 MiB or 1 GiB entry, bit 12 is PAT, not part of the address.
                long frame = entry & addressMask & -(1L << shift);
                return new PageMapping(virtualAddress & -(1L << shift), frame, shift);
            }
            table = entry & addressMask;
        }
        throw new AssertionError("the last level always maps a page");
    }

    /**
     * Where the direct map begins, found in the tables alone: the lowest 1 GiB-aligned
     * kernel-half address whose first mapped page maps physical memory at offset zero. The
     * direct map maps physical 0 at {@code page_offset_base}, which KASLR moves in 1 GiB steps
     * and which lies below vmalloc, vmemmap and the kernel image; those do not map physical 0 at
     * the start of a gigabyte. For kdump-compressed dumps read without a symbol table, which
     * have no other source.
     *
     * @param budget the most entries to read: a scan of corrupt tables must end too
     */
    public OptionalLong findDirectMap(EntryReader tables, int budget) throws IOException {
        Scan scan = new Scan(tables, budget);
        // Top-level index i maps from i << shift, sign-extended; the kernel half is the upper one.
        long signBits = -1L << canonicalBits;
        return scan.table(0, root, signBits, 1 << (ENTRY_INDEX_BITS - 1));
    }

    private int shiftOf(int level) {
        return PAGE_SHIFT + ENTRY_INDEX_BITS * (levels.size() - 1 - level);
    }

    /** One {@link #findDirectMap} run: its reader and what is left of its budget. */
    private final class Scan {
        /** Returned by {@link #firstPageOffset} when nothing below an entry is mapped; never a page offset. */
        private static final long NOTHING_MAPPED = -1;
        private static final int GIGABYTE_SHIFT = 30;

        private final EntryReader tables;
        private int left;

        Scan(EntryReader tables, int budget) {
            this.tables = tables;
            this.left = budget;
        }

        /** Scans the entries from {@code fromIndex} on of the table at {@code level} that maps from {@code base}. */
        OptionalLong table(int level, long table, long base, int fromIndex) throws IOException {
            for (int index = fromIndex; index < 1 << ENTRY_INDEX_BITS && left > 0; index++) {
                long entry = entry(level, table, index);
                if ((entry & PRESENT) == 0) {
                    continue;
                }
                long va = base + ((long) index << shiftOf(level));
                if (shiftOf(level) == GIGABYTE_SHIFT) {
                    if (firstPageOffset(level, entry) == 0) {
                        return OptionalLong.of(va);
                    }
                } else if (shiftOf(level) > GIGABYTE_SHIFT && (entry & PAGE_SIZE_BIT) == 0) {
                    OptionalLong found = table(level + 1, entry & addressMask, va, 0);
                    if (found.isPresent()) {
                        return found;
                    }
                }
            }
            return OptionalLong.empty();
        }

        /**
         * The first mapped page below the present {@code entry}, following the first present
         * entry of each table: its physical address minus its offset from the entry's virtual
         * start. Zero when the mapping there starts at physical 0.
         */
        private long firstPageOffset(int level, long entry) throws IOException {
            long offset = 0;
            long current = entry;
            int l = level;
            while (l < levels.size() - 1 && (current & PAGE_SIZE_BIT) == 0) {
                long table = current & addressMask;
                current = 0;
                int index = 0;
                while (index < 1 << ENTRY_INDEX_BITS && left > 0 && (current & PRESENT) == 0) {
                    current = entry(l + 1, table, index++);
                }
                if ((current & PRESENT) == 0) {
                    return NOTHING_MAPPED;
                }
                l++;
                offset += (long) (index - 1) << shiftOf(l);
            }
            return (current & addressMask & -(1L << shiftOf(l))) - offset;
        }

        /** Unreadable tables count as empty: the scan looks for mappings, not for errors. */
        private long entry(int level, long table, int index) throws IOException {
            left--;
            try {
                return tables.read(levels.get(level), table + (long) index * Long.BYTES);
            } catch (AddressFault unreadable) {
                return 0;
            }
        }
    }

    @Override
    public String toString() {
        return String.format("x86-64 %d-level page tables at physical 0x%x", levels.size(), root);
    }
}
