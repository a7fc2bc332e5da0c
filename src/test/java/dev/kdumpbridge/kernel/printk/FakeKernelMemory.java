package dev.kdumpbridge.kernel.printk;

import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.memory.PageMapping;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.TreeMap;

/** Kernel memory made of a few byte arrays at virtual addresses; everything else unmapped. */
final class FakeKernelMemory implements KernelMemory {
    private final ByteOrder order;
    private final TreeMap<Long, byte[]> regions = new TreeMap<>(Long::compareUnsigned);

    FakeKernelMemory(ByteOrder order) {
        this.order = order;
    }

    /** A zeroed region of {@code size} bytes at {@code address}, for the caller to fill. */
    ByteBuffer map(long address, int size) {
        byte[] bytes = new byte[size];
        regions.put(address, bytes);
        return ByteBuffer.wrap(bytes).order(order);
    }

    void unmap(long address) {
        regions.remove(address);
    }

    @Override
    public ByteOrder byteOrder() {
        return order;
    }

    @Override
    public void read(long virtualAddress, byte[] dst, int off, int len) throws AddressFault {
        for (int i = 0; i < len; i++) {
            long address = virtualAddress + i;
            Map.Entry<Long, byte[]> region = regions.floorEntry(address);
            long inRegion = region == null ? -1 : address - region.getKey();
            if (region == null || inRegion >= region.getValue().length) {
                throw AddressFault.notMapped(address, null, "nothing at this address in the test");
            }
            dst[off + i] = region.getValue()[(int) inRegion];
        }
    }

    @Override
    public void readPhysical(long physicalAddress, byte[] dst, int off, int len) {
        throw new UnsupportedOperationException("the log is read virtually");
    }

    @Override
    public PageMapping translate(long virtualAddress) {
        throw new UnsupportedOperationException("the log is read virtually");
    }
}
