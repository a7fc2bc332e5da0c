package dev.kdumpbridge.dump;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes any dump this package opens (ELF vmcore, kdump-compressed, flattened, split) as one
 * kdump-compressed file the way makedumpfile writes it (reference 01): header_version 6, neither
 * flattened nor split, pages compressed with one codec. crash, drgn (libkdumpfile) and
 * {@link Dumps} read the result.
 *
 * <h2>What the file says</h2>
 * <ul>
 *   <li>Main header: the source's utsname and crash time when it is kdump-compressed; for an ELF
 *       source utsname gets the release from VMCOREINFO {@code OSRELEASE} and the machine, and the
 *       time is {@code CRASHTIME}. {@code nr_cpus} is the number of NT_PRSTATUS notes.
 *   <li>Sub header: {@code phys_base} from the source's sub header, or for ELF from VMCOREINFO
 *       {@code NUMBER(phys_base)} (a signed decimal, negative when the kernel runs below its link
 *       address; stored as its 64-bit two's complement, like makedumpfile) or arm64's
 *       {@code NUMBER(PHYS_OFFSET)}. The dump level is the source's (0 for ELF) plus bit 1 with
 *       {@link ConvertOptions#excludeZeroPages}. Every source note is copied, in order.
 *   <li>1st bitmap: the RAM pages of {@link DumpFile#physicalRanges}, less those the source
 *       reports as not in the dump (QEMU segments that run past their RAM block); a page a range
 *       only ends in is not RAM, one it only starts in is, as makedumpfile decides. 2nd bitmap:
 *       every RAM page except those the source excluded.
 *   <li>Zero pages: when the dump level has bit 1, one zero page starts the page data and every
 *       all-zero page points at it, still set in the 2nd bitmap (makedumpfile {@code pd_zero}).
 *   <li>Pages that fail to read (damaged data, cut-off file, a missing split part) keep their bit
 *       in the 2nd bitmap and get an all-zero descriptor, which makedumpfile's format defines as
 *       "not saved"; the header's incomplete flag is set. Readers then report them as lost
 *       (crash: PAGE_INCOMPLETE), never as excluded and never as zeros.
 * </ul>
 *
 * <h2>Bounded memory</h2>
 * Two passes over the RAM pages, makedumpfile-style. The first asks the source which pages it
 * holds ({@link DumpFile#probe}, no page data) and writes both bitmaps straight into the output,
 * one window at a time, counting the pages that will get a descriptor. That count places the
 * page data after the descriptor table, so the second pass reads the 2nd bitmap back from the
 * output window by window, reads and compresses each page, and writes descriptors and data
 * through fixed-size buffers. Heap use is a few megabytes whatever the size of the dump; windows
 * without RAM are never written and stay holes in a sparse file.
 *
 * <h2>Safety</h2>
 * The sources are only read. The file is written as {@code OUT.tmp}, forced to disk and renamed
 * over {@code OUT} at the end; on failure the temporary file is removed. {@code OUT} (or its
 * temporary) naming one of the source's files is refused before anything is opened for writing.
 */
public final class KdumpWriter {
    private static final Logger LOG = LoggerFactory.getLogger("dump");

    /** Bitmap bytes per window: 64 KiB covers 2 GiB of 4 KiB pages per write. */
    private static final int WINDOW_BYTES = 1 << 16;
    private static final long WINDOW_PFNS = WINDOW_BYTES * 8L;
    /** Page data is buffered this much between positioned writes. */
    private static final int DATA_BUFFER_BYTES = 4 << 20;
    /** Descriptors are buffered this many at a time (384 KiB). */
    private static final int DESCRIPTOR_BUFFER_BYTES = KdumpLayout.DESCRIPTOR_SIZE * 16384;
    private static final int PROGRESS_EVERY_PAGES = 4096;
    /** x86 has no base page size but 4 KiB, so a dump without PAGESIZE still has one. */
    private static final int X86_PAGE_SIZE = 4096;
    /** Bit 1 of makedumpfile's {@code -d}: zero pages share one stored zero page. */
    private static final int DUMP_LEVEL_EXCLUDE_ZERO = 1;
    /** {@code struct new_utsname}: six strings of {@code __NEW_UTS_LEN + 1} bytes. */
    private static final int UTSNAME_FIELDS = 6;
    private static final int UTSNAME_SIZE = UTSNAME_FIELDS * KdumpLayout.UTS_FIELD;
    /** The kernel's {@code UTS_SYSNAME}, which starts {@code init_uts_ns.name}. */
    private static final String UTS_SYSNAME = "Linux";
    /** How far into {@code struct uts_namespace} the name is looked for: libkdumpfile's bound. */
    private static final int UTS_SEARCH = KdumpLayout.UTS_FIELD;

    private final DumpFile source;
    private final ConvertOptions options;
    private final ConvertListener listener;
    private final Plan plan;
    private final List<PhysRange> ranges;
    private final FileChannel out;

    private long excluded;
    private long stored;
    private long zero;
    private long failed;

    private KdumpWriter(DumpFile source, ConvertOptions options, ConvertListener listener, Plan plan,
            List<PhysRange> ranges, FileChannel out) {
        this.source = source;
        this.options = options;
        this.listener = listener;
        this.plan = plan;
        this.ranges = ranges;
        this.out = out;
    }

    /**
     * Writes {@code source} to {@code target} as a kdump-compressed file.
     *
     * @throws IllegalArgumentException {@code target} is one of the source's files or a
     *                                  directory, or the source
     *                                  cannot be converted (/proc/kcore, no memory, unknown page
     *                                  size); nothing was written
     * @throws IOException              the source cannot be read or the target written; the
     *                                  temporary file is gone, {@code target} untouched
     */
    public static ConvertSummary convert(DumpFile source, Path target, ConvertOptions options,
            ConvertListener listener) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        refuseInputs(source.info(), target, tmp);
        List<PhysRange> ranges = source.physicalRanges();
        Plan plan = Plan.of(source, ranges, options);
        Files.deleteIfExists(tmp);
        ConvertSummary summary;
        try {
            // CREATE_NEW after the delete: a symlink left at OUT.tmp is replaced, never followed.
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                summary = new KdumpWriter(source, options, listener, plan, ranges, channel).write();
                channel.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        LOG.debug("{}: {}", target, summary);
        return summary;
    }

    private static void refuseInputs(DumpInfo info, Path target, Path tmp) {
        if (Files.isDirectory(target)) {
            throw new IllegalArgumentException("will not write " + target + ": it is a directory");
        }
        for (Path input : info.files()) {
            for (Path candidate : List.of(target, tmp)) {
                if (sameFile(input, candidate)) {
                    throw new IllegalArgumentException("will not write " + candidate + ": it is "
                            + (input.equals(candidate) ? "" : input + ", ") + "one of the dump's own files");
                }
            }
        }
        if (info.kind() == DumpKind.KCORE) {
            throw new IllegalArgumentException("cannot convert /proc/kcore: a running kernel has no "
                    + "crash-time registers to put in the notes, and its memory changes while it is copied");
        }
    }

    private static boolean sameFile(Path a, Path b) {
        if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
            return true;
        }
        try {
            return Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Everything the headers say, decided before the first byte is written.
     *
     * @param notes             the copied note segment
     * @param vmcoreinfoOffset  file offset of the VMCOREINFO text; 0 when there is none
     * @param trailingVmcoreinfo VMCOREINFO text that is not one of the notes (an old kdump file
     *                          kept it apart), written after them
     */
    private record Plan(ByteOrder order, int pageSize, long maxMapnr, KdumpHeader.Utsname utsname,
            long timestampSeconds, long timestampMicros, int sourceStatus, long physBase, int dumpLevel,
            int nrCpus, byte[] notes, long vmcoreinfoOffset, long vmcoreinfoSize, byte[] trailingVmcoreinfo,
            int subHeaderBlocks, long bitmapBytes) {

        static Plan of(DumpFile source, List<PhysRange> ranges, ConvertOptions options) {
            DumpInfo info = source.info();
            int pageSize = pageSize(info);
            if (ranges.isEmpty()) {
                throw new IllegalArgumentException(info.files() + ": the dump describes no memory");
            }
            Optional<VmcoreInfo> vmcoreinfo = source.vmcoreInfo();
            KdumpHeader.Utsname utsname;
            long seconds;
            long micros;
            int status;
            long physBase;
            int dumpLevel;
            long maxMapnr;
            if (!info.kdumpHeaders().isEmpty()) {
                KdumpHeader h = info.kdumpHeaders().get(0);
                utsname = h.utsname();
                seconds = h.timestampSeconds();
                micros = h.timestampMicros();
                status = h.status();
                physBase = h.physBase();
                dumpLevel = h.dumpLevel();
                maxMapnr = h.maxMapnr();
            } else {
                String release = vmcoreinfo.flatMap(v -> v.get("OSRELEASE")).orElse("");
                utsname = vmcoreinfo.flatMap(v -> kernelUtsname(source, v, release))
                        .orElse(new KdumpHeader.Utsname("", "", release, "", info.machine(), ""));
                seconds = vmcoreinfo.map(v -> v.number("CRASHTIME")).orElse(OptionalLong.empty()).orElse(0);
                micros = 0;
                status = 0;
                physBase = vmcoreinfo.map(Plan::physBase).orElse(0L);
                dumpLevel = 0;
                PhysRange last = ranges.get(ranges.size() - 1);
                maxMapnr = (last.end() + pageSize - 1) / pageSize;
            }
            if (options.excludeZeroPages()) {
                dumpLevel |= DUMP_LEVEL_EXCLUDE_ZERO;
            }

            long notesOffset = (long) pageSize + KdumpLayout.SUB_HEADER_SIZE;
            List<byte[]> encoded = new ArrayList<>();
            long vmcoreinfoOffset = 0;
            long vmcoreinfoSize = 0;
            int length = 0;
            for (ElfNote note : source.notes()) {
                byte[] bytes = Notes.encode(note);
                if (vmcoreinfoOffset == 0 && note.name().equals(ElfNote.VMCOREINFO)) {
                    vmcoreinfoOffset = notesOffset + length + Notes.descriptorOffset(note);
                    vmcoreinfoSize = note.descriptorSize();
                }
                encoded.add(bytes);
                length += bytes.length;
            }
            byte[] notes = new byte[length];
            int at = 0;
            for (byte[] bytes : encoded) {
                System.arraycopy(bytes, 0, notes, at, bytes.length);
                at += bytes.length;
            }
            byte[] trailing = new byte[0];
            if (vmcoreinfoOffset == 0 && vmcoreinfo.isPresent()) {
                trailing = vmcoreinfo.get().text().getBytes(StandardCharsets.ISO_8859_1);
                vmcoreinfoOffset = notesOffset + notes.length;
                vmcoreinfoSize = trailing.length;
            }
            long subHeaderBytes = (long) KdumpLayout.SUB_HEADER_SIZE + notes.length + trailing.length;
            int subHeaderBlocks = (int) ((subHeaderBytes + pageSize - 1) / pageSize);
            // crash refuses nr_cpus <= 0; a dump without CPU notes still had one CPU.
            int nrCpus = Math.max(1, source.prstatus().size());
            return new Plan(info.byteOrder(), pageSize, maxMapnr, utsname, seconds, micros, status, physBase,
                    dumpLevel, nrCpus, notes, vmcoreinfoOffset, vmcoreinfoSize, trailing, subHeaderBlocks,
                    KdumpLayout.bitmapBytes(maxMapnr, pageSize));
        }

        private static int pageSize(DumpInfo info) {
            if (info.pageSize() > 0) {
                return info.pageSize();
            }
            if (info.machine().equals("x86_64") || info.machine().equals("i386")) {
                return X86_PAGE_SIZE;
            }
            throw new IllegalArgumentException(info.files() + ": the page size of this " + info.machine()
                    + " dump is unknown (no PAGESIZE in VMCOREINFO), so its pages cannot be cut into blocks");
        }

        /**
         * The kernel's own {@code init_uts_ns.name}, as makedumpfile copies it. libkdumpfile
         * (drgn) ignores a header utsname with an empty field and then cannot tell the
         * architecture, so release and machine alone are not enough. The kernel-image PT_LOAD of
         * a vmcore maps {@code _text.._end} with its physical address, which locates the
         * variable without page tables; QEMU dumps without paging have no such segment, and get
         * release and machine only, like QEMU's own kdump files.
         *
         * @param release VMCOREINFO's OSRELEASE, which the text found must repeat
         */
        private static Optional<KdumpHeader.Utsname> kernelUtsname(DumpFile source, VmcoreInfo v, String release) {
            OptionalLong symbol = v.symbol("init_uts_ns");
            if (symbol.isEmpty() || release.isEmpty()) {
                return Optional.empty();
            }
            long va = symbol.getAsLong();
            OptionalLong nameOffset = v.number("OFFSET(uts_namespace.name)");
            for (LoadSegment s : source.loadSegments()) {
                long into = va - s.vaddr();
                if (s.vaddr() == s.paddr() || Long.compareUnsigned(into, s.memSize()) >= 0) {
                    continue;
                }
                try {
                    ByteBuffer ns = ByteBuffer.wrap(source.read(s.paddr() + into, UTS_SEARCH + UTSNAME_SIZE));
                    // Without OFFSET(uts_namespace.name) (older kernels), the name is where
                    // UTS_SYSNAME is, after a refcount maybe: libkdumpfile looks the same way.
                    for (int at = 0; at <= UTS_SEARCH; at++) {
                        KdumpHeader.Utsname u = utsname(ns, at);
                        boolean here = nameOffset.isPresent() ? at == nameOffset.getAsLong()
                                : u.sysname().equals(UTS_SYSNAME);
                        if (here && u.release().equals(release)) {
                            return Optional.of(u);
                        }
                    }
                } catch (MemoryFault | IOException e) {
                    LOG.debug("init_uts_ns at {} is not readable through program header {}: {}",
                            Sizes.hex(va), s, e.getMessage());
                }
            }
            return Optional.empty();
        }

        private static KdumpHeader.Utsname utsname(ByteBuffer buf, int at) {
            String[] f = new String[UTSNAME_FIELDS];
            for (int i = 0; i < f.length; i++) {
                f[i] = Bytes.cString(buf, at + i * KdumpLayout.UTS_FIELD, KdumpLayout.UTS_FIELD);
            }
            return new KdumpHeader.Utsname(f[0], f[1], f[2], f[3], f[4], f[5]);
        }

        /**
         * x86_64 exports {@code NUMBER(phys_base)}, arm64 {@code NUMBER(PHYS_OFFSET)}: what
         * makedumpfile puts in the sub header for each (reference 01 §3, 03 §3).
         */
        private static long physBase(VmcoreInfo v) {
            OptionalLong value = v.number("NUMBER(phys_base)");
            return value.isPresent() ? value.getAsLong() : v.number("NUMBER(PHYS_OFFSET)").orElse(0);
        }

        boolean sharesZeroPage() {
            return (dumpLevel & DUMP_LEVEL_EXCLUDE_ZERO) != 0;
        }

        long bitmap1Offset() {
            return (1L + subHeaderBlocks) * pageSize;
        }

        long bitmap2Offset() {
            return bitmap1Offset() + bitmapBytes;
        }

        long descriptorsOffset() {
            return bitmap1Offset() + 2 * bitmapBytes;
        }
    }

    private ConvertSummary write() throws IOException {
        long candidates = countPages();
        long slots = scan(candidates);
        long dataOffset = plan.descriptorsOffset() + KdumpLayout.DESCRIPTOR_SIZE * slots;
        long end = writePages(slots, dataOffset);
        writeHeaders();
        return new ConvertSummary(stored, zero, excluded, failed, end);
    }

    /** Pages in RAM ranges, for the progress total; no I/O. */
    private long countPages() {
        PageWalk walk = new PageWalk();
        long n = 0;
        while (walk.next()) {
            n++;
        }
        return n;
    }

    /**
     * Pass 1: classifies every RAM page by what the source says about it and writes both bitmaps.
     *
     * @return the pages that get a descriptor
     */
    private long scan(long candidates) throws IOException {
        byte[] ram = new byte[WINDOW_BYTES];
        byte[] dumped = new byte[WINDOW_BYTES];
        long window = -1;
        long slots = 0;
        long done = 0;
        PageWalk walk = new PageWalk();
        while (walk.next()) {
            long w = walk.pfn / WINDOW_PFNS;
            if (w != window) {
                writeBitmaps(window, ram, dumped);
                Arrays.fill(ram, (byte) 0);
                Arrays.fill(dumped, (byte) 0);
                window = w;
            }
            int bit = (int) (walk.pfn % WINDOW_PFNS);
            Optional<MemoryFault> fault = source.probe(walk.start[0]);
            MemoryFault.Reason reason = fault.map(MemoryFault::reason).orElse(null);
            if (reason == MemoryFault.Reason.EXCLUDED) {
                set(ram, bit);
                excluded++;
            } else if (reason != MemoryFault.Reason.NOT_IN_DUMP) {
                // Held, or held but unreadable (TRUNCATED, CORRUPT): either way it gets a
                // descriptor, and pass 2 finds out which when it reads the page.
                set(ram, bit);
                set(dumped, bit);
                slots++;
            }
            if (++done % PROGRESS_EVERY_PAGES == 0) {
                listener.progress(ConvertListener.Phase.SCANNING, done, candidates);
            }
        }
        writeBitmaps(window, ram, dumped);
        listener.progress(ConvertListener.Phase.SCANNING, done, candidates);
        return slots;
    }

    private static void set(byte[] bitmap, int bit) {
        bitmap[bit >>> 3] |= (byte) (1 << (bit & 7));
    }

    private static boolean get(byte[] bitmap, int bit) {
        return (bitmap[bit >>> 3] >> (bit & 7) & 1) != 0;
    }

    private void writeBitmaps(long window, byte[] ram, byte[] dumped) throws IOException {
        if (window < 0) {
            return;
        }
        long at = window * WINDOW_BYTES;
        int len = (int) Math.min(WINDOW_BYTES, plan.bitmapBytes() - at);
        writeFully(ByteBuffer.wrap(ram, 0, len), plan.bitmap1Offset() + at);
        writeFully(ByteBuffer.wrap(dumped, 0, len), plan.bitmap2Offset() + at);
    }

    /**
     * Pass 2: one descriptor per page set in the 2nd bitmap, in PFN order, and the page data.
     *
     * @return the end of the file
     */
    private long writePages(long slots, long dataOffset) throws IOException {
        int pageSize = plan.pageSize();
        Output descriptors = new Output(plan.descriptorsOffset(), DESCRIPTOR_BUFFER_BYTES);
        Output data = new Output(dataOffset, DATA_BUFFER_BYTES);
        ByteBuffer descriptor = ByteBuffer.allocate(KdumpLayout.DESCRIPTOR_SIZE).order(plan.order());
        byte[] zeroPage = new byte[pageSize];
        long zeroOffset = dataOffset;
        if (plan.sharesZeroPage()) {
            data.put(zeroPage, pageSize);
        }
        byte[] page = new byte[pageSize];
        byte[] dumped = new byte[WINDOW_BYTES];
        long window = -1;
        long done = 0;
        PageWalk walk = new PageWalk();
        try (PageCodec.Encoder encoder = options.compression().isPresent()
                ? new PageCodec.Encoder(options.compression().get(), pageSize) : null) {
            while (walk.next()) {
                long w = walk.pfn / WINDOW_PFNS;
                if (w != window) {
                    readBitmap2(w, dumped);
                    window = w;
                }
                if (!get(dumped, (int) (walk.pfn % WINDOW_PFNS))) {
                    continue;
                }
                try {
                    readPage(walk, page);
                    if (plan.sharesZeroPage() && Arrays.equals(page, zeroPage)) {
                        putDescriptor(descriptor, zeroOffset, pageSize, 0);
                        zero++;
                    } else {
                        int n = encoder == null ? -1 : encoder.encode(page);
                        if (n > 0) {
                            putDescriptor(descriptor, data.position(), n, encoder.codec().flag());
                            data.put(encoder.output(), n);
                        } else {
                            putDescriptor(descriptor, data.position(), pageSize, 0);
                            data.put(page, pageSize);
                        }
                        stored++;
                    }
                } catch (MemoryFault fault) {
                    // An all-zero descriptor: "not saved" (reference 01 §8).
                    putDescriptor(descriptor, 0, 0, 0);
                    failed++;
                    listener.pageFailed(fault);
                }
                descriptors.put(descriptor.array(), KdumpLayout.DESCRIPTOR_SIZE);
                if (++done % PROGRESS_EVERY_PAGES == 0) {
                    listener.progress(ConvertListener.Phase.WRITING, done, slots);
                }
            }
        }
        if (done != slots) {
            throw new IllegalStateException("wrote " + done + " page descriptors, expected " + slots);
        }
        descriptors.flush();
        data.flush();
        listener.progress(ConvertListener.Phase.WRITING, done, slots);
        return data.position();
    }

    private static void putDescriptor(ByteBuffer d, long offset, int size, int flags) {
        d.putLong(KdumpLayout.DESC_OFFSET, offset);
        d.putInt(KdumpLayout.DESC_SIZE, size);
        d.putInt(KdumpLayout.DESC_FLAGS, flags);
    }

    private void readBitmap2(long window, byte[] dumped) throws IOException {
        long at = window * WINDOW_BYTES;
        int len = (int) Math.min(WINDOW_BYTES, plan.bitmapBytes() - at);
        ByteBuffer buf = ByteBuffer.wrap(dumped, 0, len);
        while (buf.hasRemaining()) {
            if (out.read(buf, plan.bitmap2Offset() + at + buf.position()) < 0) {
                throw new IOException("the bitmap just written ends early in the output file");
            }
        }
    }

    /** The page's bytes inside RAM; the rest of the page, outside RAM, stays zero. */
    private void readPage(PageWalk walk, byte[] page) throws MemoryFault, IOException {
        long pageStart = walk.pfn * plan.pageSize();
        if (walk.pieces != 1 || walk.start[0] != pageStart || walk.end[0] != pageStart + plan.pageSize()) {
            Arrays.fill(page, (byte) 0);
        }
        for (int i = 0; i < walk.pieces; i++) {
            source.read(walk.start[i], page, (int) (walk.start[i] - pageStart), (int) (walk.end[i] - walk.start[i]));
        }
    }

    private void writeHeaders() throws IOException {
        int ps = plan.pageSize();
        ByteBuffer main = ByteBuffer.allocate(KdumpLayout.MAIN_HEADER_SIZE).order(plan.order());
        main.put(KdumpLayout.SIGNATURE);
        main.putInt(KdumpLayout.MAIN_VERSION, KdumpLayout.HEADER_VERSION);
        KdumpHeader.Utsname u = plan.utsname();
        String[] uts = {u.sysname(), u.nodename(), u.release(), u.version(), u.machine(), u.domainname()};
        for (int i = 0; i < uts.length; i++) {
            byte[] field = uts[i].getBytes(StandardCharsets.ISO_8859_1);
            // Each field keeps at least one NUL, as the kernel's strings do.
            main.put(KdumpLayout.MAIN_UTSNAME + i * KdumpLayout.UTS_FIELD, field, 0,
                    Math.min(field.length, KdumpLayout.UTS_FIELD - 1));
        }
        main.putLong(KdumpLayout.MAIN_TIMESTAMP_SEC, plan.timestampSeconds());
        main.putLong(KdumpLayout.MAIN_TIMESTAMP_USEC, plan.timestampMicros());
        main.putInt(KdumpLayout.MAIN_STATUS, status());
        main.putInt(KdumpLayout.MAIN_BLOCK_SIZE, ps);
        main.putInt(KdumpLayout.MAIN_SUB_HDR_SIZE, plan.subHeaderBlocks());
        main.putInt(KdumpLayout.MAIN_BITMAP_BLOCKS, (int) (2 * plan.bitmapBytes() / ps));
        // The 32-bit copy saturates at UINT_MAX, as QEMU's and makedumpfile's do; readers of
        // version 6 use max_mapnr_64.
        main.putInt(KdumpLayout.MAIN_MAX_MAPNR, (int) Math.min(plan.maxMapnr(), 0xffff_ffffL));
        main.putInt(KdumpLayout.MAIN_NR_CPUS, plan.nrCpus());
        writeFully(main.clear(), 0);

        ByteBuffer sub = ByteBuffer.allocate(KdumpLayout.SUB_HEADER_SIZE).order(plan.order());
        sub.putLong(KdumpLayout.SUB_PHYS_BASE, plan.physBase());
        sub.putInt(KdumpLayout.SUB_DUMP_LEVEL, plan.dumpLevel());
        sub.putLong(KdumpLayout.SUB_OFFSET_VMCOREINFO, plan.vmcoreinfoOffset());
        sub.putLong(KdumpLayout.SUB_SIZE_VMCOREINFO, plan.vmcoreinfoSize());
        long notesAt = (long) ps + KdumpLayout.SUB_HEADER_SIZE;
        sub.putLong(KdumpLayout.SUB_OFFSET_NOTE, plan.notes().length == 0 ? 0 : notesAt);
        sub.putLong(KdumpLayout.SUB_SIZE_NOTE, plan.notes().length);
        sub.putLong(KdumpLayout.SUB_MAX_MAPNR_64, plan.maxMapnr());
        writeFully(sub.clear(), ps);
        writeFully(ByteBuffer.wrap(plan.notes()), notesAt);
        writeFully(ByteBuffer.wrap(plan.trailingVmcoreinfo()), notesAt + plan.notes().length);
    }

    /**
     * The codec bit, the source's vmemmap flag (its exclusions are carried over), and the
     * incomplete flag when some page could not be read.
     */
    private int status() {
        int status = plan.sourceStatus() & KdumpHeader.STATUS_EXCLUDED_VMEMMAP;
        if (options.compression().isPresent()) {
            status |= options.compression().get().flag();
        }
        if (failed > 0) {
            status |= KdumpHeader.STATUS_INCOMPLETE;
        }
        return status;
    }

    private void writeFully(ByteBuffer buf, long position) throws IOException {
        long at = position;
        while (buf.hasRemaining()) {
            at += out.write(buf, at);
        }
    }

    /** Bytes appended at a file position through a fixed buffer. */
    private final class Output {
        private final ByteBuffer buffer;
        private long flushedTo;

        Output(long start, int capacity) {
            this.flushedTo = start;
            this.buffer = ByteBuffer.allocate(capacity);
        }

        /** Where the next byte goes. */
        long position() {
            return flushedTo + buffer.position();
        }

        void put(byte[] bytes, int len) throws IOException {
            if (buffer.remaining() < len) {
                flush();
            }
            buffer.put(bytes, 0, len);
        }

        void flush() throws IOException {
            buffer.flip();
            writeFully(buffer, flushedTo);
            flushedTo += buffer.limit();
            buffer.clear();
        }
    }

    /**
     * The pages that hold RAM, in PFN order, each with the parts of it inside RAM ranges. A range
     * gives the pages from the one holding its first byte to the last one it fills: a page it
     * only starts in is kept, with zeros before the range; a page it only ends in is left out.
     * That is makedumpfile's rule ({@code create_bitmap_from_memhole} rounds both ends down),
     * so an e820 range ending at 0x9fc00 loses its last 3 KiB here as there.
     */
    private final class PageWalk {
        long pfn = -1;
        long[] start = new long[2];
        long[] end = new long[2];
        int pieces;
        private int range;

        boolean next() {
            int pageSize = plan.pageSize();
            for (; range < ranges.size(); range++) {
                PhysRange r = ranges.get(range);
                long candidate = Math.max(pfn + 1, r.start() / pageSize);
                if (candidate < r.end() / pageSize && candidate < plan.maxMapnr()) {
                    pfn = candidate;
                    break;
                }
            }
            if (range == ranges.size()) {
                return false;
            }
            long pageStart = pfn * pageSize;
            long pageEnd = pageStart + pageSize;
            pieces = 0;
            // Ranges are sorted and disjoint, so only the one before can still reach into this page.
            for (int i = Math.max(0, range - 1); i < ranges.size() && ranges.get(i).start() < pageEnd; i++) {
                long from = Math.max(ranges.get(i).start(), pageStart);
                long to = Math.min(ranges.get(i).end(), pageEnd);
                if (from >= to) {
                    continue;
                }
                if (pieces == start.length) {
                    start = Arrays.copyOf(start, 2 * pieces);
                    end = Arrays.copyOf(end, 2 * pieces);
                }
                start[pieces] = from;
                end[pieces] = to;
                pieces++;
            }
            return true;
        }
    }
}
