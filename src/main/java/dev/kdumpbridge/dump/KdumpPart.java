package dev.kdumpbridge.dump;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One kdump-compressed file (a whole dump, or one part of a split set): its headers, bitmaps,
 * descriptors and page data (reference 01). Answers per PFN; which part serves which PFN, and
 * caching, are {@link KdumpDump}'s.
 */
final class KdumpPart implements Closeable {
    /** The newest layout we know; later versions are read as this one, with a warning. */
    private static final int KNOWN_HEADER_VERSION = KdumpLayout.HEADER_VERSION;
    /** Versions grow by one per layout change; anything this large is not a version. */
    private static final int MAX_HEADER_VERSION = 1000;
    /** Page sizes of Linux architectures run from 4 KiB to 256 KiB (Hexagon); leave room. */
    private static final int MIN_BLOCK_SIZE = 512;
    private static final int MAX_BLOCK_SIZE = 1 << 20;
    /** 2^40 pages is 4 PiB of 4 KiB pages, beyond 52-bit physical addressing. */
    private static final long MAX_PFNS = 1L << 40;
    /** VMCOREINFO_BYTES is one page; the kernel never writes more. */
    private static final long MAX_VMCOREINFO = 1 << 20;

    private final ByteSource source;
    private final Path path;
    private final boolean flattened;
    private final boolean streamComplete;
    private final KdumpHeader header;
    private final ByteOrder order;
    private final long dataOffset;
    private final PfnBitmap ram;
    private final PfnBitmap dumpable;
    private final PfnBitmap.Rank rank;
    private final byte[] noteBytes;
    private final List<ElfNote> notes;
    private final Optional<VmcoreInfo> vmcoreInfo;

    /** A page descriptor, checked against the file. */
    record Descriptor(long offset, int size, Compression codec) {
    }

    private KdumpPart(ByteSource source, Path path, boolean flattened, boolean streamComplete,
            KdumpHeader header, ByteOrder order, long bitmapOffset, long bitmap2Offset, byte[] noteBytes,
            List<ElfNote> notes, Optional<VmcoreInfo> vmcoreInfo) {
        this.source = source;
        this.path = path;
        this.flattened = flattened;
        this.streamComplete = streamComplete;
        this.header = header;
        this.order = order;
        this.dataOffset = (1L + header.subHeaderBlocks() + header.bitmapBlocks()) * header.blockSize();
        this.ram = new PfnBitmap(source, bitmapOffset, header.maxMapnr());
        this.dumpable = new PfnBitmap(source, bitmap2Offset, header.maxMapnr());
        this.rank = dumpable.new Rank(header.startPfn());
        this.noteBytes = noteBytes;
        this.notes = notes;
        this.vmcoreInfo = vmcoreInfo;
    }

