package dev.kdumpbridge.dump;

import com.github.luben.zstd.Zstd;
import io.airlift.compress.lzo.LzoCompressor;
import io.airlift.compress.snappy.SnappyCompressor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.Deflater;

/**
 * Small dumps written byte by byte from the format references, for tests: a kdump-compressed
 * writer, a flattener and an ELF core writer. Test code only; they write just what the readers
 * need and nothing the producers do for their own sake. The kdump writer also makes huge sparse
 * files (a terabyte of address space, a few pages present) for the scale test and the benchmark.
 */
final class SyntheticDumps {
    static final String VMCOREINFO_TEXT = "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n"
            + "SYMBOL(swapper_pg_dir)=ffffffff82a0a000\nNUMBER(phys_base)=436207616\nKERNELOFFSET=22000000\n";

    private SyntheticDumps() {
    }

    /** Compressible content that differs per page, so a misplaced page is caught. */
    static byte[] pageContent(long pfn, int size) {
        byte[] page = new byte[size];
        byte[] text = ("page " + pfn + " of the synthetic dump; ").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < size; i++) {
            page[i] = text[i % text.length];
        }
        page[size - 1] = (byte) pfn;
        return page;
    }

    static byte[] note(String name, int type, byte[] desc, ByteOrder order) {
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(12 + align4(nameBytes.length) + align4(desc.length)).order(order);
        b.putInt(nameBytes.length).putInt(desc.length).putInt(type);
        b.put(nameBytes).position(12 + align4(nameBytes.length));
        b.put(desc);
        return b.array();
    }

    /** Two CPUs' prstatus (pr_pid 101 and 202 at offset 32) and the VMCOREINFO note. */
    static List<byte[]> standardNotes(ByteOrder order) {
        List<byte[]> notes = new ArrayList<>();
        for (int pid : new int[] {101, 202}) {
            byte[] prstatus = new byte[336];
            ByteBuffer.wrap(prstatus).order(order).putInt(32, pid);
            notes.add(note("CORE", 1, prstatus, order));
        }
        notes.add(note("VMCOREINFO", 0, VMCOREINFO_TEXT.getBytes(StandardCharsets.US_ASCII), order));
        return notes;
    }

    static int align4(int n) {
        return (n + 3) & ~3;
    }

    static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    /** A file as the regions that hold bytes, by offset, and its size; the rest reads as zeros. */
    record Image(long size, NavigableMap<Long, byte[]> regions) {
        byte[] bytes() {
            byte[] out = new byte[Math.toIntExact(size)];
            regions.forEach((at, bytes) -> System.arraycopy(bytes, 0, out, Math.toIntExact(at), bytes.length));
            return out;
        }

        /** Writes only the regions, so what lies between them stays a hole of a sparse file. */
        Path write(Path file) throws IOException {
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                for (Map.Entry<Long, byte[]> r : regions.entrySet()) {
                    ByteBuffer bytes = ByteBuffer.wrap(r.getValue());
                    while (bytes.hasRemaining()) {
                        out.write(bytes, r.getKey() + bytes.position());
                    }
                }
                if (out.size() < size) {
                    out.write(ByteBuffer.allocate(1), size - 1);
                }
            }
            return file;
        }
    }

    /** A kdump-compressed file (reference 01 §1–8). */
    static final class Kdump {
        enum Page { RAW, ZLIB, LZO, SNAPPY, ZSTD, ZERO, EXCLUDED }

        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        int blockSize = 4096;
        int headerVersion = 6;
        long maxMapnr = 64;
        int dumpLevel = 31;
        int status = Compression.ZLIB.flag();
        String machine = "x86_64";
        String release = "6.1.0-test";
        long timestamp = 1_700_000_000L;
        boolean split;
        long startPfn;
        long endPfn = -1;
        List<byte[]> notes;
        final TreeMap<Long, Page> pages = new TreeMap<>();
        /** PFNs whose descriptor stays zero, as after ENOSPC. */
        final Set<Long> unsaved = new HashSet<>();
        /** PFNs whose stored bytes are replaced by garbage, keeping the descriptor's flags. */
        final Set<Long> garbled = new HashSet<>();

        Kdump page(long pfn, Page kind) {
            pages.put(pfn, kind);
            return this;
        }

        /** One page of every kind, a hole at 6..9, RAM up to 16, holes to max_mapnr. */
        static Kdump standard() {
            Kdump k = new Kdump();
            k.page(0, Page.RAW).page(1, Page.ZLIB).page(2, Page.LZO).page(3, Page.SNAPPY)
                    .page(4, Page.ZSTD).page(5, Page.ZERO).page(10, Page.EXCLUDED).page(11, Page.ZLIB)
                    .page(12, Page.ZERO).page(13, Page.EXCLUDED).page(14, Page.RAW).page(15, Page.ZLIB);
            return k;
        }

        /**
         * {@code addressSpace} bytes of 4 KiB pages, nearly all holes: {@code present} pages (a
         * multiple of 64) in runs of 64, spread evenly up to the very last PFN; mostly zlib, every
         * tenth page excluded and every tenth the shared zero page. The bitmaps have their real
         * size, one bit per PFN, so opening it shows whether anything is sized by max_mapnr rather
         * than by what is read; runs keep the bitmap blocks that are written, and so the file on
         * disk, small.
         */
        static Kdump sparse(long addressSpace, int present) {
            int run = 64;
            Kdump k = new Kdump();
            k.maxMapnr = addressSpace / k.blockSize;
            int runs = present / run;
            long stride = k.maxMapnr / runs;
            for (int r = 0; r < runs; r++) {
                long base = r == runs - 1 ? k.maxMapnr - run : r * stride;
                for (int i = 0; i < run; i++) {
                    int n = r * run + i;
                    k.page(base + i, n % 10 == 3 ? Page.EXCLUDED : n % 10 == 7 ? Page.ZERO : Page.ZLIB);
                }
            }
            return k;
        }

        byte[] build() {
            return image().bytes();
        }

        /**
         * The file as the regions that hold bytes: headers, only the bitmap blocks that have a bit
         * set, descriptors and page data. A terabyte of address space with a few pages set is a few
         * megabytes of regions, and {@link Image#write} leaves the rest a hole.
         */
        Image image() {
            int bs = blockSize;
            List<byte[]> noteList = notes != null ? notes : standardNotes(order);
            byte[] noteBytes = concat(noteList);
            long vmcoreinfoInNotes = -1;
            int pos = 0;
            for (byte[] n : noteList) {
                ByteBuffer nb = ByteBuffer.wrap(n).order(order);
                if (nb.getInt(0) == 11) {
                    vmcoreinfoInNotes = pos + 12 + align4(11);
                }
                pos += n.length;
            }
            int subBlocks = (104 + noteBytes.length + bs - 1) / bs;
            long bitmapEach = ((maxMapnr + 7) / 8 + bs - 1) / bs * bs;
            // Bitmap blocks by their index in the bitmap, made when a bit in them is set.
            TreeMap<Long, byte[]> bm1 = new TreeMap<>();
            TreeMap<Long, byte[]> bm2 = new TreeMap<>();
            long end = endPfn < 0 ? maxMapnr : endPfn;
            List<Long> stored = new ArrayList<>();
            pages.forEach((pfn, kind) -> {
                setBit(bm1, pfn);
                if (kind != Page.EXCLUDED) {
                    setBit(bm2, pfn);
                    if (pfn >= startPfn && pfn < end) {
                        stored.add(pfn);
                    }
                }
            });
            long dataOffset = (1L + subBlocks + 2L * bitmapEach / bs) * bs;
            long pageData = dataOffset + 24L * stored.size();
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            ByteBuffer descs = ByteBuffer.allocate(24 * stored.size()).order(order);
            boolean anyZero = stored.stream().anyMatch(p -> pages.get(p) == Page.ZERO);
            long zeroOffset = pageData;
            if (anyZero) {
                data.writeBytes(new byte[bs]);
            }
            for (long pfn : stored) {
                Page kind = pages.get(pfn);
                if (unsaved.contains(pfn)) {
                    descs.put(new byte[24]);
                    continue;
                }
                if (kind == Page.ZERO) {
                    descs.putLong(zeroOffset).putInt(bs).putInt(0).putLong(0);
                    continue;
                }
                byte[] payload = compress(kind, pageContent(pfn, bs));
                int flags = kind == Page.RAW ? 0 : Compression.valueOf(kind.name()).flag();
                if (garbled.contains(pfn)) {
                    Arrays.fill(payload, (byte) 0x5a);
                }
                descs.putLong(pageData + data.size()).putInt(payload.length).putInt(flags).putLong(0);
                data.writeBytes(payload);
            }
            ByteBuffer f = ByteBuffer.allocate(464).order(order);
            f.put("KDUMP   ".getBytes(StandardCharsets.US_ASCII));
            f.putInt(8, headerVersion);
            putString(f, 12 + 0 * 65, "Linux");
            putString(f, 12 + 1 * 65, "synthetic");
            putString(f, 12 + 2 * 65, release);
            putString(f, 12 + 4 * 65, machine);
            f.putLong(408, timestamp);
            f.putInt(424, status);
            f.putInt(428, bs);
            f.putInt(432, subBlocks);
            f.putInt(436, (int) (2 * bitmapEach / bs));
            f.putInt(440, (int) maxMapnr);
            f.putInt(460, 2);
            ByteBuffer sub = ByteBuffer.allocate(104 + noteBytes.length).order(order);
            sub.putLong(0, 0x1000000L);
            sub.putInt(8, dumpLevel);
            sub.putInt(12, split ? 1 : 0);
            sub.putLong(16, startPfn);
            sub.putLong(24, end);
            if (vmcoreinfoInNotes >= 0) {
                sub.putLong(32, bs + 104 + vmcoreinfoInNotes);
                sub.putLong(40, VMCOREINFO_TEXT.length());
            }
            sub.putLong(48, bs + 104);
            sub.putLong(56, noteBytes.length);
            sub.putLong(80, startPfn);
            sub.putLong(88, end);
            sub.putLong(96, maxMapnr);
            sub.put(104, noteBytes);
            TreeMap<Long, byte[]> regions = new TreeMap<>();
            regions.put(0L, f.array());
            regions.put((long) bs, sub.array());
            long bitmaps = (1L + subBlocks) * bs;
            bm1.forEach((block, bytes) -> regions.put(bitmaps + block * bs, bytes));
            bm2.forEach((block, bytes) -> regions.put(bitmaps + bitmapEach + block * bs, bytes));
            regions.put(dataOffset, descs.array());
            regions.put(pageData, data.toByteArray());
            return new Image(pageData + data.size(), regions);
        }

        private void setBit(TreeMap<Long, byte[]> bitmap, long pfn) {
            long byteIndex = pfn >>> 3;
            byte[] block = bitmap.computeIfAbsent(byteIndex / blockSize, b -> new byte[blockSize]);
            block[(int) (byteIndex % blockSize)] |= (byte) (1 << (pfn & 7));
        }

        private static void putString(ByteBuffer f, int at, String s) {
            f.put(at, s.getBytes(StandardCharsets.US_ASCII));
        }

        static byte[] compress(Page kind, byte[] page) {
            byte[] out;
            switch (kind) {
                case RAW -> out = page;
                case ZLIB -> {
                    Deflater d = new Deflater();
                    d.setInput(page);
                    d.finish();
                    byte[] buf = new byte[page.length * 2];
                    int n = d.deflate(buf);
                    d.end();
                    out = Arrays.copyOf(buf, n);
                }
                case LZO -> out = airlift(new LzoCompressor(), page);
                case SNAPPY -> out = airlift(new SnappyCompressor(), page);
                case ZSTD -> out = Zstd.compress(page, 1);
                default -> throw new IllegalArgumentException(kind.name());
            }
            if (kind != Page.RAW && out.length >= page.length) {
                throw new IllegalStateException(kind + " did not shrink the test page");
            }
            return out;
        }

        private static byte[] airlift(io.airlift.compress.Compressor c, byte[] page) {
            byte[] buf = new byte[c.maxCompressedLength(page.length)];
            int n = c.compress(page, 0, page.length, buf, 0, buf.length);
            return Arrays.copyOf(buf, n);
        }
    }

    /**
     * The flattened stream for {@code file} (reference 01 §10): records of uneven sizes in a
     * shuffled order, plus {@code decoys} records of garbage that later records overwrite.
     */
    static byte[] flatten(byte[] file, long seed, int decoys, boolean endMarker) {
        Random random = new Random(seed);
        List<long[]> records = new ArrayList<>();
        for (int at = 0; at < file.length; ) {
            int len = Math.min(file.length - at, 1 + random.nextInt(6000));
            records.add(new long[] {at, len});
            at += len;
        }
        Collections.shuffle(records, random);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] header = new byte[4096];
        ByteBuffer.wrap(header).put("makedumpfile".getBytes(StandardCharsets.US_ASCII))
                .putLong(16, 1).putLong(24, 1);
        out.writeBytes(header);
        for (int i = 0; i < decoys; i++) {
            long at = random.nextInt(file.length - 100);
            byte[] garbage = new byte[100];
            Arrays.fill(garbage, (byte) 0xee);
            writeRecord(out, at, garbage);
        }
        for (long[] r : records) {
            writeRecord(out, r[0], Arrays.copyOfRange(file, (int) r[0], (int) (r[0] + r[1])));
        }
        if (endMarker) {
            out.writeBytes(ByteBuffer.allocate(16).putLong(-1).putLong(-1).array());
        }
        return out.toByteArray();
    }

    static void writeRecord(ByteArrayOutputStream out, long offset, byte[] payload) {
        out.writeBytes(ByteBuffer.allocate(16).putLong(offset).putLong(payload.length).array());
        out.writeBytes(payload);
    }

    /** An ELF64 core (reference 02 §1–3). */
    static final class Elf {
        record Segment(long vaddr, long paddr, byte[] data, long memSize) {
        }

        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        int machine = 62;
        int flags;
        boolean pnXnum;
        int type = 4;
        final List<byte[]> noteSegments = new ArrayList<>();
        final List<Segment> segments = new ArrayList<>();

        Elf notes(List<byte[]> notes) {
            noteSegments.add(concat(notes));
            return this;
        }

        Elf load(long paddr, byte[] data, long memSize) {
            return load(0xffff888000000000L + paddr, paddr, data, memSize);
        }

        Elf load(long vaddr, long paddr, byte[] data, long memSize) {
            segments.add(new Segment(vaddr, paddr, data, memSize));
            return this;
        }

        /** Two RAM segments: 0x1000..0x3000 full, 0x10000.. with a filtered tail. */
        static Elf standard() {
            Elf e = new Elf().notes(standardNotes(ByteOrder.LITTLE_ENDIAN));
            e.load(0x1000, concat(List.of(pageContent(1, 4096), pageContent(2, 4096))), 0x2000);
            e.load(0x10000, pageContent(16, 4096), 0x3000);
            return e;
        }

        byte[] build() {
            int phnum = noteSegments.size() + segments.size();
            long phoff = 64;
            long shoff = pnXnum ? phoff + 56L * phnum : 0;
            long dataAt = phoff + 56L * phnum + (pnXnum ? 64 : 0);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            ByteBuffer ph = ByteBuffer.allocate(56 * phnum).order(order);
            for (byte[] n : noteSegments) {
                ph.putInt(4).putInt(0).putLong(dataAt + body.size()).putLong(0).putLong(0)
                        .putLong(n.length).putLong(0).putLong(4);
                body.writeBytes(n);
            }
            for (Segment s : segments) {
                ph.putInt(1).putInt(7).putLong(dataAt + body.size()).putLong(s.vaddr()).putLong(s.paddr())
                        .putLong(s.data().length).putLong(s.memSize()).putLong(4096);
                body.writeBytes(s.data());
            }
            ByteBuffer f = ByteBuffer.allocate((int) (dataAt + body.size())).order(order);
            f.put(new byte[] {0x7f, 'E', 'L', 'F', 2, (byte) (order == ByteOrder.LITTLE_ENDIAN ? 1 : 2), 1});
            f.putShort(16, (short) type).putShort(18, (short) machine).putInt(20, 1);
            f.putLong(32, phoff).putLong(40, shoff).putInt(48, flags).putShort(52, (short) 64)
                    .putShort(54, (short) 56).putShort(56, (short) (pnXnum ? 0xffff : phnum))
                    .putShort(58, (short) 64).putShort(60, (short) (pnXnum ? 1 : 0));
            f.put((int) phoff, ph.array());
            if (pnXnum) {
                f.putInt((int) shoff + 44, phnum);
            }
            f.put((int) dataAt, body.toByteArray());
            return f.array();
        }
    }
}
