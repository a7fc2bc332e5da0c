package dev.kdumpbridge.arch.x86_64;

import dev.kdumpbridge.dump.MemoryFault;
import dev.kdumpbridge.memory.PhysicalMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Sparse physical memory holding x86-64 page tables built by the test: pages appear when written,
 * tables are allocated from {@code 0x100000} up, and pages can be marked excluded the way
 * makedumpfile leaves pages out.
 */
final class SyntheticPageTables implements PhysicalMemory {
    static final long PRESENT_WRITABLE = 0x3;
    static final long PS = 1L << 7;
    private static final int PAGE = 4096;

    private final Map<Long, byte[]> pages = new HashMap<>();
    private final Set<Long> excluded = new HashSet<>();
    private final int levels;
    private long nextTable = 0x100000;
    final long root;
    /** Entry reads, to see that walks are bounded and that the cache saves them. */
    int reads;

    SyntheticPageTables(int levels) {
        this.levels = levels;
        this.root = allocate();
    }

    long allocate() {
        long table = nextTable;
        nextTable += PAGE;
        pages.put(table, new byte[PAGE]);
        return table;
    }

    void setEntry(long table, int index, long entry) {
        page(table).putLong(index * 8, entry);
    }

    long entry(long table, int index) {
        return page(table).getLong(index * 8);
    }

    void exclude(long physical) {
        excluded.add(physical & -PAGE);
    }

    void fill(long physical, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            long at = physical + i;
            pages.computeIfAbsent(at & -PAGE, p -> new byte[PAGE])[(int) (at & (PAGE - 1))] = bytes[i];
        }
    }

    /** Maps {@code va} to {@code pa} with a page of {@code 1 << shift} bytes, making tables as needed. */
    void map(long va, long pa, int shift) {
        long table = root;
        for (int level = 0; ; level++) {
            int levelShift = 12 + 9 * (levels - 1 - level);
            int index = (int) (va >>> levelShift) & 511;
            if (levelShift == shift) {
                setEntry(table, index, pa | PRESENT_WRITABLE | (shift > 12 ? PS : 0));
                return;
            }
            long entry = entry(table, index);
            if ((entry & 1) == 0) {
                entry = allocate() | PRESENT_WRITABLE;
                setEntry(table, index, entry);
            }
            table = entry & X86_64PageTables.ADDRESS_MASK;
        }
    }

    /** The table at {@code level} (0 = pgd) that {@code va}'s walk goes through; it must exist. */
    long tableAt(long va, int level) {
        long table = root;
        for (int l = 0; l < level; l++) {
            int index = (int) (va >>> (12 + 9 * (levels - 1 - l))) & 511;
            table = entry(table, index) & X86_64PageTables.ADDRESS_MASK;
        }
        return table;
    }

    private ByteBuffer page(long physical) {
        return ByteBuffer.wrap(pages.computeIfAbsent(physical & -PAGE, p -> new byte[PAGE]))
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void read(long physicalAddress, byte[] dst, int off, int len) throws MemoryFault {
        if (len == 8) {
            reads++;
        }
        for (int i = 0; i < len; i++) {
            long at = physicalAddress + i;
            if (excluded.contains(at & -PAGE)) {
                throw new MemoryFault(at, MemoryFault.Reason.EXCLUDED, "excluded by makedumpfile (dump_level 31)");
            }
            byte[] page = pages.get(at & -PAGE);
            dst[off + i] = page == null ? 0 : page[(int) (at & (PAGE - 1))];
        }
    }
}