    /**
     * Reads and checks the headers, notes and VMCOREINFO; bitmaps and pages are read later, on
     * demand. Every size is checked against the file before it is used.
     */
    static KdumpPart open(ByteSource source, Path path, boolean flattened, boolean streamComplete,
            List<String> warnings) throws IOException {
        String name = source.name();
        ByteBuffer main = source.readStruct(0, KdumpLayout.MAIN_HEADER_SIZE, ByteOrder.LITTLE_ENDIAN,
                "the kdump main header");
        if (!Bytes.startsWith(main, KdumpLayout.SIGNATURE)) {
            throw new DumpFormatException(name, 0, "signature is not \"KDUMP   \"");
        }
        ByteOrder order = byteOrder(main, name);
        main.order(order);
        int version = main.getInt(KdumpLayout.MAIN_VERSION);
        int blockSize = main.getInt(KdumpLayout.MAIN_BLOCK_SIZE);
        int subHeaderBlocks = main.getInt(KdumpLayout.MAIN_SUB_HDR_SIZE);
        long bitmapBlocks = Integer.toUnsignedLong(main.getInt(KdumpLayout.MAIN_BITMAP_BLOCKS));
        long fileSize = source.size();
        if (version > KNOWN_HEADER_VERSION) {
            warnings.add(name + ": offset " + KdumpLayout.MAIN_VERSION + ": header_version " + version
                    + " is newer than " + KNOWN_HEADER_VERSION + "; reading it as version " + KNOWN_HEADER_VERSION);
        }
        if (subHeaderBlocks < 0 || (version >= 1 && subHeaderBlocks == 0)
                || (1L + subHeaderBlocks) * blockSize > fileSize) {
            throw new DumpFormatException(name, KdumpLayout.MAIN_SUB_HDR_SIZE, "sub_hdr_size " + subHeaderBlocks
                    + " blocks of " + blockSize + " bytes would need "
                    + Sizes.human((1L + Math.max(0, subHeaderBlocks)) * blockSize)
                    + " before the bitmaps, but the file is " + Sizes.human(fileSize)
                    + (version >= 1 ? " (and header_version " + version + " needs at least 1 block)" : ""));
        }
        long bitmapOffset = (1L + subHeaderBlocks) * blockSize;
        long bitmapBytes = bitmapBlocks * blockSize;
        if (bitmapBytes > fileSize - bitmapOffset) {
            throw new DumpFormatException(name, KdumpLayout.MAIN_BITMAP_BLOCKS, "bitmap_blocks " + bitmapBlocks
                    + " would need " + Sizes.human(bitmapBytes) + ", but the file is " + Sizes.human(fileSize));
        }
        ByteBuffer sub = version >= 1
                ? source.readStruct(blockSize, KdumpLayout.SUB_HEADER_SIZE, order, "the kdump sub header")
                : ByteBuffer.allocate(KdumpLayout.SUB_HEADER_SIZE).order(order);

        long maxMapnr = Integer.toUnsignedLong(main.getInt(KdumpLayout.MAIN_MAX_MAPNR));
        long maxMapnrAt = KdumpLayout.MAIN_MAX_MAPNR;
        if (version >= 6) {
            maxMapnr = sub.getLong(KdumpLayout.SUB_MAX_MAPNR_64);
            maxMapnrAt = blockSize + (long) KdumpLayout.SUB_MAX_MAPNR_64;
        }
        long oneBitmap = KdumpLayout.bitmapBytes(maxMapnr, blockSize);
        if (maxMapnr <= 0 || maxMapnr > MAX_PFNS || oneBitmap > bitmapBytes) {
            throw new DumpFormatException(name, maxMapnrAt, "max_mapnr " + Long.toUnsignedString(maxMapnr)
                    + " needs a bitmap of " + (maxMapnr <= 0 || maxMapnr > MAX_PFNS ? "an impossible size"
                    : Sizes.human(oneBitmap)) + ", but bitmap_blocks " + bitmapBlocks + " holds "
                    + Sizes.human(bitmapBytes) + " for both bitmaps");
        }
        // The bits themselves must be stored: in a flattened stream, a bitmap that lies in a gap
        // between records reads as zeros, and would be scanned and indexed to its claimed end.
        if ((maxMapnr + 7) >>> 3 > source.storedBytes()) {
            throw new DumpFormatException(name, maxMapnrAt, "max_mapnr " + maxMapnr + " needs a bitmap of "
                    + Sizes.human((maxMapnr + 7) >>> 3) + ", but the flattened stream holds only "
                    + Sizes.human(source.storedBytes()) + " of the file it stands for");
        }
        long bitmap2Offset;
        if (2 * oneBitmap <= bitmapBytes) {
            bitmap2Offset = bitmapOffset + bitmapBytes / 2;
        } else {
            // Very old diskdump layout: one bitmap says both "RAM" and "dumped" (crash does the same).
            warnings.add(name + ": offset " + KdumpLayout.MAIN_BITMAP_BLOCKS + ": bitmap_blocks " + bitmapBlocks
                    + " holds only one bitmap; using it as both the RAM and the dumpable bitmap");
            bitmap2Offset = bitmapOffset;
        }

        boolean split = version >= 2 && sub.getInt(KdumpLayout.SUB_SPLIT) != 0;
        long startPfn = 0;
        long endPfn = maxMapnr;
        if (split) {
            int at = version >= 6 ? KdumpLayout.SUB_START_PFN_64 : KdumpLayout.SUB_START_PFN;
            startPfn = sub.getLong(at);
            endPfn = sub.getLong(version >= 6 ? KdumpLayout.SUB_END_PFN_64 : KdumpLayout.SUB_END_PFN);
            if (startPfn < 0 || startPfn > endPfn || endPfn > maxMapnr) {
                throw new DumpFormatException(name, blockSize + (long) at, "split part covers pfn "
                        + Long.toUnsignedString(startPfn) + " to " + Long.toUnsignedString(endPfn)
                        + ", expected start <= end <= max_mapnr " + maxMapnr);
            }
        }

        KdumpHeader header = new KdumpHeader(version, utsname(main), main.getLong(KdumpLayout.MAIN_TIMESTAMP_SEC),
                main.getLong(KdumpLayout.MAIN_TIMESTAMP_USEC), main.getInt(KdumpLayout.MAIN_STATUS), blockSize,
                subHeaderBlocks, bitmapBlocks, maxMapnr, main.getInt(KdumpLayout.MAIN_NR_CPUS),
                version >= 1 ? sub.getLong(KdumpLayout.SUB_PHYS_BASE) : 0,
                version >= 1 ? sub.getInt(KdumpLayout.SUB_DUMP_LEVEL) : 0,
                split, startPfn, endPfn,
                version >= 3 ? sub.getLong(KdumpLayout.SUB_OFFSET_VMCOREINFO) : 0,
                version >= 3 ? sub.getLong(KdumpLayout.SUB_SIZE_VMCOREINFO) : 0,
                version >= 4 ? sub.getLong(KdumpLayout.SUB_OFFSET_NOTE) : 0,
                version >= 4 ? sub.getLong(KdumpLayout.SUB_SIZE_NOTE) : 0,
                version >= 5 ? sub.getLong(KdumpLayout.SUB_OFFSET_ERASEINFO) : 0,
                version >= 5 ? sub.getLong(KdumpLayout.SUB_SIZE_ERASEINFO) : 0);

        byte[] noteBytes = optionalRegion(source, header.noteOffset(), header.noteSize(), Notes.MAX_NOTE_BYTES,
                blockSize + (long) KdumpLayout.SUB_SIZE_NOTE, "the ELF notes", warnings);
        List<ElfNote> notes = new ArrayList<>();
        Notes.parse(ByteBuffer.wrap(noteBytes).order(order), header.noteOffset(), name, notes, warnings);
        byte[] vmcoreinfo = optionalRegion(source, header.vmcoreinfoOffset(), header.vmcoreinfoSize(),
                MAX_VMCOREINFO, blockSize + (long) KdumpLayout.SUB_SIZE_VMCOREINFO, "the VMCOREINFO text", warnings);
        Optional<VmcoreInfo> info = vmcoreinfo.length > 0
                ? Optional.of(VmcoreInfo.parse(vmcoreinfo))
                : VmcoreInfo.fromNotes(notes);
        return new KdumpPart(source, path, flattened, streamComplete, header, order, bitmapOffset,
                bitmap2Offset, noteBytes, List.copyOf(notes), info);
    }

