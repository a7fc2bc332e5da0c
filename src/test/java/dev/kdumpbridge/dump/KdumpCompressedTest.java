package dev.kdumpbridge.dump;

import static dev.kdumpbridge.dump.SyntheticDumps.pageContent;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.dump.SyntheticDumps.Kdump;
import dev.kdumpbridge.dump.SyntheticDumps.Kdump.Page;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class KdumpCompressedTest {
    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private DumpFile openStandard() throws IOException {
        return Dumps.open(write("dump", Kdump.standard().build()));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 2, 3, 4, 11, 14, 15})
    void storedPagesReadBackWhateverTheirCodec(long pfn) throws Exception {
        try (DumpFile dump = openStandard()) {
            assertArrayEquals(pageContent(pfn, PAGE), dump.read(pfn * PAGE, PAGE));
            assertEquals(Optional.empty(), dump.probe(pfn * PAGE + 17));
        }
    }

    @Test
    void sharedZeroPagesReadAsZeros() throws Exception {
        try (DumpFile dump = openStandard()) {
            assertArrayEquals(new byte[PAGE], dump.read(5 * PAGE, PAGE));
            assertArrayEquals(new byte[PAGE], dump.read(12 * PAGE, PAGE));
        }
    }

    @Test
    void eachMissingPageSaysWhy() throws Exception {
        try (DumpFile dump = openStandard()) {
            assertFault(dump, 10 * PAGE + 5, MemoryFault.Reason.EXCLUDED);
            assertFault(dump, 7 * PAGE, MemoryFault.Reason.NOT_IN_DUMP);
            assertFault(dump, 64L * PAGE, MemoryFault.Reason.NOT_IN_DUMP);
            assertFault(dump, 1L << 50, MemoryFault.Reason.NOT_IN_DUMP);
            assertFault(dump, -4096, MemoryFault.Reason.NOT_IN_DUMP);
            assertEquals(MemoryFault.Reason.EXCLUDED, dump.probe(13 * PAGE).orElseThrow().reason());
            assertEquals(MemoryFault.Reason.NOT_IN_DUMP, dump.probe(20 * PAGE).orElseThrow().reason());
        }
    }

    static void assertFault(DumpFile dump, long address, MemoryFault.Reason reason) {
        MemoryFault fault = assertThrows(MemoryFault.class, () -> dump.read(address, 8));
        assertEquals(reason, fault.reason(), fault.getMessage());
        assertEquals(address, fault.address());
    }

    @Test
    void aReadAcrossPagesFillsUpToTheFirstMissingByte() throws Exception {
        try (DumpFile dump = openStandard()) {
            byte[] buf = new byte[3 * PAGE];
            long start = 8 * PAGE + 100;
            MemoryFault hole = assertThrows(MemoryFault.class, () -> dump.read(start, buf, 0, buf.length));
            assertEquals(start, hole.address());

            long from = 11 * PAGE + 100;
            MemoryFault fault = assertThrows(MemoryFault.class, () -> dump.read(from, buf, 0, buf.length));
            assertEquals(13L * PAGE, fault.address());
            assertEquals(MemoryFault.Reason.EXCLUDED, fault.reason());
            byte[] expected = new byte[2 * PAGE - 100];
            System.arraycopy(pageContent(11, PAGE), 100, expected, 0, PAGE - 100);
            byte[] got = java.util.Arrays.copyOf(buf, expected.length);
            assertArrayEquals(expected, got, "page 11 tail and the zero page 12 before the fault");
        }
    }

    @Test
    void describesItself() throws Exception {
        try (DumpFile dump = openStandard()) {
            DumpInfo info = dump.info();
            assertEquals(DumpKind.KDUMP_COMPRESSED, info.kind());
            assertEquals("kdump-compressed", info.formatName());
            assertEquals(Set.of(Compression.ZLIB), info.compressions());
            assertEquals(31, info.dumpLevel().orElseThrow());
            assertEquals(6, info.headerVersion().orElseThrow());
            assertEquals(PAGE, info.pageSize());
            assertEquals("x86_64", info.machine());
            assertEquals(ByteOrder.LITTLE_ENDIAN, info.byteOrder());
            assertFalse(info.incomplete());
            assertFalse(info.flattened());
            assertEquals(List.of(), info.warnings());
            KdumpHeader h = info.kdumpHeaders().get(0);
            assertEquals("6.1.0-test", h.utsname().release());
            assertEquals(0x1000000L, h.physBase());
            assertEquals(64, h.maxMapnr());
        }
    }

    @Test
    void notesAndVmcoreinfoComeFromTheSubHeader() throws Exception {
        try (DumpFile dump = openStandard()) {
            assertEquals(3, dump.notes().size());
            List<ElfNote> prstatus = dump.prstatus();
            assertEquals(2, prstatus.size());
            assertEquals(101, prstatus.get(0).descriptorBuffer().getInt(32));
            assertEquals(202, prstatus.get(1).descriptorBuffer().getInt(32));
            VmcoreInfo vi = dump.vmcoreInfo().orElseThrow();
            assertEquals(SyntheticDumps.VMCOREINFO_TEXT, vi.text());
            assertEquals("6.1.0-test", vi.get("OSRELEASE").orElseThrow());
        }
    }

    @Test
    void physicalRangesFollowTheRamBitmap() throws Exception {
        try (DumpFile dump = openStandard()) {
            assertEquals(List.of(new PhysRange(0, 6 * PAGE), new PhysRange(10 * PAGE, 16 * PAGE)),
                    dump.physicalRanges());
        }
    }

    @Test
    void anIncompleteDumpReportsUnsavedPagesAsTruncated() throws Exception {
        Kdump k = Kdump.standard();
        k.status |= KdumpHeader.STATUS_INCOMPLETE;
        k.unsaved.addAll(List.of(14L, 15L));
        try (DumpFile dump = Dumps.open(write("incomplete", k.build()))) {
            assertTrue(dump.info().incomplete());
            assertFault(dump, 14 * PAGE, MemoryFault.Reason.TRUNCATED);
            assertEquals(MemoryFault.Reason.TRUNCATED, dump.probe(15 * PAGE).orElseThrow().reason());
            assertArrayEquals(pageContent(11, PAGE), dump.read(11 * PAGE, PAGE));
        }
    }

    @ParameterizedTest
    @EnumSource(value = Page.class, names = {"ZLIB", "LZO", "SNAPPY", "ZSTD"})
    void damagedPageDataIsCorruptNotZeros(Page codec) throws Exception {
        Kdump k = new Kdump().page(0, codec).page(1, Page.RAW);
        k.garbled.add(0L);
        try (DumpFile dump = Dumps.open(write("garbled", k.build()))) {
            MemoryFault fault = assertThrows(MemoryFault.class, () -> dump.read(0, 8));
            assertEquals(MemoryFault.Reason.CORRUPT, fault.reason(), fault.getMessage());
            assertTrue(fault.getMessage().contains(codec.name().toLowerCase(java.util.Locale.ROOT)), fault.getMessage());
            assertArrayEquals(pageContent(1, PAGE), dump.read(PAGE, PAGE));
        }
    }

    @Test
    void aPageDecompressingToTheWrongSizeIsNamedPrecisely() throws Exception {
        Kdump k = new Kdump().page(0, Page.ZLIB);
        byte[] file = k.build();
        // Swap in a zlib stream of half a page, keeping the descriptor's size in step.
        byte[] half = Kdump.compress(Page.ZLIB, pageContent(0, PAGE / 2));
        long dataOffset = (1 + 1 + 2) * PAGE;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        long at = b.getLong((int) dataOffset);
        b.putInt((int) dataOffset + 8, half.length);
        b.put((int) at, half);
        try (DumpFile dump = Dumps.open(write("short", file))) {
            MemoryFault fault = assertThrows(MemoryFault.class, () -> dump.read(0, 8));
            assertEquals(MemoryFault.Reason.CORRUPT, fault.reason());
            assertTrue(fault.getMessage().contains("expected block_size 4096") || fault.getMessage().contains("ends early"),
                    fault.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5})
    void olderHeaderVersionsUseTheirOwnFields(int version) throws Exception {
        Kdump k = Kdump.standard();
        k.headerVersion = version;
        try (DumpFile dump = Dumps.open(write("v" + version, k.build()))) {
            assertArrayEquals(pageContent(15, PAGE), dump.read(15 * PAGE, PAGE));
            assertEquals(version >= 3, dump.vmcoreInfo().isPresent());
            assertEquals(version >= 4 ? 2 : 0, dump.prstatus().size());
        }
    }

    @Test
    void bigEndianProducersAreReadInTheirOrder() throws Exception {
        Kdump k = Kdump.standard();
        k.order = ByteOrder.BIG_ENDIAN;
        try (DumpFile dump = Dumps.open(write("be", k.build()))) {
            assertEquals(ByteOrder.BIG_ENDIAN, dump.info().byteOrder());
            assertArrayEquals(pageContent(4, PAGE), dump.read(4 * PAGE, PAGE));
            assertEquals(202, dump.prstatus().get(1).descriptorBuffer().getInt(32));
        }
    }

    @Test
    void largerBlocksAndManyPagesKeepTheirRank() throws Exception {
        // Spread over several 4096-PFN rank chunks so the prefix index is exercised.
        Kdump k = new Kdump();
        k.blockSize = 1024;
        k.maxMapnr = 20_000;
        for (long pfn = 0; pfn < 20_000; pfn += 7) {
            k.page(pfn, pfn % 3 == 0 ? Page.EXCLUDED : pfn % 5 == 0 ? Page.ZERO : Page.ZLIB);
        }
        try (DumpFile dump = Dumps.open(write("many", k.build()))) {
            for (long pfn = 0; pfn < 20_000; pfn += 7) {
                Page kind = k.pages.get(pfn);
                if (kind == Page.EXCLUDED) {
                    assertFault(dump, pfn * 1024, MemoryFault.Reason.EXCLUDED);
                } else {
                    byte[] expect = kind == Page.ZERO ? new byte[1024] : pageContent(pfn, 1024);
                    assertArrayEquals(expect, dump.read(pfn * 1024, 1024), "pfn " + pfn);
                }
            }
        }
    }

    @Test
    void concurrentReadersSeeTheirOwnPages() throws Exception {
        Kdump k = new Kdump();
        k.maxMapnr = 512;
        for (long pfn = 0; pfn < 512; pfn++) {
            k.page(pfn, Page.values()[(int) (pfn % 5)]);
        }
        Path file = write("busy", k.build());
        try (DumpFile dump = Dumps.open(List.of(file), new DumpOptions(8, true))) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> work = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int seed = t;
                    work.add(pool.submit(() -> {
                        java.util.Random r = new java.util.Random(seed);
                        for (int i = 0; i < 2000; i++) {
                            long pfn = r.nextInt(512);
                            assertArrayEquals(pageContent(pfn, PAGE), dump.read(pfn * PAGE, PAGE));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : work) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void withoutACacheTheBytesAreTheSame() throws Exception {
        Path file = write("nocache", Kdump.standard().build());
        try (DumpFile dump = Dumps.open(List.of(file), new DumpOptions(0, false))) {
            for (long pfn : new long[] {0, 1, 2, 3, 4, 1, 0}) {
                assertArrayEquals(pageContent(pfn, PAGE), dump.read(pfn * PAGE, PAGE));
            }
        }
    }
}
