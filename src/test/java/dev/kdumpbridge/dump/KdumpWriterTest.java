package dev.kdumpbridge.dump;

import static dev.kdumpbridge.dump.SyntheticDumps.note;
import static dev.kdumpbridge.dump.SyntheticDumps.pageContent;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.dump.SyntheticDumps.Elf;
import dev.kdumpbridge.dump.SyntheticDumps.Kdump;
import dev.kdumpbridge.dump.SyntheticDumps.Kdump.Page;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KdumpWriterTest {
    private static final int PAGE = 4096;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    @TempDir
    Path dir;

    /** Every codec, and none. */
    static Stream<Optional<Compression>> codecs() {
        return Stream.concat(Stream.of(Optional.<Compression>empty()),
                EnumSet.allOf(Compression.class).stream().map(Optional::of));
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static ConvertSummary convert(DumpFile source, Path out, Optional<Compression> codec, boolean zero)
            throws IOException {
        return KdumpWriter.convert(source, out, new ConvertOptions(codec, zero), ConvertListener.NONE);
    }

    /**
     * Every page of {@code [0, pages)} reads the same bytes from both dumps, or fails with the
     * same reason at the same address.
     */
    private static void assertSameMemory(DumpFile expected, DumpFile actual, long pages) throws Exception {
        for (long pfn = 0; pfn < pages; pfn++) {
            long address = pfn * PAGE;
            byte[] want = null;
            MemoryFault wantFault = null;
            try {
                want = expected.read(address, PAGE);
            } catch (MemoryFault f) {
                wantFault = f;
            }
            if (want != null) {
                assertArrayEquals(want, actual.read(address, PAGE), "pfn " + pfn);
            } else {
                MemoryFault got = assertThrows(MemoryFault.class, () -> actual.read(address, PAGE), "pfn " + pfn);
                assertEquals(wantFault.reason(), got.reason(), "pfn " + pfn + ": " + got.getMessage());
                assertEquals(wantFault.address(), got.address(), "pfn " + pfn);
            }
        }
    }

    private static void assertSameNotes(DumpFile expected, DumpFile actual) {
        assertEquals(expected.notes().size(), actual.notes().size());
        for (int i = 0; i < expected.notes().size(); i++) {
            ElfNote a = expected.notes().get(i);
            ElfNote b = actual.notes().get(i);
            assertEquals(a.name(), b.name());
            assertEquals(a.type(), b.type());
            assertArrayEquals(a.descriptor(), b.descriptor(), a.toString());
        }
        assertEquals(expected.vmcoreInfo().orElseThrow().text(), actual.vmcoreInfo().orElseThrow().text());
        assertEquals(expected.prstatus().size(), actual.prstatus().size());
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void aKdumpSourceRoundTripsWithEveryCodec(Optional<Compression> codec) throws Exception {
        Path in = write("in", Kdump.standard().build());
        Path out = dir.resolve("out");
        try (DumpFile source = Dumps.open(in)) {
            ConvertSummary summary = convert(source, out, codec, false);
            // Pages 0-4, 11, 14, 15 have data; 5 and 12 are zero pages (dump level 31 shares
            // them); 10 and 13 are excluded.
            assertEquals(new ConvertSummary(8, 2, 2, 0, Files.size(out)), summary);
            try (DumpFile copy = Dumps.open(out)) {
                assertSameMemory(source, copy, 70);
                assertSameNotes(source, copy);
                DumpInfo info = copy.info();
                assertEquals(codec.map(Set::of).orElse(Set.of()), info.compressions());
                assertFalse(info.incomplete());
                assertFalse(info.flattened());
                assertEquals(List.of(), info.warnings());
                KdumpHeader was = source.info().kdumpHeaders().get(0);
                KdumpHeader is = info.kdumpHeaders().get(0);
                assertEquals(6, is.headerVersion());
                assertEquals(was.utsname(), is.utsname());
                assertEquals(was.timestampSeconds(), is.timestampSeconds());
                assertEquals(was.physBase(), is.physBase());
                assertEquals(31, is.dumpLevel());
                assertEquals(was.maxMapnr(), is.maxMapnr());
                assertEquals(2, is.nrCpus());
                assertFalse(is.split());
            }
        }
        assertFalse(Files.exists(dir.resolve("out.tmp")));
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void anElfSourceRoundTripsWithEveryCodec(Optional<Compression> codec) throws Exception {
        Path in = write("vmcore", Elf.standard().build());
        Path out = dir.resolve("out");
        try (DumpFile source = Dumps.open(in)) {
            ConvertSummary summary = convert(source, out, codec, false);
            // 0x1000-0x3000 and 0x10000 hold data, 0x11000-0x13000 are a filtered tail.
            assertEquals(new ConvertSummary(3, 0, 2, 0, Files.size(out)), summary);
            try (DumpFile copy = Dumps.open(out)) {
                assertSameMemory(source, copy, 24);
                assertSameNotes(source, copy);
                KdumpHeader h = copy.info().kdumpHeaders().get(0);
                assertEquals(new KdumpHeader.Utsname("", "", "6.1.0-test", "", "x86_64", ""), h.utsname());
                assertEquals(436207616L, h.physBase());
                assertEquals(0, h.dumpLevel());
                assertEquals(0x13, h.maxMapnr());
                assertEquals(0, h.timestampSeconds());
            }
        }
    }

    @Test
    void splitAndFlattenedSourcesGiveTheFileTheWholeDumpGives() throws Exception {
        Kdump first = Kdump.standard();
        first.split = true;
        first.endPfn = 5;
        Kdump second = Kdump.standard();
        second.split = true;
        second.startPfn = 5;
        Path a = write("part1", first.build());
        Path b = write("part2", second.build());
        Path flat = write("flat", SyntheticDumps.flatten(Kdump.standard().build(), 7, 3, true));
        Path whole = write("whole", Kdump.standard().build());
        List<byte[]> outputs = new ArrayList<>();
        for (List<Path> in : List.of(List.of(whole), List.of(a, b), List.of(flat))) {
            Path out = dir.resolve("out" + outputs.size());
            try (DumpFile source = Dumps.open(in)) {
                convert(source, out, Optional.of(Compression.ZSTD), false);
            }
            outputs.add(Files.readAllBytes(out));
        }
        assertArrayEquals(outputs.get(0), outputs.get(1), "split");
        assertArrayEquals(outputs.get(0), outputs.get(2), "flattened");
    }

    @Test
    void excludeZeroSharesZeroPagesLikeMakedumpfileD1() throws Exception {
        Elf e = new Elf().notes(SyntheticDumps.standardNotes(LE));
        byte[] data = new byte[4 * PAGE];
        System.arraycopy(pageContent(1, PAGE), 0, data, PAGE, PAGE);
        e.load(0, data, data.length);
        Path in = write("vmcore", e.build());
        Path kept = dir.resolve("kept");
        Path shared = dir.resolve("shared");
        try (DumpFile source = Dumps.open(in)) {
            assertEquals(new ConvertSummary(4, 0, 0, 0, 0),
                    withoutBytes(convert(source, kept, Optional.empty(), false)));
            assertEquals(new ConvertSummary(1, 3, 0, 0, 0),
                    withoutBytes(convert(source, shared, Optional.empty(), true)));
            for (Path out : List.of(kept, shared)) {
                try (DumpFile copy = Dumps.open(out)) {
                    assertSameMemory(source, copy, 5);
                    assertEquals(out == shared ? 1 : 0, copy.info().dumpLevel().orElseThrow());
                }
            }
        }
        // Stored raw: four pages against the shared zero page and one.
        assertEquals(2L * PAGE, Files.size(kept) - Files.size(shared));
    }

    private static ConvertSummary withoutBytes(ConvertSummary s) {
        return new ConvertSummary(s.pagesStored(), s.zeroPages(), s.pagesExcluded(), s.pagesFailed(), 0);
    }

    @Test
    void unreadablePagesAreWrittenAsNotSavedAndReported() throws Exception {
        Kdump k = Kdump.standard();
        k.garbled.add(11L);
        k.unsaved.add(14L);
        Path in = write("damaged", k.build());
        Path out = dir.resolve("out");
        List<MemoryFault> reported = new ArrayList<>();
        try (DumpFile source = Dumps.open(in)) {
            ConvertSummary summary = KdumpWriter.convert(source, out,
                    new ConvertOptions(Optional.of(Compression.SNAPPY), false), new ConvertListener() {
                        @Override
                        public void pageFailed(MemoryFault fault) {
                            reported.add(fault);
                        }
                    });
            assertEquals(6, summary.pagesStored());
            assertEquals(2, summary.pagesFailed());
        }
        assertEquals(List.of(11L * PAGE, 14L * PAGE), reported.stream().map(MemoryFault::address).toList());
        assertEquals(List.of(MemoryFault.Reason.CORRUPT, MemoryFault.Reason.TRUNCATED),
                reported.stream().map(MemoryFault::reason).toList());
        try (DumpFile copy = Dumps.open(out)) {
            assertTrue(copy.info().incomplete());
            for (long pfn : new long[] {11, 14}) {
                MemoryFault fault = assertThrows(MemoryFault.class, () -> copy.read(pfn * PAGE, PAGE));
                assertEquals(MemoryFault.Reason.TRUNCATED, fault.reason(), fault.getMessage());
            }
            for (long pfn : new long[] {0, 1, 2, 3, 4, 15}) {
                assertArrayEquals(pageContent(pfn, PAGE), copy.read(pfn * PAGE, PAGE));
            }
            KdumpCompressedTest.assertFault(copy, 10 * PAGE, MemoryFault.Reason.EXCLUDED);
        }
    }

    @Test
    void refusesToWriteOverAnyOfTheDumpsFiles() throws Exception {
        byte[] bytes = Kdump.standard().build();
        Path in = write("vmcore", bytes);
        Path tmpNamed = write("other.tmp", bytes);
        Path link = Files.createSymbolicLink(dir.resolve("link"), in);
        try (DumpFile source = Dumps.open(in); DumpFile other = Dumps.open(tmpNamed)) {
            for (Path target : List.of(in, dir.resolve("sub/../vmcore"), link)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> convert(source, target, Optional.empty(), false));
                assertTrue(e.getMessage().contains("one of the dump's own files"), e.getMessage());
            }
            // OUT.tmp would be the input.
            assertThrows(IllegalArgumentException.class,
                    () -> convert(other, dir.resolve("other"), Optional.empty(), false));
        }
        assertArrayEquals(bytes, Files.readAllBytes(in));
        assertArrayEquals(bytes, Files.readAllBytes(tmpNamed));
        assertFalse(Files.exists(dir.resolve("vmcore.tmp")));
    }

    @Test
    void replacesAnExistingOutputAndLeavesNothingBehindOnFailure() throws Exception {
        Path in = write("vmcore", Kdump.standard().build());
        Path out = write("out", "an older file".getBytes(StandardCharsets.US_ASCII));
        Files.writeString(dir.resolve("out.tmp"), "left over from a killed run");
        try (DumpFile source = Dumps.open(in)) {
            convert(source, out, Optional.of(Compression.LZO), false);
            try (DumpFile copy = Dumps.open(out)) {
                assertSameMemory(source, copy, 16);
            }
            assertThrows(NoSuchFileException.class,
                    () -> convert(source, dir.resolve("missing/out"), Optional.empty(), false));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(Set.of("vmcore", "out"), files.map(p -> p.getFileName().toString())
                    .collect(java.util.stream.Collectors.toSet()));
        }
    }

    @Test
    void bigEndianDumpsStayBigEndian() throws Exception {
        ByteOrder be = ByteOrder.BIG_ENDIAN;
        Elf e = new Elf().notes(SyntheticDumps.standardNotes(be));
        e.order = be;
        e.machine = 22;
        e.load(0x2000, pageContent(2, PAGE), PAGE);
        Path in = write("s390", e.build());
        Path out = dir.resolve("out");
        try (DumpFile source = Dumps.open(in)) {
            convert(source, out, Optional.of(Compression.ZLIB), false);
            try (DumpFile copy = Dumps.open(out)) {
                assertEquals(be, copy.info().byteOrder());
                assertEquals("s390x", copy.info().machine());
                assertSameMemory(source, copy, 4);
                assertSameNotes(source, copy);
                assertEquals(202, copy.prstatus().get(1).descriptorBuffer().getInt(32));
            }
        }
    }

    @Test
    void vmcoreinfoKeptApartFromTheNotesIsCarriedOver() throws Exception {
        Kdump k = Kdump.standard();
        k.notes = SyntheticDumps.standardNotes(LE).subList(0, 2);
        byte[] bytes = k.build();
        // An old makedumpfile kept VMCOREINFO after the notes, outside them.
        ByteBuffer file = ByteBuffer.wrap(bytes).order(LE);
        long notesEnd = PAGE + 104 + file.getLong(PAGE + 56);
        byte[] text = SyntheticDumps.VMCOREINFO_TEXT.getBytes(StandardCharsets.US_ASCII);
        file.put((int) notesEnd, text);
        file.putLong(PAGE + 32, notesEnd).putLong(PAGE + 40, text.length);
        Path in = write("old", bytes);
        Path out = dir.resolve("out");
        try (DumpFile source = Dumps.open(in)) {
            convert(source, out, Optional.empty(), false);
            try (DumpFile copy = Dumps.open(out)) {
                assertEquals(2, copy.notes().size());
                assertEquals(SyntheticDumps.VMCOREINFO_TEXT, copy.vmcoreInfo().orElseThrow().text());
                assertSameMemory(source, copy, 16);
            }
        }
    }

    /**
     * An ELF vmcore's header gets the kernel's own utsname through the kernel-image PT_LOAD, so
     * that libkdumpfile, which wants every field, can use it; with OFFSET(uts_namespace.name)
     * and, for older kernels, by finding "Linux" after a refcount.
     */
    @ParameterizedTest
    @MethodSource("utsnameLayouts")
    void anElfSourceGetsTheKernelsUtsname(boolean offsetKnown, int nameAt, String release, boolean found)
            throws Exception {
        long kernelVa = 0xffffffff81000000L;
        long initUtsNs = kernelVa + 0x180;
        String vmcoreinfo = "OSRELEASE=6.1.0-test\nPAGESIZE=4096\nNUMBER(phys_base)=-362807296\n"
                + "CRASHTIME=1795328601\nSYMBOL(init_uts_ns)=" + Long.toHexString(initUtsNs) + "\n"
                + (offsetKnown ? "OFFSET(uts_namespace.name)=" + nameAt + "\n" : "");
        String[] uts = {"Linux", "(none)", release, "#1 SMP PREEMPT_DYNAMIC Debian", "x86_64", "(none)"};
        byte[] image = pageContent(0x200, PAGE);
        ByteBuffer b = ByteBuffer.wrap(image);
        java.util.Arrays.fill(image, 0x180, 0x180 + nameAt + 6 * 65, (byte) 0);
        for (int i = 0; i < uts.length; i++) {
            b.put(0x180 + nameAt + i * 65, uts[i].getBytes(StandardCharsets.US_ASCII));
        }
        Elf e = new Elf().notes(List.of(note("CORE", 1, new byte[336], LE),
                note("VMCOREINFO", 0, vmcoreinfo.getBytes(StandardCharsets.US_ASCII), LE)));
        e.load(kernelVa, 0x200000, image, PAGE);
        e.load(0x200000, image, PAGE);
        Path in = write("vmcore", e.build());
        Path out = dir.resolve("out");
        try (DumpFile source = Dumps.open(in)) {
            convert(source, out, Optional.empty(), false);
        }
        try (DumpFile copy = Dumps.open(out)) {
            KdumpHeader h = copy.info().kdumpHeaders().get(0);
            assertEquals(found ? new KdumpHeader.Utsname(uts[0], uts[1], uts[2], uts[3], uts[4], uts[5])
                    : new KdumpHeader.Utsname("", "", "6.1.0-test", "", "x86_64", ""), h.utsname());
            // NUMBER(phys_base) is signed decimal; the sub header holds its two's complement.
            assertEquals(-362807296L, h.physBase());
            assertEquals(1795328601L, h.timestampSeconds());
        }
    }

    static Stream<Arguments> utsnameLayouts() {
        return Stream.of(
                Arguments.of(true, 0, "6.1.0-test", true),
                Arguments.of(false, 4, "6.1.0-test", true),
                Arguments.of(true, 8, "6.1.0-test", true),
                // Not the kernel VMCOREINFO describes: keep what VMCOREINFO says.
                Arguments.of(true, 0, "5.10.0-other", false));
    }

    @Test
    void aDumpOfNoKnownPageSizeOrOfTheLiveKernelIsRefused() throws Exception {
        Elf e = new Elf().notes(List.of(note("CORE", 1, new byte[392], LE)));
        e.machine = 183;
        e.load(0, pageContent(0, PAGE), PAGE);
        Path in = write("arm64", e.build());
        try (DumpFile source = Dumps.open(in)) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> convert(source, dir.resolve("out"), Optional.empty(), false));
            assertTrue(error.getMessage().contains("page size"), error.getMessage());
        }
        e.machine = 62;
        Path x86 = write("x86", e.build());
        try (DumpFile source = Dumps.open(x86)) {
            convert(source, dir.resolve("out"), Optional.empty(), false);
            try (DumpFile copy = Dumps.open(dir.resolve("out"))) {
                assertEquals(PAGE, copy.info().pageSize());
                assertTrue(copy.vmcoreInfo().isEmpty());
                assertSameMemory(source, copy, 2);
            }
        }
        Elf kcore = Elf.standard();
        kcore.notes(List.of(note("CORE", 4, new byte[64], LE)));
        try (DumpFile source = Dumps.open(write("kcore", kcore.build()))) {
            assertEquals(DumpKind.KCORE, source.info().kind());
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> convert(source, dir.resolve("out"), Optional.empty(), false));
            assertTrue(error.getMessage().contains("/proc/kcore"), error.getMessage());
        }
    }

    @Test
    void aPageARangeOnlyStartsInIsKeptAndOneItOnlyEndsInIsNot() throws Exception {
        // e820 ranges rarely fall on page boundaries: 0x1000-0x9fc00 is the classic one.
        Elf e = new Elf().notes(SyntheticDumps.standardNotes(LE));
        byte[] low = new byte[0x1c00];
        System.arraycopy(pageContent(1, PAGE), 0, low, 0, PAGE);
        java.util.Arrays.fill(low, PAGE, low.length, (byte) 0x77);
        e.load(0x1000, low, low.length);
        byte[] high = pageContent(5, 0x1800);
        e.load(0x5800, high, high.length);
        Path in = write("vmcore", e.build());
        Path out = dir.resolve("out");
        try (DumpFile source = Dumps.open(in)) {
            convert(source, out, Optional.of(Compression.ZSTD), false);
        }
        try (DumpFile copy = Dumps.open(out)) {
            assertEquals(List.of(new PhysRange(0x1000, 0x2000), new PhysRange(0x5000, 0x7000)),
                    copy.physicalRanges());
            assertArrayEquals(pageContent(1, PAGE), copy.read(0x1000, PAGE));
            KdumpCompressedTest.assertFault(copy, 0x2000, MemoryFault.Reason.NOT_IN_DUMP);
            byte[] started = copy.read(0x5000, 2 * PAGE);
            assertArrayEquals(new byte[0x800], java.util.Arrays.copyOf(started, 0x800));
            assertArrayEquals(high, java.util.Arrays.copyOfRange(started, 0x800, 2 * PAGE));
        }
    }
}