    /**
     * The producer's byte order: makedumpfile writes the dumped machine's. The block size alone
     * can fool us (4096 big-endian reads as 2^20 little-endian), so header_version must be sane
     * in the same order.
     */
    private static ByteOrder byteOrder(ByteBuffer main, String name) throws DumpFormatException {
        for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
            ByteBuffer b = main.duplicate().order(order);
            int blockSize = b.getInt(KdumpLayout.MAIN_BLOCK_SIZE);
            int version = b.getInt(KdumpLayout.MAIN_VERSION);
            if (Sizes.isPowerOfTwo(blockSize) && blockSize >= MIN_BLOCK_SIZE && blockSize <= MAX_BLOCK_SIZE
                    && version >= 0 && version <= MAX_HEADER_VERSION) {
                return order;
            }
        }
        ByteBuffer le = main.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        throw new DumpFormatException(name, KdumpLayout.MAIN_BLOCK_SIZE, "block_size "
                + le.getInt(KdumpLayout.MAIN_BLOCK_SIZE) + " with header_version " + le.getInt(KdumpLayout.MAIN_VERSION)
                + ", expected a power of two from " + MIN_BLOCK_SIZE + " to " + MAX_BLOCK_SIZE
                + " and a version from 0 to " + MAX_HEADER_VERSION + " (in either byte order)");
    }

    private static KdumpHeader.Utsname utsname(ByteBuffer main) {
        String[] f = new String[6];
        for (int i = 0; i < f.length; i++) {
            f[i] = Bytes.cString(main, KdumpLayout.MAIN_UTSNAME + i * KdumpLayout.UTS_FIELD, KdumpLayout.UTS_FIELD);
        }
        return new KdumpHeader.Utsname(f[0], f[1], f[2], f[3], f[4], f[5]);
    }

    /**
     * A region the sub header points at that the dump can live without (notes, VMCOREINFO):
     * damage is a warning and an empty result.
     */
    private static byte[] optionalRegion(ByteSource source, long offset, long size, long max, long fieldAt,
            String what, List<String> warnings) throws IOException {
        if (offset == 0 || size == 0) {
            return new byte[0];
        }
        if (offset < 0 || size < 0 || size > max || offset > source.size() - size) {
            warnings.add(source.name() + ": offset " + fieldAt + ": " + what + " at offset "
                    + Long.toUnsignedString(offset) + ", " + Long.toUnsignedString(size)
                    + " bytes, are not inside the file (" + source.size() + " bytes, at most "
                    + Sizes.human(max) + " allowed); ignored");
            return new byte[0];
        }
        return source.readStruct(offset, (int) size, ByteOrder.LITTLE_ENDIAN, what).array();
    }

    KdumpHeader header() {
        return header;
    }

    Path path() {
        return path;
    }

    String name() {
        return source.name();
    }

    boolean flattened() {
        return flattened;
    }

    /** False when a flattened stream had no end marker. */
    boolean streamComplete() {
        return streamComplete;
    }

    ByteOrder order() {
        return order;
    }

    List<ElfNote> notes() {
        return notes;
    }

    Optional<VmcoreInfo> vmcoreInfo() {
        return vmcoreInfo;
    }

    boolean isRam(long pfn) throws IOException {
        return pfn >= 0 && pfn < header.maxMapnr() && ram.get(pfn);
    }

    List<PhysRange> ramRanges() throws IOException {
        return ram.runs(header.maxMapnr(), header.blockSize());
    }

    /**
     * Where this part's page for {@code pfn} is, or why there is none (reference 01 §4–5, §8).
     * Faults carry the page's first address.
     */
    Descriptor locate(long pfn) throws MemoryFault, IOException {
        long address = pfn * header.blockSize();
        if (pfn >= header.maxMapnr()) {
            throw new MemoryFault(address, MemoryFault.Reason.NOT_IN_DUMP,
                    "beyond the dump, which ends at pfn " + header.maxMapnr());
        }
        if (!ram.get(pfn)) {
            throw new MemoryFault(address, MemoryFault.Reason.NOT_IN_DUMP, "a memory hole (not RAM)");
        }
        if (!dumpable.get(pfn)) {
            throw new MemoryFault(address, MemoryFault.Reason.EXCLUDED,
                    "excluded by makedumpfile (dump_level " + header.dumpLevel() + ")");
        }
        long index = rank.of(pfn);
        long at = dataOffset + KdumpLayout.DESCRIPTOR_SIZE * index;
        if (at > source.size() - KdumpLayout.DESCRIPTOR_SIZE) {
            throw new MemoryFault(address, MemoryFault.Reason.TRUNCATED, "page descriptor " + index
                    + " would be at offset " + at + ", past the end of " + name() + " (" + source.size() + " bytes)");
        }
        ByteBuffer d = source.readStruct(at, KdumpLayout.DESCRIPTOR_SIZE, order, "page descriptor");
        long offset = d.getLong(KdumpLayout.DESC_OFFSET);
        long size = Integer.toUnsignedLong(d.getInt(KdumpLayout.DESC_SIZE));
        int flags = d.getInt(KdumpLayout.DESC_FLAGS);
        String where = "page descriptor at offset " + at + " of " + name();
        if (offset == 0) {
            throw new MemoryFault(address, MemoryFault.Reason.TRUNCATED, header.incomplete()
                    ? "not saved: the dump is incomplete (the writer ran out of space)"
                    : "not saved (" + where + " is empty), although the dump is not flagged incomplete");
        }
        if (size == 0 || size > header.blockSize()) {
            throw new MemoryFault(address, MemoryFault.Reason.CORRUPT, where + " gives size " + size
                    + ", expected 1 to block_size " + header.blockSize());
        }
        Compression codec = null;
        if (flags != 0) {
            codec = Arrays.stream(Compression.values()).filter(c -> c.flag() == flags).findFirst().orElse(null);
            if (codec == null) {
                throw new MemoryFault(address, MemoryFault.Reason.CORRUPT, where + " has flags "
                        + Sizes.hex(Integer.toUnsignedLong(flags)) + ", expected 0 or one of zlib 0x1, lzo 0x2, snappy 0x4, zstd 0x20");
            }
        } else if (size != header.blockSize()) {
            throw new MemoryFault(address, MemoryFault.Reason.CORRUPT, where + " stores the page raw in "
                    + size + " bytes, expected block_size " + header.blockSize());
        }
        if (offset < dataOffset) {
            throw new MemoryFault(address, MemoryFault.Reason.CORRUPT, where + " points at offset " + offset
                    + ", before the page descriptors start at " + dataOffset);
        }
        if (offset > source.size() - size) {
            throw new MemoryFault(address, MemoryFault.Reason.TRUNCATED, "page data at offset " + offset
                    + " (" + size + " bytes) lies past the end of " + name() + " (" + source.size() + " bytes)");
        }
        return new Descriptor(offset, (int) size, codec);
    }

    /** The page's {@code block_size} bytes. */
    byte[] load(long pfn, Descriptor d) throws MemoryFault, IOException {
        long address = pfn * header.blockSize();
        byte[] stored = new byte[d.size()];
        int got = source.read(d.offset(), ByteBuffer.wrap(stored));
        if (got < stored.length) {
            throw new MemoryFault(address, MemoryFault.Reason.TRUNCATED, "page data at offset " + d.offset()
                    + " of " + name() + " ends after " + got + " of " + stored.length + " bytes");
        }
        if (d.codec() == null) {
            return stored;
        }
        try {
            return PageCodec.decode(d.codec(), stored, header.blockSize());
        } catch (PageCodec.BadPageException e) {
            throw new MemoryFault(address, MemoryFault.Reason.CORRUPT, "page data at offset " + d.offset()
                    + " of " + name() + " (" + d.size() + " bytes): " + e.getMessage());
        }
    }

    /**
     * Why {@code other} is not another part of the same split dump as this one, or empty. The
     * copied notes hold the crash-time registers and VMCOREINFO (with CRASHTIME), so equal notes
     * mean the same crash.
     */
    Optional<String> mismatch(KdumpPart other) {
        KdumpHeader a = header;
        KdumpHeader b = other.header;
        if (!a.utsname().equals(b.utsname())) {
            return Optional.of("utsname differs");
        }
        if (a.blockSize() != b.blockSize() || a.maxMapnr() != b.maxMapnr()) {
            return Optional.of("block_size/max_mapnr differ (" + a.blockSize() + "/" + a.maxMapnr()
                    + " vs " + b.blockSize() + "/" + b.maxMapnr() + ")");
        }
        if (a.timestampSeconds() != b.timestampSeconds() || a.timestampMicros() != b.timestampMicros()) {
            return Optional.of("crash timestamps differ");
        }
        if (!Arrays.equals(noteBytes, other.noteBytes)) {
            return Optional.of("the ELF notes differ (another crash)");
        }
        if (!b.split()) {
            return Optional.of("it is not part of a split dump (split=0)");
        }
        return Optional.empty();
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
