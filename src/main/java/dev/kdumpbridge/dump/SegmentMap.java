package dev.kdumpbridge.dump;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Address → PT_LOAD lookup for one address space (physical, or kcore's virtual one).
 *
 * <p>Segments may overlap: the kernel-text PT_LOAD of a vmcore lies inside a RAM PT_LOAD, and
 * QEMU paging dumps map one page several times. A lookup therefore considers every segment that
 * contains the address and prefers one whose bytes are in the file. Addresses compare unsigned,
 * because kernel virtual addresses have the top bit set.
 */
final class SegmentMap {

    /**
     * A segment as an interval.
     *
     * @param fileBytes bytes of {@code p_filesz} that the file really holds
     */
    record Entry(long start, long length, long fileOffset, long fileSize, long fileBytes, int index) {
        boolean contains(long address) {
            return Long.compareUnsigned(address - start, length) < 0;
        }

        long last() {
            return start + (length - 1);
        }
    }

    private final Entry[] entries;
    /** Starts with the sign bit flipped, so signed order is unsigned order. */
    private final long[] biasedStarts;
    /** For each i, the highest last address among entries 0..i, biased likewise. */
    private final long[] biasedMaxLast;

    SegmentMap(List<Entry> segments) {
        entries = segments.stream()
                .filter(e -> e.length() != 0)
                .sorted(Comparator.comparingLong(e -> e.start() ^ Long.MIN_VALUE))
                .toArray(Entry[]::new);
        biasedStarts = new long[entries.length];
        biasedMaxLast = new long[entries.length];
        long maxLast = Long.MIN_VALUE;
        for (int i = 0; i < entries.length; i++) {
            biasedStarts[i] = entries[i].start() ^ Long.MIN_VALUE;
            maxLast = Math.max(maxLast, entries[i].last() ^ Long.MIN_VALUE);
            biasedMaxLast[i] = maxLast;
        }
    }

    /** The segment to read {@code address} from, or null if none contains it. */
    Entry find(long address) {
        long key = address ^ Long.MIN_VALUE;
        int i = Arrays.binarySearch(biasedStarts, key);
        if (i < 0) {
            i = -i - 2;
        } else {
            while (i + 1 < entries.length && biasedStarts[i + 1] == key) {
                i++;
            }
        }
        Entry fallback = null;
        for (int j = i; j >= 0 && biasedMaxLast[j] >= key; j--) {
            Entry e = entries[j];
            if (e.contains(address)) {
                if (Long.compareUnsigned(address - e.start(), e.fileBytes()) < 0) {
                    return e;
                }
                if (fallback == null) {
                    fallback = e;
                }
            }
        }
        return fallback;
    }

    /** The union of all segments, sorted; for physical maps only (no wrap past 2^63). */
    List<PhysRange> union() {
        List<PhysRange> out = new ArrayList<>();
        long curStart = 0;
        long curEnd = -1;
        for (Entry e : entries) {
            long end = e.start() + e.length();
            if (curEnd >= 0 && e.start() <= curEnd) {
                curEnd = Math.max(curEnd, end);
            } else {
                if (curEnd >= 0) {
                    out.add(new PhysRange(curStart, curEnd));
                }
                curStart = e.start();
                curEnd = end;
            }
        }
        if (curEnd >= 0) {
            out.add(new PhysRange(curStart, curEnd));
        }
        return out;
    }
}
