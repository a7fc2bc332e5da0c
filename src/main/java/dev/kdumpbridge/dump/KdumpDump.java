package dev.kdumpbridge.dump;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A kdump-compressed dump made of one file or of the parts of a split set, each possibly a
 * flattened stream. Routes each PFN to the part whose {@code [start_pfn, end_pfn)} holds it
 * (crash {@code read_diskdump}) and keeps a few decompressed pages.
 */
final class KdumpDump implements DumpFile {
    private final List<KdumpPart> parts;
    private final long[] partStarts;
    private final KdumpPart first;
    private final int blockSize;
    private final PageCache cache;
    private final DumpInfo info;
    private final List<ElfNote> prstatus;
    private volatile List<PhysRange> ranges;

    /**
     * @param parts all parts of one dump (already matched), in any order; this object owns them
     */
    KdumpDump(List<KdumpPart> parts, DumpOptions options, List<String> warnings) throws DumpFormatException {
        List<KdumpPart> sorted = new ArrayList<>(parts);
        sorted.sort(Comparator.comparingLong(p -> p.header().startPfn()));
        this.parts = List.copyOf(sorted);
        this.first = sorted.get(0);
        this.blockSize = first.header().blockSize();
        this.partStarts = sorted.stream().mapToLong(p -> p.header().startPfn()).toArray();
        this.cache = new PageCache(options.pageCacheSize());
        boolean missing = checkCoverage(sorted, warnings);
        this.prstatus = first.notes().stream().filter(n -> n.is(ElfNote.CORE, ElfNote.NT_PRSTATUS)).toList();
        this.info = describe(sorted, missing, warnings);
    }

    /** Overlapping parts are an error; gaps (a part not given or not found) only a warning. */
    private static boolean checkCoverage(List<KdumpPart> sorted, List<String> warnings) throws DumpFormatException {
        long expected = 0;
        boolean missing = false;
        for (KdumpPart p : sorted) {
            KdumpHeader h = p.header();
            if (h.startPfn() < expected) {
                throw new DumpFormatException(p.name(), "split part covers pfn " + h.startPfn() + " to "
                        + h.endPfn() + ", overlapping the part before it, which ends at pfn " + expected);
            }
            if (h.startPfn() > expected) {
                warnings.add("split dump: no part covers pfn " + expected + " to " + h.startPfn()
                        + " (the part before " + p.name() + " is missing)");
                missing = true;
            }
            expected = h.endPfn();
        }
        long maxMapnr = sorted.get(0).header().maxMapnr();
        if (expected < maxMapnr) {
            warnings.add("split dump: no part covers pfn " + expected + " to " + maxMapnr
                    + " (the last part is missing)");
            missing = true;
        }
        return missing;
    }

    private DumpInfo describe(List<KdumpPart> sorted, boolean missing, List<String> warnings) {
        KdumpHeader h = first.header();
        boolean flattened = sorted.stream().anyMatch(KdumpPart::flattened);
        boolean split = h.split();
        StringBuilder name = new StringBuilder("kdump-compressed");
        List<String> traits = new ArrayList<>();
        if (flattened) {
            traits.add("flattened");
        }
        if (split) {
            traits.add("split, " + sorted.size() + (sorted.size() == 1 ? " part" : " parts"));
        }
        if (h.utsname().release().isEmpty()) {
            // makedumpfile always copies utsname; QEMU fills only machine (reference 01 §11).
            traits.add("written by QEMU");
        }
        if (!traits.isEmpty()) {
            name.append(" (").append(String.join(", ", traits)).append(')');
        }
        boolean incomplete = missing || sorted.stream()
                .anyMatch(p -> p.header().incomplete() || !p.streamComplete());
        // QEMU writes its ELF_MACHINE_UNAME, "Unknown" for targets without one (aarch64).
        String uname = h.utsname().machine();
        String machine = uname.isEmpty() || uname.equals("Unknown") ? machineOfNotes(first.notes()) : uname;
        return new DumpInfo(name.toString(), DumpKind.KDUMP_COMPRESSED,
                sorted.stream().map(KdumpPart::path).toList(), flattened,
                Compression.fromStatus(h.status()), OptionalInt.of(h.dumpLevel()), blockSize,
                OptionalInt.of(h.headerVersion()), incomplete, machine, first.order(),
                sorted.stream().map(KdumpPart::header).toList(), Optional.empty(), warnings);
    }

