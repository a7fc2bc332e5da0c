package dev.kdumpbridge.dump;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * ELF cores: /proc/vmcore copies, makedumpfile -E, QEMU dump-guest-memory, and the live
 * /proc/kcore (reference 02). Page data is never cached here: the file is its own cache for
 * dumps, and kcore must be read afresh every time.
 */
final class ElfCore implements DumpFile {
    static final byte[] MAGIC = {0x7f, 'E', 'L', 'F'};

    private static final int EHDR_SIZE = 64;
    private static final int PHDR_SIZE = 56;
    private static final int SHDR_SIZE = 64;
    private static final int ET_CORE = 4;
    private static final int PT_LOAD = 1;
    private static final int PT_NOTE = 4;
    private static final int PN_XNUM = 0xffff;
    /**
     * QEMU writes one PT_LOAD per guest RAM block, or per mapping with paging=true; even that
     * stays far below four million, which is already 220 MiB of headers.
     */
    private static final long MAX_PROGRAM_HEADERS = 1L << 22;
    /** Program headers are read in slices of this many bytes, never in one header-sized buffer. */
    private static final int PHDR_READ_CHUNK = PHDR_SIZE * 4096;

    private final FileSource file;
    private final DumpInfo info;
    private final List<ElfNote> notes;
    private final List<ElfNote> prstatus;
    private final Optional<VmcoreInfo> vmcoreInfo;
    private final List<LoadSegment> loads;
    private final SegmentMap physical;
    private final Optional<VirtualMemory> virtual;
    private final MemoryFault.Reason tailReason;
    private final String tailDetail;

    private ElfCore(FileSource file, DumpInfo info, List<ElfNote> notes, List<ElfNote> prstatus,
            Optional<VmcoreInfo> vmcoreInfo, List<LoadSegment> loads, SegmentMap physical,
            SegmentMap kcoreVirtual, MemoryFault.Reason tailReason, String tailDetail) {
        this.file = file;
        this.info = info;
        this.notes = notes;
        this.prstatus = prstatus;
        this.vmcoreInfo = vmcoreInfo;
        this.loads = loads;
        this.physical = physical;
        this.virtual = kcoreVirtual == null ? Optional.empty() : Optional.of(new KcoreView(kcoreVirtual));
        this.tailReason = tailReason;
        this.tailDetail = tailDetail;
    }

    /** The ELF header fields that locate and describe the rest. */
    private record Header(ByteOrder order, int machine, int flags, long phoff, long phnum, int phentsize) {
    }

