package dev.kdumpbridge.dump;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every real fixture converts, and the result holds what its source holds: the same bytes in
 * every page, the same faults where there are none, the same notes. Where makedumpfile wrote the
 * same dump, the headers, notes and bitmaps match its file byte for byte. (That crash and drgn
 * read the converted dumps as they read the sources is protocol-tests/fixtures/convert-x86_64.sh's.)
 */
class ConvertFixturesIT {
    private static final List<Optional<Compression>> CODECS = List.of(Optional.of(Compression.ZSTD),
            Optional.of(Compression.SNAPPY), Optional.of(Compression.LZO), Optional.of(Compression.ZLIB),
            Optional.empty());

    @TempDir
    Path dir;

    static List<Dump> dumps() {
        return Fixtures.dumps();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void convertedDumpsHoldWhatTheirSourceHolds(Dump fixture) throws Exception {
        // Each fixture gets a codec, so that the five are all used on real pages.
        Optional<Compression> codec = CODECS.get(Math.floorMod(fixture.id().hashCode(), CODECS.size()));
        Path out = dir.resolve(fixture.id());
        try (DumpFile source = Dumps.open(fixture.files())) {
            ConvertSummary summary = KdumpWriter.convert(source, out, new ConvertOptions(codec, false),
                    ConvertListener.NONE);
            assertEquals(0, summary.pagesFailed(), summary.toString());
            try (DumpFile copy = Dumps.open(out)) {
                assertFalse(copy.info().incomplete());
                assertEquals(codec.map(Set::of).orElse(Set.of()), copy.info().compressions());
                assertEquals(source.notes().size(), copy.notes().size());
                for (int i = 0; i < source.notes().size(); i++) {
                    assertArrayEquals(Notes.encode(source.notes().get(i)), Notes.encode(copy.notes().get(i)));
                }
                assertEquals(source.vmcoreInfo().map(VmcoreInfo::text), copy.vmcoreInfo().map(VmcoreInfo::text));
                assertSameMemory(source, copy);
            }
        }
    }

    /**
     * Each whole page of the source's RAM reads the same from the copy, or faults for the same
     * reason. A page RAM only partly covers (an e820 range ending at 0x9fc00) is either not RAM in
     * the copy, as makedumpfile decides for a page a range only ends in, or holds the same bytes
     * where the source has them.
     */
    private static void assertSameMemory(DumpFile source, DumpFile copy) throws IOException, MemoryFault {
        int page = copy.info().pageSize();
        byte[] want = new byte[page];
        long checked = 0;
        for (PhysRange r : source.physicalRanges()) {
            for (long at = r.start() / page * page; at < r.end(); at += page) {
                long address = at;
                long from = Math.max(at, r.start());
                long to = Math.min(at + page, r.end());
                if (to - from < page) {
                    Optional<MemoryFault> fault = copy.probe(at);
                    if (fault.isPresent()) {
                        assertEquals(MemoryFault.Reason.NOT_IN_DUMP, fault.get().reason());
                    } else {
                        assertArrayEquals(source.read(from, (int) (to - from)), copy.read(from, (int) (to - from)));
                    }
                    continue;
                }
                MemoryFault fault = null;
                try {
                    source.read(address, want, 0, page);
                } catch (MemoryFault f) {
                    fault = f;
                }
                if (fault == null) {
                    assertArrayEquals(want, copy.read(address, page), () -> "page " + Long.toHexString(address));
                } else {
                    assertEquals(address, fault.address(), "the source faults mid-page");
                    MemoryFault got = assertThrows(MemoryFault.class, () -> copy.read(address, page));
                    assertEquals(fault.reason(), got.reason(), () -> "page " + Long.toHexString(address));
                }
                checked++;
            }
        }
        System.out.println(source.info().files().get(0).getFileName() + ": " + checked + " pages compared");
    }

    /**
     * makedumpfile 1.7.6 -z -d 31 wrote kdump-zstd-d31 from vmcore.elf: converting the -c -d 31
     * file to zstd gives its headers, notes and bitmaps. makedumpfile -c -d 0 wrote kdump-zlib-d0:
     * converting vmcore.elf to zlib gives those, utsname included (read through the kernel-image
     * PT_LOAD). The page data is left out of the comparison: it is the compressor library's.
     */
    @Test
    void headersNotesAndBitmapsAreMakedumpfiles() throws Exception {
        Path x86 = Fixtures.x86_64();
        assertSameHead(x86.resolve("kdump/kdump-zlib-d31"), Compression.ZSTD, x86.resolve("kdump/kdump-zstd-d31"));
        assertSameHead(x86.resolve("kdump/vmcore.elf"), Compression.ZLIB, x86.resolve("kdump/kdump-zlib-d0"));
    }

    private void assertSameHead(Path in, Compression codec, Path makedumpfiles) throws IOException {
        Path out = dir.resolve(in.getFileName() + "." + codec);
        long descriptors;
        try (DumpFile source = Dumps.open(in)) {
            KdumpWriter.convert(source, out, new ConvertOptions(Optional.of(codec), false), ConvertListener.NONE);
        }
        try (DumpFile reference = Dumps.open(makedumpfiles)) {
            KdumpHeader h = reference.info().kdumpHeaders().get(0);
            descriptors = (1L + h.subHeaderBlocks() + h.bitmapBlocks()) * h.blockSize();
        }
        assertArrayEquals(head(makedumpfiles, descriptors), head(out, descriptors),
                () -> out + " and " + makedumpfiles + " differ before the page descriptors");
    }

    private static byte[] head(Path file, long length) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(Math.toIntExact(length));
        }
    }
}
