package dev.kdumpbridge.dump;

import java.io.IOException;
import java.util.List;

/**
 * The kernel-virtual view that only /proc/kcore has: its segments are addressed by kernel
 * virtual address. Every read goes to the kernel (no caching), because the memory is live.
 * Translation of other addresses stays with the memory layer.
 */
public interface VirtualMemory {

    /** The PT_LOAD segments, {@code vaddr} authoritative. */
    List<LoadSegment> segments();

    /**
     * Fills {@code dst[off, off+len)} from kernel virtual {@code vaddr}. Unmapped pages inside
     * a segment read as zeros: that is what the kernel returns, and it cannot be told apart here.
     *
     * @throws MemoryFault for addresses outside every segment; bytes before
     *                     {@link MemoryFault#address()} were filled
     */
    void read(long vaddr, byte[] dst, int off, int len) throws MemoryFault, IOException;
}