    static ElfCore open(FileSource file) throws IOException {
        String name = file.name();
        List<String> warnings = new ArrayList<>();
        Header h = readHeader(file);
        ByteOrder order = h.order();
        long phnum = h.phnum();
        List<LoadSegment> loads = new ArrayList<>();
        List<LoadSegment> noteSegments = new ArrayList<>();
        readProgramHeaders(file, order, h.phoff(), phnum, h.phentsize(), loads, noteSegments);

        List<ElfNote> notes = readNotes(file, order, noteSegments, warnings);
        boolean kcore = isKcore(file, notes);
        boolean qemu = notes.stream().anyMatch(n -> n.name().equals(ElfNote.QEMU));
        Optional<VmcoreInfo> vmcoreInfo = VmcoreInfo.fromNotes(notes);
        List<ElfNote> prstatus = kcore ? List.of()
                : notes.stream().filter(n -> n.is(ElfNote.CORE, ElfNote.NT_PRSTATUS)).toList();

        boolean truncated = false;
        List<SegmentMap.Entry> physEntries = new ArrayList<>();
        List<SegmentMap.Entry> virtEntries = new ArrayList<>();
        boolean kcoreHasPaddr = kcore && loads.stream().anyMatch(s -> s.paddr() != 0 && s.paddr() != -1);
        for (int i = 0; i < loads.size(); i++) {
            LoadSegment s = loads.get(i);
            long fileSize = s.fileSize();
            if (Long.compareUnsigned(fileSize, s.memSize()) > 0) {
                warnings.add(name + ": program header " + i + ": p_filesz " + fileSize
                        + " exceeds p_memsz " + s.memSize() + "; using p_memsz");
                fileSize = s.memSize();
            }
            long fileBytes = fileBytes(s.fileOffset(), fileSize, file.size());
            if (fileBytes < 0) {
                warnings.add(name + ": program header " + i + ": p_offset " + Long.toUnsignedString(s.fileOffset())
                        + " cannot be read (beyond 2^63); segment unreadable");
                fileBytes = 0;
            } else if (fileBytes < fileSize && !kcore) {
                warnings.add(name + ": program header " + i + ": segment claims " + fileSize
                        + " bytes at offset " + s.fileOffset() + " but the file ends at " + file.size()
                        + "; the dump is truncated");
                truncated = true;
            }
            if (kcore) {
                virtEntries.add(new SegmentMap.Entry(s.vaddr(), clipLength(s.vaddr(), s.memSize()),
                        s.fileOffset(), fileSize, fileBytes, i));
            }
            if (!kcore || kcoreHasPaddr && s.paddr() != -1) {
                if (s.paddr() < 0 || s.memSize() < 0 || s.paddr() > Long.MAX_VALUE - s.memSize()) {
                    warnings.add(name + ": program header " + i + ": physical range "
                            + Sizes.hex(s.paddr()) + " + " + Sizes.hex(s.memSize())
                            + " is beyond any physical address; ignored");
                    continue;
                }
                physEntries.add(new SegmentMap.Entry(s.paddr(), s.memSize(), s.fileOffset(), fileSize, fileBytes, i));
            }
        }
        if (kcore && !kcoreHasPaddr) {
            warnings.add(name + ": /proc/kcore gives no physical addresses (kernel before 4.19); "
                    + "only the virtual view is available");
        }
        boolean incomplete = (h.flags() & ElfHeader.FLAG_INCOMPLETE) != 0 || truncated;
        long pageSize = vmcoreInfo.map(v -> v.number("PAGESIZE").orElse(0)).orElse(0L);
        DumpInfo info = new DumpInfo(
                kcore ? "/proc/kcore (live kernel)" : qemu ? "ELF vmcore (QEMU dump-guest-memory)" : "ELF vmcore",
                kcore ? DumpKind.KCORE : DumpKind.ELF_VMCORE,
                List.of(file.path()), false, Set.of(), OptionalInt.empty(),
                Sizes.isPowerOfTwo(pageSize) && pageSize <= 1 << 30 ? (int) pageSize : 0,
                OptionalInt.empty(), incomplete, DumpInfo.machineName(h.machine()), order, List.of(),
                Optional.of(new ElfHeader(h.machine(), h.flags(), phnum)), warnings);

        // QEMU's p_memsz > p_filesz means the mapping ran past its RAM block; makedumpfile -E
        // uses the same shape for pages it filtered out (reference 02 §2.2).
        MemoryFault.Reason tailReason = qemu ? MemoryFault.Reason.NOT_IN_DUMP : MemoryFault.Reason.EXCLUDED;
        String tailDetail = qemu ? "beyond the end of the guest RAM block this segment maps"
                : "excluded from the dump (in a PT_LOAD's p_memsz but not its p_filesz: filtered by makedumpfile)";
        return new ElfCore(file, info, List.copyOf(notes), prstatus, vmcoreInfo, List.copyOf(loads),
                new SegmentMap(physEntries), kcore ? new SegmentMap(virtEntries) : null, tailReason, tailDetail);
    }

