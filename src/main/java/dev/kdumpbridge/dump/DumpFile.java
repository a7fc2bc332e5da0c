package dev.kdumpbridge.dump;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * An open kernel dump: physical memory plus the metadata the producer stored beside it.
 * Opened by {@link Dumps#open}. Safe for concurrent use by several threads.
 */
public interface DumpFile extends Closeable {

    DumpInfo info();

    /** Every note, in file order (for split dumps, those of the first part). */
    List<ElfNote> notes();

    /** The notes of one owner and type, in file order. */
    default List<ElfNote> notes(String owner, int type) {
        return notes().stream().filter(n -> n.is(owner, type)).toList();
    }

    /**
     * {@code CORE}/{@code NT_PRSTATUS} descriptors in the order they appear, which is CPU order
     * for QEMU and for kdump only up to the CPUs that saved no state (reference 02 §5). Empty
     * for /proc/kcore, whose single prstatus is all zeros.
     */
    List<ElfNote> prstatus();

    /** The VMCOREINFO text, when the producer had it. */
    Optional<VmcoreInfo> vmcoreInfo();

    /**
     * Physical ranges the dump describes as RAM, sorted and disjoint. Pages inside may still be
     * excluded or missing; {@link #probe} tells, page by page.
     */
    List<PhysRange> physicalRanges() throws IOException;

    /**
     * The fault a read of {@code physAddr} would raise, found from the headers and bitmaps
     * without reading page data; empty when the page is stored. Damaged compressed data is only
     * found by reading it.
     */
    Optional<MemoryFault> probe(long physAddr) throws IOException;

    /**
     * Fills {@code dst[off, off+len)} with physical memory from {@code physAddr}.
     *
     * @throws MemoryFault at the first byte that is not in the dump; bytes before
     *                     {@link MemoryFault#address()} were filled. Never zeros instead.
     * @throws IOException when the file itself cannot be read
     */
    void read(long physAddr, byte[] dst, int off, int len) throws MemoryFault, IOException;

    default byte[] read(long physAddr, int len) throws MemoryFault, IOException {
        byte[] bytes = new byte[len];
        read(physAddr, bytes, 0, len);
        return bytes;
    }

    /** PT_LOAD program headers of an ELF dump; empty for kdump-compressed. */
    List<LoadSegment> loadSegments();

    /** The kernel-virtual view of /proc/kcore; empty for every other dump. */
    Optional<VirtualMemory> liveVirtualMemory();
}
