package dev.kdumpbridge.kernel;

import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.memory.PageMapping;
import java.nio.ByteOrder;

/**
 * Little-endian kernel memory that is one byte array at one virtual address; everything else is
 * unmapped. Reads count themselves, so tests can check that tables are read in large pieces.
 */
final class ArrayMemory implements KernelMemory {
    private final long base;
    private final byte[] bytes;
    private int reads;

    ArrayMemory(long base, byte[] bytes) {
        this.base = base;
        this.bytes = bytes;
    }

    /** How many {@link #read} calls were made. */
    int reads() {
        return reads;
    }

    @Override
    public ByteOrder byteOrder() {
        return ByteOrder.LITTLE_ENDIAN;
    }

    @Override
    public void read(long virtualAddress, byte[] dst, int off, int len) throws AddressFault {
        reads++;
        for (int i = 0; i < len; i++) {
            long at = virtualAddress + i - base;
            if (at < 0 || at >= bytes.length) {
                throw AddressFault.notMapped(virtualAddress + i, null, "outside the test's memory");
            }
            dst[off + i] = bytes[(int) at];
        }
    }

    @Override
    public void readPhysical(long physicalAddress, byte[] dst, int off, int len) throws AddressFault {
        throw AddressFault.notMapped(physicalAddress, null, "the test has no physical memory");
    }

    @Override
    public PageMapping translate(long virtualAddress) throws AddressFault {
        throw AddressFault.notMapped(virtualAddress, null, "the test has no page tables");
    }
}