    private static Header readHeader(FileSource file) throws IOException {
        String name = file.name();
        ByteBuffer ehdr = file.readStruct(0, EHDR_SIZE, ByteOrder.LITTLE_ENDIAN, "the ELF header");
        if (ehdr.get(4) != 2) {
            throw new DumpFormatException(name, 4, "ELF class " + ehdr.get(4)
                    + ", expected 2 (ELFCLASS64): 32-bit kernel dumps are not supported");
        }
        byte data = ehdr.get(5);
        if (data != 1 && data != 2) {
            throw new DumpFormatException(name, 5, "ELF data encoding " + data
                    + ", expected 1 (little-endian) or 2 (big-endian)");
        }
        ByteOrder order = data == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        ehdr.order(order);
        int type = Short.toUnsignedInt(ehdr.getShort(16));
        if (type != ET_CORE) {
            throw new DumpFormatException(name, 16, "e_type " + type
                    + ", expected 4 (ET_CORE): this ELF file is not a core dump");
        }
        int machine = Short.toUnsignedInt(ehdr.getShort(18));
        long phoff = ehdr.getLong(32);
        long shoff = ehdr.getLong(40);
        int flags = ehdr.getInt(48);
        int phentsize = Short.toUnsignedInt(ehdr.getShort(54));
        long phnum = Short.toUnsignedInt(ehdr.getShort(56));
        int shentsize = Short.toUnsignedInt(ehdr.getShort(58));
        if (phentsize < PHDR_SIZE) {
            throw new DumpFormatException(name, 54, "e_phentsize " + phentsize
                    + ", expected at least " + PHDR_SIZE);
        }
        if (phnum == PN_XNUM) {
            // QEMU, past 65534 segments: the real count is sh_info of section header 0.
            if (shentsize < SHDR_SIZE) {
                throw new DumpFormatException(name, 58, "e_phnum is PN_XNUM, so section header 0 "
                        + "holds the count, but e_shentsize is " + shentsize + ", expected at least "
                        + SHDR_SIZE);
            }
            ByteBuffer shdr = file.readStruct(shoff, SHDR_SIZE, order,
                    "section header 0 (e_phnum is PN_XNUM, e_shoff " + shoff + ")");
            phnum = Integer.toUnsignedLong(shdr.getInt(44));
        }
        if (phnum > MAX_PROGRAM_HEADERS || phoff < 0 || phnum * phentsize > file.size() - phoff) {
            throw new DumpFormatException(name, 32, phnum + " program headers of " + phentsize
                    + " bytes at e_phoff " + phoff + " would need " + Sizes.human(phnum * phentsize)
                    + ", but the file is " + Sizes.human(file.size()));
        }
        return new Header(order, machine, flags, phoff, phnum, phentsize);
    }

    private static void readProgramHeaders(FileSource file, ByteOrder order, long phoff, long phnum,
            int phentsize, List<LoadSegment> loads, List<LoadSegment> noteSegments) throws IOException {
        long perChunk = Math.max(1, PHDR_READ_CHUNK / phentsize);
        for (long first = 0; first < phnum; first += perChunk) {
            int count = (int) Math.min(perChunk, phnum - first);
            long at = phoff + first * phentsize;
            ByteBuffer chunk = file.readStruct(at, count * phentsize, order, "program headers");
            for (int k = 0; k < count; k++) {
                int base = k * phentsize;
                int type = chunk.getInt(base);
                if (type != PT_LOAD && type != PT_NOTE) {
                    continue;
                }
                LoadSegment s = new LoadSegment(chunk.getLong(base + 16), chunk.getLong(base + 24),
                        chunk.getLong(base + 8), chunk.getLong(base + 32), chunk.getLong(base + 40),
                        chunk.getInt(base + 4));
                (type == PT_LOAD ? loads : noteSegments).add(s);
            }
        }
    }

    private static List<ElfNote> readNotes(FileSource file, ByteOrder order, List<LoadSegment> segments,
            List<String> warnings) throws IOException {
        List<ElfNote> notes = new ArrayList<>();
        long budget = Notes.MAX_NOTE_BYTES;
        for (LoadSegment s : segments) {
            long available = fileBytes(s.fileOffset(), s.fileSize(), file.size());
            if (available < s.fileSize()) {
                warnings.add(file.name() + ": offset " + Long.toUnsignedString(s.fileOffset())
                        + ": PT_NOTE of " + Long.toUnsignedString(s.fileSize()) + " bytes runs past the end of the file ("
                        + file.size() + " bytes); reading what is there");
            }
            if (available > budget) {
                warnings.add(file.name() + ": offset " + s.fileOffset() + ": PT_NOTE of "
                        + Sizes.human(available) + " is past the " + Sizes.human(Notes.MAX_NOTE_BYTES)
                        + " allowed for all notes; ignored");
                continue;
            }
            if (available <= 0) {
                continue;
            }
            budget -= available;
            ByteBuffer segment = file.readStruct(s.fileOffset(), (int) available, order, "PT_NOTE");
            Notes.parse(segment, s.fileOffset(), file.name(), notes, warnings);
        }
        return notes;
    }

    /**
     * Bytes of {@code [offset, offset+size)} that a file of {@code fileSize} holds; -1 when the
     * offset is not even a valid file position.
     */
    private static long fileBytes(long offset, long size, long fileSize) {
        if (offset < 0) {
            return -1;
        }
        if (offset >= fileSize) {
            return 0;
        }
        return Long.compareUnsigned(size, fileSize - offset) > 0 ? fileSize - offset : size;
    }

