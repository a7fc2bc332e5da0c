package dev.kdumpbridge.kernel.dwarf;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Address ranges, each carrying a value, sorted for binary search: compile units by
 * {@code .debug_aranges}, line-table sequences by their first and end addresses. Ranges may
 * overlap (a discarded function's sequence keeps its place at the linker's tombstone address);
 * the range that starts last among those holding an address wins. Addresses are unsigned, as
 * kernel text at {@code 0xffffffff81000000} needs. Immutable once built.
 */
final class AddressRanges {
    private final long[] starts;
    private final long[] lengths;
    /** Highest last address of ranges 0..i: where walking back from i can stop. */
    private final long[] highestLast;
    private final long[] values;

    private AddressRanges(long[] starts, long[] lengths, long[] values) {
        this.starts = starts;
        this.lengths = lengths;
        this.values = values;
        this.highestLast = new long[starts.length];
        for (int i = 0; i < starts.length; i++) {
            long last = starts[i] + lengths[i] - 1;
            highestLast[i] = i > 0 && Long.compareUnsigned(highestLast[i - 1], last) > 0 ? highestLast[i - 1] : last;
        }
    }

    /** The value of the range holding {@code address}, or -1 when none does. */
    long find(long address) {
        int low = 0;
        int high = starts.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (Long.compareUnsigned(starts[mid], address) <= 0) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        for (int i = low - 1; i >= 0 && Long.compareUnsigned(highestLast[i], address) >= 0; i--) {
            if (Long.compareUnsigned(address - starts[i], lengths[i]) < 0) {
                return values[i];
            }
        }
        return -1;
    }

    /** Whether {@code [start, start + length)} runs past the top of the address space. */
    static boolean wraps(long start, long length) {
        return length != 0 && Long.compareUnsigned(length - 1, -1L - start) > 0;
    }

    /** Collects ranges in any order. */
    static final class Builder {
        private long[] starts = new long[16];
        private long[] lengths = new long[16];
        private long[] values = new long[16];
        private int count;

        /**
         * Adds {@code [start, start + length)}, which must not {@linkplain #wraps wrap}; an empty
         * range is dropped.
         *
         * @param value not negative: -1 is {@link #find}'s "none"
         */
        void add(long start, long length, long value) {
            if (wraps(start, length)) {
                throw new IllegalArgumentException("range 0x" + Long.toHexString(start) + " + 0x"
                        + Long.toHexString(length) + " wraps");
            }
            if (length == 0) {
                return;
            }
            if (count == starts.length) {
                starts = Arrays.copyOf(starts, count * 2);
                lengths = Arrays.copyOf(lengths, count * 2);
                values = Arrays.copyOf(values, count * 2);
            }
            starts[count] = start;
            lengths[count] = length;
            values[count] = value;
            count++;
        }

        AddressRanges build() {
            long[] sortedStarts = starts;
            int[] order = IntStream.range(0, count).boxed()
                    .sorted(Comparator.comparing((Integer i) -> sortedStarts[i], Long::compareUnsigned))
                    .mapToInt(Integer::intValue).toArray();
            long[] s = new long[count];
            long[] l = new long[count];
            long[] v = new long[count];
            for (int i = 0; i < count; i++) {
                s[i] = starts[order[i]];
                l[i] = lengths[order[i]];
                v[i] = values[order[i]];
            }
            return new AddressRanges(s, l, v);
        }
    }
}