    /**
     * QEMU names no machine on arm64 (reference 01 §11); the CPUs' NT_PRSTATUS notes still
     * tell the machine by their size, which is each architecture's {@code struct elf_prstatus}.
     */
    private static String machineOfNotes(List<ElfNote> notes) {
        for (ElfNote note : notes) {
            if (note.type() == ElfNote.NT_PRSTATUS) {
                switch (note.descriptor().length) {
                    case 336:
                        return "x86_64";
                    case 392:
                        return "aarch64";
                    default:
                        return "unknown";
                }
            }
        }
        return "unknown";
    }

    @Override
    public DumpInfo info() {
        return info;
    }

    @Override
    public List<ElfNote> notes() {
        return first.notes();
    }

    @Override
    public List<ElfNote> prstatus() {
        return prstatus;
    }

    @Override
    public Optional<VmcoreInfo> vmcoreInfo() {
        return first.vmcoreInfo();
    }

    /** Every part has the full-size RAM bitmap, so the first one describes them all. */
    @Override
    public List<PhysRange> physicalRanges() throws IOException {
        List<PhysRange> r = ranges;
        if (r == null) {
            r = List.copyOf(first.ramRanges());
            ranges = r;
        }
        return r;
    }

    @Override
    public Optional<MemoryFault> probe(long physAddr) throws IOException {
        try {
            long pfn = pfnOf(physAddr);
            partFor(pfn).locate(pfn);
            return Optional.empty();
        } catch (MemoryFault fault) {
            return Optional.of(fault.at(physAddr));
        }
    }

    @Override
    public void read(long physAddr, byte[] dst, int off, int len) throws MemoryFault, IOException {
        Objects.checkFromIndexSize(off, len, dst.length);
        long at = physAddr;
        int done = 0;
        while (done < len) {
            long pfn;
            byte[] page;
            try {
                pfn = pfnOf(at);
                page = page(pfn);
            } catch (MemoryFault fault) {
                throw fault.at(at);
            }
            int inPage = (int) (at - pfn * blockSize);
            int n = Math.min(len - done, blockSize - inPage);
            System.arraycopy(page, inPage, dst, off + done, n);
            done += n;
            at += n;
        }
    }

    private long pfnOf(long physAddr) throws MemoryFault {
        if (physAddr < 0) {
            throw new MemoryFault(physAddr, MemoryFault.Reason.NOT_IN_DUMP, "beyond the dump");
        }
        return physAddr / blockSize;
    }

    private byte[] page(long pfn) throws MemoryFault, IOException {
        byte[] page = cache.get(pfn);
        if (page == null) {
            KdumpPart part = partFor(pfn);
            page = part.load(pfn, part.locate(pfn));
            cache.put(pfn, page);
        }
        return page;
    }

    private KdumpPart partFor(long pfn) throws MemoryFault, IOException {
        int i = Arrays.binarySearch(partStarts, pfn);
        if (i < 0) {
            i = -i - 2;
        }
        if (i >= 0 && pfn < parts.get(i).header().endPfn()) {
            return parts.get(i);
        }
        if (pfn >= first.header().maxMapnr()) {
            // Let the part report "beyond the dump" with its own numbers.
            return first;
        }
        long address = pfn * blockSize;
        if (!first.isRam(pfn)) {
            throw new MemoryFault(address, MemoryFault.Reason.NOT_IN_DUMP, "a memory hole (not RAM)");
        }
        throw new MemoryFault(address, MemoryFault.Reason.TRUNCATED,
                "RAM stored in a part of the split dump that was not given or found");
    }

    @Override
    public List<LoadSegment> loadSegments() {
        return List.of();
    }

    @Override
    public Optional<VirtualMemory> liveVirtualMemory() {
        return Optional.empty();
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (KdumpPart p : parts) {
            try {
                p.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
