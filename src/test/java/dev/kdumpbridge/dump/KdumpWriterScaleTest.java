package dev.kdumpbridge.dump;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.dump.SyntheticDumps.Elf;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's memory does not grow with the dump: a child JVM whose heap is smaller than the
 * per-page state of the source (16 Mi PFNs: one int each would be 64 MiB, the two bitmaps alone
 * 4 MiB) converts a 64 GiB ELF vmcore, half of it filtered RAM whose every page is asked about,
 * half a hole, with four pages of data. Anything sized by the page count dies with
 * OutOfMemoryError.
 */
class KdumpWriterScaleTest {
    private static final long GIB = 1L << 30;
    private static final int PAGE = 4096;
    /** Room for the JVM and the writer's fixed buffers (4 MiB of page data, 384 KiB of descriptors). */
    private static final String HEAP = "-Xmx24m";
    /** Eight million pages probed and classified take seconds; this only catches a hang. */
    private static final long HANG_SECONDS = 120;

    @TempDir
    Path dir;

    /** 0-32 GiB: two pages, then filtered; 32-64 GiB minus two pages: a hole; then two pages. */
    static Elf sparse() {
        Elf e = new Elf().notes(SyntheticDumps.standardNotes(ByteOrder.LITTLE_ENDIAN));
        e.load(0, pages(0, 2), 32 * GIB);
        e.load(64 * GIB - 2 * PAGE, pages((64 * GIB - 2 * PAGE) / PAGE, 2), 2 * PAGE);
        return e;
    }

    private static byte[] pages(long firstPfn, int count) {
        byte[] out = new byte[count * PAGE];
        for (int i = 0; i < count; i++) {
            System.arraycopy(SyntheticDumps.pageContent(firstPfn + i, PAGE), 0, out, i * PAGE, PAGE);
        }
        return out;
    }

    @Test
    void a64GibSparseDumpConvertsInASmallHeap() throws Exception {
        Path in = Files.write(dir.resolve("vmcore"), sparse().build());
        Path out = dir.resolve("out");
        long started = System.nanoTime();
        String output = SmallHeapJvm.run(HEAP, Duration.ofSeconds(HANG_SECONDS), Child.class, in.toString(), out.toString());
        assertTrue(output.contains("converted"), output);
        System.out.printf("64 GiB sparse ELF to kdump in %s: %s, %.1f s with JVM start%n", HEAP, output.strip(),
                (System.nanoTime() - started) / 1e9);
        try (DumpFile copy = Dumps.open(out)) {
            assertEquals(64 * GIB / PAGE, copy.info().kdumpHeaders().get(0).maxMapnr());
            assertEquals(List.of(new PhysRange(0, 32 * GIB), new PhysRange(64 * GIB - 2 * PAGE, 64 * GIB)),
                    copy.physicalRanges());
        }
        // The bitmaps of the hole are never written: the file is sparse on disk.
        assertTrue(Files.size(out) > 4L << 20, "two 2 MiB bitmaps");
    }

    /** Runs in the small heap: converts, then checks what it wrote. */
    static final class Child {
        public static void main(String[] args) throws IOException, MemoryFault {
            Path out = Path.of(args[1]);
            try (DumpFile source = Dumps.open(List.of(Path.of(args[0])), new DumpOptions(0, false))) {
                ConvertSummary summary = KdumpWriter.convert(source, out,
                        new ConvertOptions(Optional.of(Compression.ZSTD), true), ConvertListener.NONE);
                long excluded = 32 * GIB / PAGE - 2;
                if (!summary.equals(new ConvertSummary(4, 0, excluded, 0, summary.bytes()))) {
                    throw new AssertionError(summary.toString());
                }
            }
            try (DumpFile copy = Dumps.open(out)) {
                for (long pfn : new long[] {0, 1, 64 * GIB / PAGE - 2, 64 * GIB / PAGE - 1}) {
                    if (!Arrays.equals(SyntheticDumps.pageContent(pfn, PAGE), copy.read(pfn * PAGE, PAGE))) {
                        throw new AssertionError("pfn " + pfn + ": wrong bytes");
                    }
                }
                for (long address : new long[] {2 * PAGE, 32 * GIB - PAGE}) {
                    if (copy.probe(address).orElseThrow().reason() != MemoryFault.Reason.EXCLUDED) {
                        throw new AssertionError(Long.toHexString(address) + " is not excluded");
                    }
                }
                if (copy.probe(48 * GIB).orElseThrow().reason() != MemoryFault.Reason.NOT_IN_DUMP) {
                    throw new AssertionError("48 GiB is not a hole");
                }
            }
            long peak = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(pool -> pool.getType() == MemoryType.HEAP)
                    .mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
            System.out.println("converted, peak heap " + peak / 1024 + " KiB");
        }
    }
}
