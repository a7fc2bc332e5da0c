package dev.kdumpbridge.dump;

import static dev.kdumpbridge.dump.SyntheticDumps.pageContent;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.dump.SyntheticDumps.Kdump;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplitTest {
    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    private static Kdump part(long start, long end) {
        Kdump k = Kdump.standard();
        k.split = true;
        k.startPfn = start;
        k.endPfn = end;
        return k;
    }

    private Path write(String name, Kdump k) throws Exception {
        return Files.write(dir.resolve(name), k.build());
    }

    private static void assertWholeDump(DumpFile dump) throws Exception {
        for (long pfn : new long[] {0, 1, 2, 3, 4, 11, 14, 15}) {
            assertArrayEquals(pageContent(pfn, PAGE), dump.read(pfn * PAGE, PAGE), "pfn " + pfn);
        }
        assertArrayEquals(new byte[PAGE], dump.read(12 * PAGE, PAGE));
        KdumpCompressedTest.assertFault(dump, 10 * PAGE, MemoryFault.Reason.EXCLUDED);
    }

    @Test
    void partsGivenInAnyOrderAreSortedByStartPfn() throws Exception {
        Path second = write("vmcore-2", part(5, 64));
        Path first = write("vmcore-1", part(0, 5));
        try (DumpFile dump = Dumps.open(List.of(second, first))) {
            assertEquals(List.of(first, second), dump.info().files());
            assertEquals("kdump-compressed (split, 2 parts)", dump.info().formatName());
            assertFalse(dump.info().incomplete());
            assertWholeDump(dump);
            byte[] acrossParts = dump.read(5 * PAGE - 8, 16);
            byte[] expected = new byte[16];
            System.arraycopy(pageContent(4, PAGE), PAGE - 8, expected, 0, 8);
            assertArrayEquals(expected, acrossParts, "the tail of pfn 4, then the zero page 5");
        }
    }

    @Test
    void onePartFindsItsSiblingsByTheirHeaders() throws Exception {
        Path first = write("a", part(0, 5));
        write("b", part(5, 12));
        write("c", part(12, 64));
        Kdump otherCrash = part(0, 64);
        otherCrash.timestamp++;
        write("other-crash", otherCrash);
        write("whole", Kdump.standard());
        Files.writeString(dir.resolve("notes.txt"), "not a dump");
        try (DumpFile dump = Dumps.open(first)) {
            assertEquals(List.of(dir.resolve("a"), dir.resolve("b"), dir.resolve("c")),
                    dump.info().files().stream().map(p -> p.toAbsolutePath()).toList());
            assertWholeDump(dump);
        }
    }

    @Test
    void aMissingPartLeavesItsPagesTruncated() throws Exception {
        Path first = write("only", part(0, 11));
        try (DumpFile dump = Dumps.open(first)) {
            assertTrue(dump.info().incomplete());
            assertTrue(dump.info().warnings().stream().anyMatch(w -> w.contains("no part covers pfn 11 to 64")),
                    dump.info().warnings().toString());
            assertArrayEquals(pageContent(4, PAGE), dump.read(4 * PAGE, PAGE));
            KdumpCompressedTest.assertFault(dump, 14 * PAGE, MemoryFault.Reason.TRUNCATED);
            KdumpCompressedTest.assertFault(dump, 20 * PAGE, MemoryFault.Reason.NOT_IN_DUMP);
        }
    }

    @Test
    void partsOfDifferentCrashesAreRefused() throws Exception {
        Path first = write("x1", part(0, 11));
        Kdump later = part(11, 64);
        later.timestamp++;
        Path second = write("x2", later);
        DumpFormatException e = assertThrows(DumpFormatException.class, () -> Dumps.open(List.of(first, second)));
        assertTrue(e.getMessage().contains("not a part of the same dump"), e.getMessage());
    }

    @Test
    void aCompleteDumpIsNotASplitPart() throws Exception {
        Path whole = write("whole", Kdump.standard());
        Path first = write("p1", part(0, 11));
        DumpFormatException e = assertThrows(DumpFormatException.class, () -> Dumps.open(List.of(first, whole)));
        assertTrue(e.getMessage().contains("split=0"), e.getMessage());
    }

    @Test
    void overlappingPartsAreRefused() throws Exception {
        Path first = write("o1", part(0, 12));
        Path second = write("o2", part(11, 64));
        DumpFormatException e = assertThrows(DumpFormatException.class, () -> Dumps.open(List.of(first, second)));
        assertTrue(e.getMessage().contains("overlapping"), e.getMessage());
    }

    @Test
    void theSameFileTwiceCountsOnce() throws Exception {
        Path first = write("d1", part(0, 11));
        Path second = write("d2", part(11, 64));
        try (DumpFile dump = Dumps.open(List.of(first, second, first))) {
            assertEquals(2, dump.info().files().size());
        }
    }
}
