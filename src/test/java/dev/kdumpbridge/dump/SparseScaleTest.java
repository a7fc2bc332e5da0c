package dev.kdumpbridge.dump;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.dump.SyntheticDumps.Kdump;
import dev.kdumpbridge.dump.SyntheticDumps.Kdump.Page;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dump of a huge machine opens by reading its headers, and a read builds only the index it
 * needs: no object per page, no buffer the size of a bitmap. Proved by a child JVM whose whole
 * heap is smaller than one bitmap of a 1 TiB dump, so anything sized by max_mapnr dies with
 * OutOfMemoryError. Not timed: {@link #HANG} only catches a hang.
 */
class SparseScaleTest {
    private static final long ADDRESS_SPACE = 1L << 40;
    private static final int PRESENT = 4096;
    /**
     * One bitmap of ADDRESS_SPACE in 4 KiB pages is 32 MiB, and 2^28 pages leave no room for an
     * object each; what the reader really keeps (a prefix count per 4096 PFNs, 256 cached pages)
     * is under 2 MiB.
     */
    private static final String HEAP = "-Xmx24m";
    private static final Duration HANG = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void aTerabyteSparseDumpOpensAndReadsInASmallHeap() throws Exception {
        Path file = Kdump.sparse(ADDRESS_SPACE, PRESENT).image().write(dir.resolve("sparse-1TiB.kdump"));
        assertTrue(Files.size(file) > ADDRESS_SPACE / 4096 / 8 * 2, "the bitmaps have their real size");

        String output = SmallHeapJvm.run(HEAP, HANG, Child.class, file.toString());
        assertTrue(output.contains("read " + PRESENT + " pages"), output);
        System.out.println("1 TiB sparse dump in " + HEAP + ": " + output.strip());
    }

    /** Runs in the small heap: opens, lists RAM, reads every page the dump describes. */
    static final class Child {
        public static void main(String[] args) throws IOException {
            Kdump expected = Kdump.sparse(ADDRESS_SPACE, PRESENT);
            try (DumpFile dump = Dumps.open(List.of(Path.of(args[0])), new DumpOptions(256, false))) {
                int ranges = dump.physicalRanges().size();
                // Top page first: its rank needs the prefix count of the whole bitmap at once.
                for (Map.Entry<Long, Page> page : expected.pages.descendingMap().entrySet()) {
                    check(dump, page.getKey(), page.getValue());
                }
                long hole = expected.pages.firstKey() + 100;
                check(dump, hole, null);
                // What stays reachable with the dump open and its index built, garbage collected.
                System.gc();
                long live = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
                System.out.println("read " + expected.pages.size() + " pages, " + ranges + " RAM ranges, live heap "
                        + live / 1024 + " KiB");
            }
        }

        private static void check(DumpFile dump, long pfn, Page kind) throws IOException {
            long address = pfn * 4096;
            try {
                byte[] got = dump.read(address, 4096);
                byte[] want = kind == Page.ZERO ? new byte[4096] : SyntheticDumps.pageContent(pfn, 4096);
                if (kind == null || kind == Page.EXCLUDED || !Arrays.equals(got, want)) {
                    throw new AssertionError("pfn " + pfn + " (" + kind + "): wrong bytes");
                }
            } catch (MemoryFault fault) {
                MemoryFault.Reason reason = kind == null ? MemoryFault.Reason.NOT_IN_DUMP : MemoryFault.Reason.EXCLUDED;
                if (kind != null && kind != Page.EXCLUDED || fault.reason() != reason) {
                    throw new AssertionError("pfn " + pfn + " (" + kind + "): " + fault.getMessage());
                }
            }
        }
    }
}
