package dev.kdumpbridge.memory;

import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.MemoryFault;
import dev.kdumpbridge.dump.PhysRange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How many of the dumped machine's RAM pages the dump holds, and why the others are missing:
 * what crash's {@code help -D} and makedumpfile's report show, for {@code info}.
 *
 * <p>Counted by asking the dump about every page ({@link DumpFile#probe}), which reads bitmaps
 * and descriptors but no page data. That is linear in the RAM size; counting the set bits of
 * the bitmaps in the dump layer would be faster, and is the better home for this once that
 * layer offers it.
 *
 * @param pageSize  bytes per page
 * @param ramPages  pages inside the RAM ranges the dump describes
 * @param stored    pages whose contents are in the dump
 * @param excluded  pages makedumpfile filtered out ({@code -d})
 * @param truncated pages the dump should hold but does not: incomplete dump, missing split part
 * @param other     pages that are neither (a hole inside a RAM range)
 */
public record PageCensus(int pageSize, long ramPages, long stored, long excluded, long truncated, long other) {

    /** Page frames {@code [first, end)}. */
    private record Frames(long first, long end) {
    }

    /**
     * Counts the pages of {@code dump}, or returns empty without probing when its page size is
     * unknown or it has more than {@code maxPages} pages of RAM.
     */
    public static Optional<PageCensus> count(DumpFile dump, long maxPages) throws IOException {
        int pageSize = dump.info().pageSize();
        if (pageSize <= 0) {
            return Optional.empty();
        }
        List<Frames> frames = frames(dump.physicalRanges(), pageSize);
        long ram = frames.stream().mapToLong(f -> f.end() - f.first()).sum();
        if (ram > maxPages) {
            return Optional.empty();
        }
        long stored = 0;
        long excluded = 0;
        long truncated = 0;
        long other = 0;
        for (Frames run : frames) {
            for (long pfn = run.first(); pfn < run.end(); pfn++) {
                Optional<MemoryFault> fault = dump.probe(pfn * pageSize);
                if (fault.isEmpty()) {
                    stored++;
                } else if (fault.get().reason() == MemoryFault.Reason.EXCLUDED) {
                    excluded++;
                } else if (fault.get().reason() == MemoryFault.Reason.TRUNCATED) {
                    truncated++;
                } else {
                    other++;
                }
            }
        }
        return Optional.of(new PageCensus(pageSize, ram, stored, excluded, truncated, other));
    }

    /**
     * The page frames the ranges touch, each once: ELF segments need not start or end on a page
     * boundary, so two of them can share a page.
     */
    private static List<Frames> frames(List<PhysRange> ranges, int pageSize) {
        List<Frames> out = new ArrayList<>();
        long next = 0;
        for (PhysRange range : ranges) {
            if (range.size() == 0) {
                continue;
            }
            long first = Math.max(next, range.start() / pageSize);
            long end = (range.end() - 1) / pageSize + 1;
            if (first < end) {
                out.add(new Frames(first, end));
                next = end;
            }
        }
        return out;
    }
}
