package dev.kdumpbridge.memory;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A software TLB: recently walked pages, so that reading a structure word by word does not walk
 * the page tables once per word. Direct-mapped and lock-free: a slot holds an immutable
 * {@link PageMapping} or null, a racing write just replaces one cached page with another, and
 * a lookup checks that the slot holds the page it wants. Dumps never change, so nothing is
 * ever invalidated; a live kernel's translations are not cached at all (see AddressSpace).
 */
final class TranslationCache {
    /**
     * 1024 pages, like the second-level TLB of current x86 cores (1.5-2K entries): enough for
     * the stacks, tasks and per-CPU areas a debugging session touches, for about 40 KiB.
     */
    static final int DEFAULT_SLOTS = 1024;

    private final AtomicReferenceArray<PageMapping> slots;
    private final int indexBits;
    private final int[] shifts;

    /** @param shifts the page shifts the walker returns, smallest first */
    TranslationCache(int slots, int[] shifts) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots " + slots + " is not a power of two");
        }
        this.slots = new AtomicReferenceArray<>(slots);
        this.indexBits = Integer.numberOfTrailingZeros(slots);
        this.shifts = shifts.clone();
    }

    /** The cached page containing {@code virtualAddress}, or null. */
    PageMapping find(long virtualAddress) {
        for (int shift : shifts) {
            long base = virtualAddress & -(1L << shift);
            PageMapping cached = slots.get(index(base, shift));
            if (cached != null && cached.virtualBase() == base && cached.shift() == shift) {
                return cached;
            }
        }
        return null;
    }

    void put(PageMapping page) {
        slots.set(index(page.virtualBase(), page.shift()), page);
    }

    /** Fibonacci hashing of the page number; the shift is mixed in so a 2 MiB and a 4 KiB page differ. */
    private int index(long base, int shift) {
        if (indexBits == 0) {
            return 0;
        }
        long page = (base >>> shift) + shift;
        return (int) ((page * 0x9E3779B97F4A7C15L) >>> (Long.SIZE - indexBits));
    }
}
