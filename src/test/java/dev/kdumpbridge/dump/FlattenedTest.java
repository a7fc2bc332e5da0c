package dev.kdumpbridge.dump;

import static dev.kdumpbridge.dump.SyntheticDumps.pageContent;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.dump.SyntheticDumps.Kdump;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FlattenedTest {
    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void shuffledRecordsReadLikeTheRearrangedFile(long seed) throws Exception {
        byte[] plain = Kdump.standard().build();
        Path flat = Files.write(dir.resolve("flat"), SyntheticDumps.flatten(plain, seed, 0, true));
        Path rearranged = Files.write(dir.resolve("plain"), plain);
        try (DumpFile a = Dumps.open(flat); DumpFile b = Dumps.open(rearranged)) {
            assertTrue(a.info().flattened());
            assertEquals("kdump-compressed (flattened)", a.info().formatName());
            assertFalse(a.info().incomplete());
            assertEquals(b.vmcoreInfo().orElseThrow().text(), a.vmcoreInfo().orElseThrow().text());
            for (long pfn = 0; pfn < 16; pfn++) {
                assertEquals(b.probe(pfn * PAGE).map(MemoryFault::reason), a.probe(pfn * PAGE).map(MemoryFault::reason));
                if (b.probe(pfn * PAGE).isEmpty()) {
                    assertArrayEquals(b.read(pfn * PAGE, PAGE), a.read(pfn * PAGE, PAGE), "pfn " + pfn);
                }
            }
        }
    }

    @Test
    void laterRecordsWinWhereTheyOverlap() throws Exception {
        byte[] plain = Kdump.standard().build();
        Path flat = Files.write(dir.resolve("decoys"), SyntheticDumps.flatten(plain, 7, 40, true));
        try (DumpFile dump = Dumps.open(flat)) {
            for (long pfn : new long[] {0, 1, 2, 3, 4, 11, 14, 15}) {
                assertArrayEquals(pageContent(pfn, PAGE), dump.read(pfn * PAGE, PAGE));
            }
        }
    }

    @Test
    void indexResolvesOverlapsByStreamOrder() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(flatHeader(1));
        SyntheticDumps.writeRecord(out, 0, filled(100, 'a'));
        SyntheticDumps.writeRecord(out, 10, filled(10, 'b'));
        SyntheticDumps.writeRecord(out, 95, filled(10, 'c'));
        SyntheticDumps.writeRecord(out, 200, filled(5, 'd'));
        SyntheticDumps.writeRecord(out, 5, filled(2, 'e'));
        out.writeBytes(ByteBuffer.allocate(16).putLong(-1).putLong(-1).array());
        Path flat = Files.write(dir.resolve("overlap"), out.toByteArray());
        try (FlattenedSource src = FlattenedSource.index(FileSource.open(flat), new java.util.ArrayList<>())) {
            assertEquals(205, src.size());
            ByteBuffer all = ByteBuffer.allocate(300);
            assertEquals(205, src.read(0, all));
            byte[] expected = new byte[205];
            Arrays.fill(expected, 0, 100, (byte) 'a');
            Arrays.fill(expected, 10, 20, (byte) 'b');
            Arrays.fill(expected, 95, 105, (byte) 'c');
            Arrays.fill(expected, 200, 205, (byte) 'd');
            Arrays.fill(expected, 5, 7, (byte) 'e');
            assertArrayEquals(expected, Arrays.copyOf(all.array(), 205), "gap 105..200 reads as zeros");
            ByteBuffer mid = ByteBuffer.allocate(8);
            src.read(96, mid);
            assertArrayEquals("cccccccc".getBytes(), mid.array());
        }
    }

    @Test
    void aStreamWithoutEndMarkerOpensAsIncomplete() throws Exception {
        byte[] plain = Kdump.standard().build();
        Path flat = Files.write(dir.resolve("cut"), SyntheticDumps.flatten(plain, 4, 0, false));
        try (DumpFile dump = Dumps.open(flat)) {
            assertTrue(dump.info().incomplete());
            assertTrue(dump.info().warnings().stream().anyMatch(w -> w.contains("no end marker")), dump.info().warnings().toString());
            assertArrayEquals(pageContent(1, PAGE), dump.read(PAGE, PAGE));
        }
    }

    @Test
    void aNegativeRecordHeaderIsRejected() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(flatHeader(1));
        out.writeBytes(ByteBuffer.allocate(16).putLong(-5).putLong(10).array());
        Path flat = Files.write(dir.resolve("negative"), out.toByteArray());
        DumpFormatException e = assertThrows(DumpFormatException.class, () -> Dumps.open(flat));
        assertTrue(e.getMessage().contains("offset 4096"), e.getMessage());
    }

    @Test
    void anotherFlatHeaderTypeIsRejected() throws Exception {
        Path flat = Files.write(dir.resolve("type2"), flatHeader(2));
        DumpFormatException e = assertThrows(DumpFormatException.class, () -> Dumps.open(flat));
        assertTrue(e.getMessage().contains("type 2"), e.getMessage());
    }

    private static byte[] flatHeader(long type) {
        byte[] header = new byte[4096];
        ByteBuffer.wrap(header).put("makedumpfile".getBytes()).putLong(16, type).putLong(24, 1);
        return header;
    }

    private static byte[] filled(int n, char c) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }
}
