package dev.kdumpbridge.dump;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.dump.DamagedDumps.Read;
import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link CorruptionTest} on the real fixtures: hundreds of damaged variants of each real dump, cut
 * or overwritten where a reader can be misled (header, sub header, notes, bitmaps, descriptors,
 * page data, ELF and flattened-stream headers, overlapping segments), each held to the promise of
 * {@link DamagedDumps}.
 *
 * <p>Economy: each fixture is copied once. Patches are written over the copy and undone after the
 * variant; then the copy is cut shorter and shorter, so every cut is one truncate.
 */
class RealDumpCorruptionIT {
    private static final Duration PER_VARIANT = Duration.ofSeconds(10);
    private static final long SEED = 20_26;
    private static final int PAGE = 4096;
    /** Reads per variant: enough to meet every region, few enough for ~3000 variants a run. */
    private static final int STORED_READS = 100;
    private static final int MISSING_READS = 20;
    /** Stored pages whose descriptors are overwritten; the sample reads them. */
    private static final int DESCRIPTOR_TARGETS = 5;
    private static final int MIN_VARIANTS = 200;
    /** Notes whose size words are damaged; the rest of the segment stays as it was. */
    private static final int NOTES_DAMAGED = 4;

    @TempDir
    Path dir;

    static Stream<Arguments> fixtures() {
        Map<String, Dump> byId = Fixtures.dumps().stream().collect(Collectors.toMap(Dump::id, Function.identity()));
        Function<String, Path> first = id -> byId.get(id).files().get(0);
        return Stream.of(
                Arguments.of("kdump-zlib-d31", first.apply("kdump-zlib-d31")),
                Arguments.of("kdump-lzo-d31", first.apply("kdump-lzo-d31")),
                Arguments.of("kdump-zstd-d31", first.apply("kdump-zstd-d31")),
                Arguments.of("kdump-flat-zlib-d31", first.apply("kdump-flat-zlib-d31")),
                // The smaller part, alone: its PFN range and the descriptor count start mid-bitmap.
                Arguments.of("kdump-split-zlib-d31 part 2", byId.get("kdump-split-zlib-d31").files().get(1)),
                Arguments.of("kdump-elf-d31", first.apply("kdump-elf-d31")),
                Arguments.of("qemu-kdump-zlib", first.apply("qemu-kdump-zlib")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void everyVariantIsRefusedOrReadCleanly(String id, Path original) throws Exception {
        long started = System.nanoTime();
        Path copy = dir.resolve(original.getFileName());
        try (FileChannel in = FileChannel.open(original);
                FileChannel out = FileChannel.open(copy, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long at = 0; at < in.size(); ) {
                at += in.transferTo(at, in.size() - at, out);
            }
        }
        Sample sample = Sample.of(copy);
        Variants variants = plan(copy, sample);

        Tally tally = new Tally();
        try (FileChannel file = FileChannel.open(copy, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (Patch p : variants.patches) {
                List<Write> undo = new ArrayList<>();
                for (Write w : p.writes()) {
                    ByteBuffer old = ByteBuffer.allocate(w.bytes().length);
                    file.read(old, w.at());
                    undo.add(new Write(w.at(), old.array()));
                    file.write(ByteBuffer.wrap(w.bytes()), w.at());
                }
                tally.add(DamagedDumps.survive(id + ": " + p.what(), copy, sample.reads(), PER_VARIANT));
                for (Write w : undo) {
                    file.write(ByteBuffer.wrap(w.bytes()), w.at());
                }
            }
            for (Map.Entry<Long, String> cut : variants.cuts.descendingMap().entrySet()) {
                file.truncate(cut.getKey());
                tally.add(DamagedDumps.survive(id + ": cut at " + cut.getKey() + " (" + cut.getValue() + ")", copy,
                        sample.reads(), PER_VARIANT));
            }
        }
        Files.delete(copy);
        int count = variants.patches.size() + variants.cuts.size();
        System.out.printf("%s: %d variants (%d patched, %d cut), %d refused at open, %d faults on %d reads each, "
                + "at most %s allocated by one, %.1f s%n", id, count, variants.patches.size(), variants.cuts.size(),
                tally.refused, tally.faults, sample.reads().size(), Sizes.human(tally.maxAllocated),
                (System.nanoTime() - started) / 1e9);
        assertTrue(count >= MIN_VARIANTS, id + ": only " + count + " variants");
    }

    /** The outcomes of one fixture's variants, for its summary line. */
    private static final class Tally {
        int refused;
        long faults;
        long maxAllocated;

        void add(DamagedDumps.Outcome o) {
            refused += o.opened() ? 0 : 1;
            faults += o.faults();
            maxAllocated = Math.max(maxAllocated, o.allocated());
        }
    }

    /** Recognises the format as Dumps does, from the first bytes, and plans its variants. */
    private static Variants plan(Path file, Sample sample) throws IOException {
        try (FileSource raw = FileSource.open(file)) {
            ByteBuffer head = ByteBuffer.allocate(16);
            raw.read(0, head);
            head.flip();
            if (Bytes.startsWith(head, ElfCore.MAGIC)) {
                Variants v = new Variants(raw.size(), Records.identity());
                ElfDamage.plan(raw, v);
                return v;
            }
            if (!Bytes.startsWith(head, FlattenedSource.SIGNATURE)) {
                Variants v = new Variants(raw.size(), Records.identity());
                KdumpDamage.plan(raw, sample, v);
                return v;
            }
            Variants v = new Variants(raw.size(), Records.scan(raw));
            KdumpDamage.streamDamage(raw, v);
            try (ByteSource layout = FlattenedSource.index(FileSource.open(file), new ArrayList<>())) {
                KdumpDamage.plan(layout, sample, v);
                KdumpDamage.fakeHugeFile(layout, v);
            }
            return v;
        }
    }

    /** Bytes to write at a file offset. */
    record Write(long at, byte[] bytes) {
    }

    /** One damaged variant made by overwriting bytes. */
    record Patch(String what, List<Write> writes) {
    }

    /**
     * The variants of one fixture: patches, and the lengths to cut it to (with what each cuts
     * into). Fields are named by their offset in the dump's own layout; {@link Records} finds
     * where a flattened stream keeps those bytes.
     */
    static final class Variants {
        final long size;
        final Records stream;
        final List<Patch> patches = new ArrayList<>();
        final TreeMap<Long, String> cuts = new TreeMap<>();

        Variants(long size, Records stream) {
            this.size = size;
            this.stream = stream;
        }

        /** Cut the file to {@code length} bytes of the stream. */
        void cutStream(String where, long length) {
            if (length >= 0 && length < size) {
                cuts.putIfAbsent(length, where);
            }
        }

        /** Cut the file just before the byte at {@code offset} of the dump's layout. */
        void cut(String where, long offset) {
            cutStream(where + " at " + offset, stream.position(offset));
        }

        /** Overwrite stream bytes, for the stream's own headers. */
        void patchStream(String what, long at, byte[] bytes) {
            if (at >= 0 && at + bytes.length <= size) {
                patches.add(new Patch(what, List.of(new Write(at, bytes))));
            }
        }

        /** {@code value} as a {@code width}-byte little-endian field at {@code offset}. */
        void set(String field, long offset, int width, long value) {
            List<Write> writes = field(offset, width, value);
            if (!writes.isEmpty()) {
                patches.add(new Patch(field + " = " + value, writes));
            }
        }

        /** The writes of {@link #set}, byte by byte where the stream keeps each; none if it lacks one. */
        List<Write> field(long offset, int width, long value) {
            byte[] bytes = littleEndian(value, width);
            List<Write> writes = new ArrayList<>();
            for (int i = 0; i < width; i++) {
                long p = stream.position(offset + i);
                if (p < 0 || p >= size) {
                    return List.of();
                }
                writes.add(new Write(p, new byte[] {bytes[i]}));
            }
            return writes;
        }

        void setAbsurd(String field, long offset, int width, long original) {
            for (long value : absurd(original, size, width)) {
                set(field, offset, width, value);
            }
        }

        /** One to three bits flipped at random offsets of {@code [from, to)}, {@code count} times. */
        void flips(String region, long from, long to, int count, Random random, ByteSource layout) throws IOException {
            for (int i = 0; i < count && to > from; i++) {
                List<Write> writes = new ArrayList<>();
                StringBuilder what = new StringBuilder(region + ": bits flipped at");
                for (int f = 1 + random.nextInt(3); f > 0; f--) {
                    long at = from + (long) (random.nextDouble() * (to - from));
                    ByteBuffer b = ByteBuffer.allocate(1);
                    layout.read(at, b);
                    long p = stream.position(at);
                    if (p >= 0) {
                        writes.add(new Write(p, new byte[] {(byte) (b.get(0) ^ (1 << random.nextInt(8)))}));
                        what.append(' ').append(at);
                    }
                }
                if (!writes.isEmpty()) {
                    patches.add(new Patch(what.toString(), writes));
                }
            }
        }

        /**
         * The size words of the first few notes of a note segment ({@code n_namesz},
         * {@code n_descsz}): too small, too big, negative, reaching past the segment.
         */
        void noteSizes(ByteBuffer notes, long noteOffset) {
            int pos = 0;
            for (int n = 0; n < NOTES_DAMAGED && pos + 12 <= notes.limit(); n++) {
                long namesz = notes.getInt(pos);
                long descsz = notes.getInt(pos + 4);
                for (long value : List.of(0L, 3L, -1L, (long) Integer.MAX_VALUE, descsz + 4, (long) notes.limit())) {
                    set("note " + n + " n_namesz", noteOffset + pos, 4, value);
                    set("note " + n + " n_descsz", noteOffset + pos + 4, 4, value);
                }
                pos += 12 + (int) ((namesz + 3) & ~3) + (int) ((descsz + 3) & ~3);
            }
        }
    }

    static byte[] littleEndian(long value, int width) {
        byte[] bytes = new byte[width];
        for (int i = 0; i < width; i++) {
            bytes[i] = (byte) (value >>> (8 * i));
        }
        return bytes;
    }

    /** Values that break readers of a field holding {@code original}: edges, off-by-one, scaled. */
    static List<Long> absurd(long original, long fileSize, int width) {
        long max = width == 8 ? Long.MAX_VALUE : width == 4 ? Integer.MAX_VALUE : (1L << (8 * width)) - 1;
        long min = width == 8 ? Long.MIN_VALUE : width == 4 ? Integer.MIN_VALUE : 0;
        LinkedHashSet<Long> values = new LinkedHashSet<>(List.of(0L, 1L, -1L, max, min, original + 1, original - 1,
                original << 4));
        if (width == 8) {
            values.addAll(List.of(fileSize, fileSize - 1));
        }
        values.remove(original);
        return List.copyOf(values);
    }

    /**
     * The physical reads every variant makes: stored pages at random across the dump's RAM, pages
     * it lacks, reads across a page end, and the edges of the address space.
     */
    record Sample(List<Long> stored, List<Read> reads) {
        static Sample of(Path file) throws IOException {
            Random random = new Random(SEED);
            List<Long> stored = new ArrayList<>();
            List<Long> missing = new ArrayList<>();
            long end;
            try (DumpFile dump = Dumps.open(List.of(file), DamagedDumps.OPTIONS)) {
                List<PhysRange> ranges = dump.physicalRanges();
                end = ranges.get(ranges.size() - 1).end();
                for (int tries = 0; tries < 100_000 && (stored.size() < STORED_READS || missing.size() < MISSING_READS); tries++) {
                    PhysRange r = ranges.get(random.nextInt(ranges.size()));
                    long address = r.start() + (long) (random.nextDouble() * r.size()) / PAGE * PAGE;
                    Optional<MemoryFault> fault = dump.probe(address);
                    if (fault.isEmpty() && stored.size() < STORED_READS) {
                        stored.add(address);
                    } else if (fault.isPresent() && missing.size() < MISSING_READS) {
                        missing.add(address);
                    }
                }
            }
            List<Read> reads = new ArrayList<>();
            for (int i = 0; i < stored.size(); i++) {
                reads.add(new Read(stored.get(i), PAGE));
                if (i % 8 == 0) {
                    reads.add(new Read(stored.get(i) + PAGE - 100, 200));
                }
            }
            missing.forEach(a -> reads.add(new Read(a, PAGE)));
            reads.addAll(List.of(new Read(0, PAGE), new Read(end - PAGE, PAGE), new Read(end, PAGE),
                    new Read(Long.MAX_VALUE - PAGE + 1, PAGE)));
            return new Sample(List.copyOf(stored), List.copyOf(reads));
        }
    }

    /**
     * Where each byte of the kdump-compressed file a flattened stream stands for is in the stream:
     * the last record that wrote it wins, as in {@code makedumpfile -R} (reference 01 §10). Other
     * files are their own layout.
     */
    static final class Records {
        private static final int RECORD_HEADER = 16;
        /** Positions of the record headers in stream order, the end marker last. */
        final List<Long> headers = new ArrayList<>();
        /** {offset, length, payload position} per record, in stream order; null for a plain file. */
        private final List<long[]> records;

        private Records(List<long[]> records) {
            this.records = records;
        }

        static Records identity() {
            return new Records(null);
        }

        static Records scan(FileSource stream) throws IOException {
            Records r = new Records(new ArrayList<>());
            ByteBuffer h = ByteBuffer.allocate(RECORD_HEADER).order(ByteOrder.BIG_ENDIAN);
            for (long pos = FlattenedSource.FLAT_HEADER_SIZE; stream.read(pos, h.clear()) == RECORD_HEADER; ) {
                r.headers.add(pos);
                long offset = h.getLong(0);
                long length = h.getLong(8);
                if (offset < 0) {
                    break;
                }
                r.records.add(new long[] {offset, length, pos + RECORD_HEADER});
                pos += RECORD_HEADER + length;
            }
            return r;
        }

        /** Stream position of the byte at {@code offset} of the layout, or -1 when no record wrote it. */
        long position(long offset) {
            if (records == null) {
                return offset;
            }
            for (int i = records.size() - 1; i >= 0; i--) {
                long[] r = records.get(i);
                if (offset >= r[0] && offset - r[0] < r[1]) {
                    return r[2] + (offset - r[0]);
                }
            }
            return -1;
        }
    }

    /** Variants of a kdump-compressed file, plain, flattened, or one split part (reference 01). */
    static final class KdumpDamage {
        private record Field(String name, int offset, int width) {
        }

        private static final List<Field> MAIN = List.of(
                new Field("header_version", KdumpLayout.MAIN_VERSION, 4),
                new Field("status", KdumpLayout.MAIN_STATUS, 4),
                new Field("block_size", KdumpLayout.MAIN_BLOCK_SIZE, 4),
                new Field("sub_hdr_size", KdumpLayout.MAIN_SUB_HDR_SIZE, 4),
                new Field("bitmap_blocks", KdumpLayout.MAIN_BITMAP_BLOCKS, 4),
                new Field("max_mapnr", KdumpLayout.MAIN_MAX_MAPNR, 4),
                new Field("nr_cpus", KdumpLayout.MAIN_NR_CPUS, 4));
        private static final List<Field> SUB = List.of(
                new Field("phys_base", KdumpLayout.SUB_PHYS_BASE, 8),
                new Field("dump_level", KdumpLayout.SUB_DUMP_LEVEL, 4),
                new Field("split", KdumpLayout.SUB_SPLIT, 4),
                new Field("start_pfn", KdumpLayout.SUB_START_PFN, 8),
                new Field("end_pfn", KdumpLayout.SUB_END_PFN, 8),
                new Field("offset_vmcoreinfo", KdumpLayout.SUB_OFFSET_VMCOREINFO, 8),
                new Field("size_vmcoreinfo", KdumpLayout.SUB_SIZE_VMCOREINFO, 8),
                new Field("offset_note", KdumpLayout.SUB_OFFSET_NOTE, 8),
                new Field("size_note", KdumpLayout.SUB_SIZE_NOTE, 8),
                new Field("offset_eraseinfo", KdumpLayout.SUB_OFFSET_ERASEINFO, 8),
                new Field("size_eraseinfo", KdumpLayout.SUB_SIZE_ERASEINFO, 8),
                new Field("start_pfn_64", KdumpLayout.SUB_START_PFN_64, 8),
                new Field("end_pfn_64", KdumpLayout.SUB_END_PFN_64, 8),
                new Field("max_mapnr_64", KdumpLayout.SUB_MAX_MAPNR_64, 8));

        /** The flat header, record headers and the end marker of a flattened stream. */
        static void streamDamage(FileSource raw, Variants v) throws IOException {
            for (long value : List.of(0L, 2L, -1L)) {
                v.patchStream("flat header type = " + value, 16, bigEndian(value));
                v.patchStream("flat header version = " + value, 24, bigEndian(value));
            }
            List<Long> h = v.stream.headers;
            for (long at : new LinkedHashSet<>(List.of(h.get(0), h.get(1), h.get(2), h.get(h.size() / 3),
                    h.get(h.size() / 2), h.get(h.size() - 2), h.get(h.size() - 1)))) {
                ByteBuffer header = raw.readStruct(at, 16, ByteOrder.BIG_ENDIAN, "record header");
                for (int word : new int[] {0, 8}) {
                    long original = header.getLong(word);
                    String field = "record header at " + at + (word == 0 ? " offset = " : " buf_size = ");
                    for (long value : new LinkedHashSet<>(List.of(-1L, -2L, 0L, Long.MAX_VALUE, v.size,
                            original + 1, original - 1))) {
                        if (value != original) {
                            v.patchStream(field + value, at + word, bigEndian(value));
                        }
                    }
                }
                v.cutStream("inside the record header at " + at, at + 8);
                v.cutStream("after the record header at " + at, at + 16);
            }
            for (long at : List.of(1L, 12L, 16L, 24L, 31L, 32L, 4095L, 4096L, 4100L, v.size - 16, v.size - 8)) {
                v.cutStream("flat header or end marker", at);
            }
        }

        /**
         * A stream whose last record is moved a petabyte out, with the header's bitmaps grown to
         * match: every size in the header then fits "the file", which the stream only pretends to
         * hold. Only headers are stored; nothing may be sized or scanned by their claims.
         */
        static void fakeHugeFile(ByteSource layout, Variants v) throws IOException {
            int bs = layout.readStruct(KdumpLayout.MAIN_BLOCK_SIZE, 4, ByteOrder.LITTLE_ENDIAN, "block_size").getInt(0);
            List<Write> writes = new ArrayList<>();
            writes.add(new Write(v.stream.headers.get(v.stream.headers.size() - 2), bigEndian(1L << 50)));
            writes.addAll(v.field(KdumpLayout.MAIN_BITMAP_BLOCKS, 4, 0xffff_ffffL));
            writes.addAll(v.field(bs + KdumpLayout.SUB_MAX_MAPNR_64, 8, 1L << 40));
            v.patches.add(new Patch("last record moved to 1 PiB, bitmap_blocks 2^32-1, max_mapnr_64 2^40", writes));
        }

        /** The kdump-compressed file itself, read through {@code layout} (the file, or the stream's index). */
        static void plan(ByteSource layout, Sample sample, Variants v) throws IOException {
            Random random = new Random(SEED);
            ByteBuffer main = layout.readStruct(0, KdumpLayout.MAIN_HEADER_SIZE, ByteOrder.LITTLE_ENDIAN, "main header");
            int bs = main.getInt(KdumpLayout.MAIN_BLOCK_SIZE);
            ByteBuffer sub = layout.readStruct(bs, KdumpLayout.SUB_HEADER_SIZE, ByteOrder.LITTLE_ENDIAN, "sub header");
            for (Field f : MAIN) {
                v.setAbsurd("main header " + f.name(), f.offset(), f.width(), read(main, f));
            }
            for (Field f : SUB) {
                v.setAbsurd("sub header " + f.name(), bs + f.offset(), f.width(), read(sub, f));
            }
            long noteOffset = sub.getLong(KdumpLayout.SUB_OFFSET_NOTE);
            long noteEnd = noteOffset + sub.getLong(KdumpLayout.SUB_SIZE_NOTE);
            v.noteSizes(layout.readStruct(noteOffset, (int) (noteEnd - noteOffset), ByteOrder.LITTLE_ENDIAN, "notes"),
                    noteOffset);

            long bitmapBytes = Integer.toUnsignedLong(main.getInt(KdumpLayout.MAIN_BITMAP_BLOCKS)) * bs;
            long bitmaps = (1L + main.getInt(KdumpLayout.MAIN_SUB_HDR_SIZE)) * bs;
            long bitmap2 = bitmaps + bitmapBytes / 2;
            long descriptors = bitmaps + bitmapBytes;
            // Page data follows the descriptors, and the first descriptor points at its start.
            long pageData = layout.readStruct(descriptors, 8, ByteOrder.LITTLE_ENDIAN, "descriptor 0").getLong(0);
            long startPfn = sub.getInt(KdumpLayout.SUB_SPLIT) != 0 ? sub.getLong(KdumpLayout.SUB_START_PFN_64) : 0;
            descriptorDamage(layout, sample, v, bs, bitmap2, startPfn, descriptors);

            long vmcoreinfo = sub.getLong(KdumpLayout.SUB_OFFSET_VMCOREINFO);
            long vmcoreinfoEnd = vmcoreinfo + sub.getLong(KdumpLayout.SUB_SIZE_VMCOREINFO);
            long size = layout.size();
            for (long at : new long[] {0, 1, KdumpLayout.MAIN_VERSION - 1, KdumpLayout.MAIN_VERSION,
                KdumpLayout.MAIN_UTSNAME, KdumpLayout.MAIN_TIMESTAMP_SEC, KdumpLayout.MAIN_BLOCK_SIZE - 1,
                KdumpLayout.MAIN_BLOCK_SIZE, KdumpLayout.MAIN_BITMAP_BLOCKS, KdumpLayout.MAIN_MAX_MAPNR,
                KdumpLayout.MAIN_HEADER_SIZE - 1, KdumpLayout.MAIN_HEADER_SIZE, bs - 1}) {
                v.cut("main header", at);
            }
            for (long at : new long[] {KdumpLayout.SUB_PHYS_BASE, KdumpLayout.SUB_DUMP_LEVEL, KdumpLayout.SUB_OFFSET_NOTE,
                KdumpLayout.SUB_SIZE_NOTE, KdumpLayout.SUB_MAX_MAPNR_64, KdumpLayout.SUB_HEADER_SIZE - 1,
                KdumpLayout.SUB_HEADER_SIZE}) {
                v.cut("sub header", bs + at);
            }
            for (long at : spread(noteOffset, noteEnd, 6)) {
                v.cut("notes", at);
            }
            for (long at : new long[] {vmcoreinfo + 1, (vmcoreinfo + vmcoreinfoEnd) / 2, vmcoreinfoEnd - 1}) {
                v.cut("VMCOREINFO", at);
            }
            for (long at : new long[] {bitmaps, bitmaps + 1, bitmaps + bitmapBytes / 4, bitmap2 - 1, bitmap2,
                bitmap2 + bitmapBytes / 4, descriptors - 1}) {
                v.cut("bitmaps", at);
            }
            for (long at : new long[] {descriptors, descriptors + 1, descriptors + 23, descriptors + 24, pageData - 1}) {
                v.cut("descriptors", at);
            }
            for (long at : spread(descriptors, pageData, 6)) {
                v.cut("descriptors", at);
            }
            for (long at : spread(pageData, size, 16)) {
                v.cut("page data", at);
            }
            v.cut("the last byte", size - 1);
            v.flips("headers and notes", 0, noteEnd, 40, random, layout);
            v.flips("bitmaps", bitmaps, descriptors, 12, random, layout);
            v.flips("descriptors", descriptors, pageData, 12, random, layout);
            v.flips("page data", pageData, size, 8, random, layout);
        }

        /** Descriptors of stored pages the sample reads: offset past the end, absurd sizes and flags. */
        private static void descriptorDamage(ByteSource layout, Sample sample, Variants v, int bs, long bitmap2,
                long startPfn, long descriptors) throws IOException {
            long size = layout.size();
            for (int t = 0; t < DESCRIPTOR_TARGETS; t++) {
                long pfn = sample.stored().get(t * sample.stored().size() / DESCRIPTOR_TARGETS) / bs;
                long at = descriptors + KdumpLayout.DESCRIPTOR_SIZE * rank(layout, bitmap2, startPfn, pfn);
                String d = "descriptor of pfn " + pfn;
                for (long value : List.of(size, size - 1, Long.MAX_VALUE, -1L, 0L, descriptors - 1, 1L)) {
                    v.set(d + " offset", at + KdumpLayout.DESC_OFFSET, 8, value);
                }
                for (long value : List.of(0L, bs + 1L, -1L, 1L)) {
                    v.set(d + " size", at + KdumpLayout.DESC_SIZE, 4, value);
                }
                for (long value : List.of(0L, 0x40L, 0x3L, -1L)) {
                    v.set(d + " flags", at + KdumpLayout.DESC_FLAGS, 4, value);
                }
            }
        }

        /** Set bits of the second bitmap in {@code [startPfn, pfn)}: the descriptor's index (reference 01 §5). */
        private static long rank(ByteSource layout, long bitmap2, long startPfn, long pfn) throws IOException {
            ByteBuffer bits = layout.readStruct(bitmap2, (int) (pfn / 8 + 1), ByteOrder.LITTLE_ENDIAN, "bitmap");
            long count = 0;
            for (long p = startPfn; p < pfn; p++) {
                count += bits.get((int) (p >>> 3)) >> (p & 7) & 1;
            }
            return count;
        }

        private static long read(ByteBuffer header, Field f) {
            return f.width() == 8 ? header.getLong(f.offset()) : header.getInt(f.offset());
        }

        private static byte[] bigEndian(long value) {
            return ByteBuffer.allocate(8).putLong(value).array();
        }
    }

    /** Variants of an ELF vmcore (reference 02): ELF header, program headers, notes, overlaps. */
    static final class ElfDamage {
        private static final int EHDR_SIZE = 64;
        private static final int EI_CLASS = 4;
        private static final int EI_DATA = 5;
        private static final int E_TYPE = 16;
        private static final int E_MACHINE = 18;
        private static final int E_PHOFF = 32;
        private static final int E_SHOFF = 40;
        private static final int E_FLAGS = 48;
        private static final int E_PHENTSIZE = 54;
        private static final int E_PHNUM = 56;
        private static final int E_SHENTSIZE = 58;
        private static final int E_SHNUM = 60;
        private static final int PHDR_SIZE = 56;
        private static final int PT_LOAD = 1;
        private static final int P_TYPE = 0;
        private static final int P_OFFSET = 8;
        private static final int P_PADDR = 24;
        private static final int P_FILESZ = 32;
        private static final int P_MEMSZ = 40;

        static void plan(FileSource file, Variants v) throws IOException {
            Random random = new Random(SEED);
            ByteBuffer ehdr = file.readStruct(0, EHDR_SIZE, ByteOrder.LITTLE_ENDIAN, "ELF header");
            long phoff = ehdr.getLong(E_PHOFF);
            int phnum = Short.toUnsignedInt(ehdr.getShort(E_PHNUM));
            ByteBuffer ph = file.readStruct(phoff, phnum * PHDR_SIZE, ByteOrder.LITTLE_ENDIAN, "program headers");
            headerDamage(ehdr, v);
            List<Integer> loads = new ArrayList<>();
            for (int i = 0; i < phnum; i++) {
                if (ph.getInt(i * PHDR_SIZE + P_TYPE) == PT_LOAD) {
                    loads.add(i);
                }
            }
            for (int i : new LinkedHashSet<>(List.of(0, loads.get(0), loads.get(1), phnum / 2, phnum - 1))) {
                long at = phoff + (long) i * PHDR_SIZE;
                for (long value : List.of(0L, 1L, 4L, -1L)) {
                    v.set("phdr " + i + " p_type", at + P_TYPE, 4, value);
                }
                v.setAbsurd("phdr " + i + " p_offset", at + P_OFFSET, 8, ph.getLong(i * PHDR_SIZE + P_OFFSET));
                v.setAbsurd("phdr " + i + " p_paddr", at + P_PADDR, 8, ph.getLong(i * PHDR_SIZE + P_PADDR));
                v.setAbsurd("phdr " + i + " p_filesz", at + P_FILESZ, 8, ph.getLong(i * PHDR_SIZE + P_FILESZ));
                v.setAbsurd("phdr " + i + " p_memsz", at + P_MEMSZ, 8, ph.getLong(i * PHDR_SIZE + P_MEMSZ));
                v.cut("phdr " + i, at);
                v.cut("phdr " + i + " p_filesz", at + P_FILESZ);
            }
            overlaps(ph, phoff, loads, v);
            // The first program header is the PT_NOTE in every vmcore writer (reference 02 §2).
            long noteOffset = ph.getLong(P_OFFSET);
            long noteEnd = noteOffset + ph.getLong(P_FILESZ);
            v.noteSizes(file.readStruct(noteOffset, (int) (noteEnd - noteOffset), ByteOrder.LITTLE_ENDIAN, "notes"),
                    noteOffset);
            for (long at : new long[] {0, 1, EI_CLASS, EI_DATA, E_TYPE, E_MACHINE, E_PHOFF, E_SHOFF, E_PHENTSIZE, E_PHNUM,
                E_SHENTSIZE, EHDR_SIZE - 1, EHDR_SIZE, phoff + phnum * PHDR_SIZE}) {
                v.cut("ELF header", at);
            }
            for (long at : spread(noteOffset, noteEnd, 6)) {
                v.cut("notes", at);
            }
            for (int i : loads.subList(0, Math.min(4, loads.size()))) {
                long data = ph.getLong(i * PHDR_SIZE + P_OFFSET);
                v.cut("segment " + i, data);
                v.cut("segment " + i, data + 1);
                v.cut("segment " + i, data + PAGE);
            }
            for (long at : spread(noteEnd, v.size, 16)) {
                v.cut("segment data", at);
            }
            v.cut("the last byte", v.size - 1);
            v.flips("ELF header, program headers and notes", 0, noteEnd, 50, random, file);
            v.flips("segment data", noteEnd, v.size, 10, random, file);
        }

        private static void headerDamage(ByteBuffer ehdr, Variants v) {
            v.set("EI_CLASS", EI_CLASS, 1, 1);
            v.set("EI_CLASS", EI_CLASS, 1, 0);
            v.set("EI_DATA", EI_DATA, 1, 0);
            v.set("EI_DATA", EI_DATA, 1, 2);
            v.set("e_type", E_TYPE, 2, 2);
            v.set("e_machine", E_MACHINE, 2, 0xffff);
            v.set("e_flags", E_FLAGS, 4, 1);
            v.set("e_flags", E_FLAGS, 4, -1);
            v.setAbsurd("e_phoff", E_PHOFF, 8, ehdr.getLong(E_PHOFF));
            for (long value : List.of(0L, -1L, Long.MAX_VALUE, v.size, (long) EHDR_SIZE)) {
                v.set("e_shoff", E_SHOFF, 8, value);
            }
            for (long value : List.of(0L, 1L, PHDR_SIZE - 1L, PHDR_SIZE + 1L, 0xffffL)) {
                v.set("e_phentsize", E_PHENTSIZE, 2, value);
            }
            // 0xffff is PN_XNUM: the count moves to section header 0.
            int phnum = Short.toUnsignedInt(ehdr.getShort(E_PHNUM));
            for (long value : List.of(0L, 1L, 0xffffL, 0xfffeL, phnum + 1L, 2L * phnum)) {
                v.set("e_phnum", E_PHNUM, 2, value);
            }
            for (long value : List.of(0L, 0xffffL)) {
                v.set("e_shentsize", E_SHENTSIZE, 2, value);
                v.set("e_shnum", E_SHNUM, 2, value);
            }
        }

        /**
         * PT_LOADs made to overlap their neighbour: the same physical start, one page in, a
         * p_memsz reaching over the next, and two segments sharing their file bytes.
         */
        private static void overlaps(ByteBuffer ph, long phoff, List<Integer> loads, Variants v) {
            for (int k = 0; k + 1 < loads.size(); k += 3) {
                int a = loads.get(k);
                int b = loads.get(k + 1);
                long aPaddr = ph.getLong(a * PHDR_SIZE + P_PADDR);
                long bEnd = ph.getLong(b * PHDR_SIZE + P_PADDR) + ph.getLong(b * PHDR_SIZE + P_MEMSZ);
                String pair = "PT_LOAD " + b + " overlapping " + a;
                v.set(pair + ": same p_paddr", phoff + (long) b * PHDR_SIZE + P_PADDR, 8, aPaddr);
                v.set(pair + ": p_paddr one page in", phoff + (long) b * PHDR_SIZE + P_PADDR, 8, aPaddr + PAGE);
                v.set(pair + ": p_memsz over it", phoff + (long) a * PHDR_SIZE + P_MEMSZ, 8, bEnd - aPaddr);
                v.set(pair + ": same p_offset", phoff + (long) b * PHDR_SIZE + P_OFFSET, 8,
                        ph.getLong(a * PHDR_SIZE + P_OFFSET));
            }
        }
    }

    /** {@code count} offsets spread evenly inside {@code (from, to)}. */
    static long[] spread(long from, long to, int count) {
        long[] points = new long[count];
        for (int i = 0; i < count; i++) {
            points[i] = from + (to - from) * (i + 1) / (count + 1);
        }
        return points;
    }
}