    /** A segment ending past 2^64 is cut at the top of the address space. */
    private static long clipLength(long start, long length) {
        long room = -start;
        return start != 0 && Long.compareUnsigned(length, room) > 0 ? room : length;
    }

    /**
     * kcore announces itself by content (reference 02 §3): a prpsinfo naming "vmlinux" or a
     * copy of the reader's task_struct. The path is the fallback for a kcore read through a
     * symlink or a copy of its header.
     */
    private static boolean isKcore(FileSource file, List<ElfNote> notes) {
        for (ElfNote n : notes) {
            if (n.is(ElfNote.CORE, ElfNote.NT_TASKSTRUCT)) {
                return true;
            }
            if (n.is(ElfNote.CORE, ElfNote.NT_PRPSINFO) && n.descriptorSize() >= 56
                    && Bytes.cString(n.descriptorBuffer(), 40, 16).equals("vmlinux")) {
                return true;
            }
        }
        return FileSource.isKcore(file.path());
    }

    @Override
    public DumpInfo info() {
        return info;
    }

    @Override
    public List<ElfNote> notes() {
        return notes;
    }

    @Override
    public List<ElfNote> prstatus() {
        return prstatus;
    }

    @Override
    public Optional<VmcoreInfo> vmcoreInfo() {
        return vmcoreInfo;
    }

    @Override
    public List<PhysRange> physicalRanges() {
        return physical.union();
    }

    @Override
    public Optional<MemoryFault> probe(long physAddr) {
        SegmentMap.Entry e = physical.find(physAddr);
        return Optional.ofNullable(e == null ? notInDump("physical", physAddr) : faultInside(e, physAddr));
    }

    @Override
    public void read(long physAddr, byte[] dst, int off, int len) throws MemoryFault, IOException {
        readFrom(physical, "physical", physAddr, dst, off, len);
    }

    private void readFrom(SegmentMap map, String space, long address, byte[] dst, int off, int len)
            throws MemoryFault, IOException {
        Objects.checkFromIndexSize(off, len, dst.length);
        long at = address;
        int done = 0;
        while (done < len) {
            SegmentMap.Entry e = map.find(at);
            if (e == null) {
                throw notInDump(space, at);
            }
            MemoryFault fault = faultInside(e, at);
            if (fault != null) {
                throw fault;
            }
            long inSegment = at - e.start();
            int n = (int) Math.min(len - done, e.fileBytes() - inSegment);
            ByteBuffer target = ByteBuffer.wrap(dst, off + done, n);
            int got = file.read(e.fileOffset() + inSegment, target);
            if (got < n) {
                throw new MemoryFault(at + got, MemoryFault.Reason.TRUNCATED,
                        "the file ended while reading segment " + e.index());
            }
            done += n;
            at += n;
        }
    }

    private static MemoryFault notInDump(String space, long address) {
        return new MemoryFault(address, MemoryFault.Reason.NOT_IN_DUMP,
                "no PT_LOAD segment covers this " + space + " address");
    }

    /** Null when the byte at {@code address} is in the file. */
    private MemoryFault faultInside(SegmentMap.Entry e, long address) {
        long inSegment = address - e.start();
        if (Long.compareUnsigned(inSegment, e.fileBytes()) < 0) {
            return null;
        }
        if (Long.compareUnsigned(inSegment, e.fileSize()) < 0) {
            return new MemoryFault(address, MemoryFault.Reason.TRUNCATED, "segment " + e.index()
                    + " continues past the end of the file (the dump is truncated)");
        }
        return new MemoryFault(address, tailReason, tailDetail);
    }

    @Override
    public List<LoadSegment> loadSegments() {
        return loads;
    }

    @Override
    public Optional<VirtualMemory> liveVirtualMemory() {
        return virtual;
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    private final class KcoreView implements VirtualMemory {
        private final SegmentMap map;

        KcoreView(SegmentMap map) {
            this.map = map;
        }

        @Override
        public List<LoadSegment> segments() {
            return loads;
        }

        @Override
        public void read(long vaddr, byte[] dst, int off, int len) throws MemoryFault, IOException {
            readFrom(map, "virtual", vaddr, dst, off, len);
        }
    }
}
