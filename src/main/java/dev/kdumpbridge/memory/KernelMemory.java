package dev.kdumpbridge.memory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The memory of the dumped kernel, addressed the way the kernel addressed it: kernel-virtual
 * addresses through its own page tables, physical addresses as they are. Safe for concurrent
 * use by several threads.
 *
 * <p>Every read either fills the whole request or throws an {@link AddressFault} naming the
 * first address it could not read; the bytes before that address were filled, so a debugger
 * can return a partial read.
 */
public interface KernelMemory {

    /** The byte order of the dumped machine, for the value readers below. */
    ByteOrder byteOrder();

    /** Fills {@code dst[off, off+len)} from kernel-virtual {@code virtualAddress} on. */
    void read(long virtualAddress, byte[] dst, int off, int len) throws AddressFault, IOException;

    /** Fills {@code dst[off, off+len)} from physical {@code physicalAddress} on. */
    void readPhysical(long physicalAddress, byte[] dst, int off, int len) throws AddressFault, IOException;

    /**
     * The page holding {@code virtualAddress}, found by walking the page tables.
     *
     * @throws AddressFault when the address is not mapped or a table cannot be read
     */
    PageMapping translate(long virtualAddress) throws AddressFault, IOException;

    default byte[] read(long virtualAddress, int len) throws AddressFault, IOException {
        byte[] bytes = new byte[len];
        read(virtualAddress, bytes, 0, len);
        return bytes;
    }

    /** The 64-bit value at {@code virtualAddress}, in the dump's byte order. */
    default long readLong(long virtualAddress) throws AddressFault, IOException {
        return ByteBuffer.wrap(read(virtualAddress, Long.BYTES)).order(byteOrder()).getLong();
    }

    /** The 32-bit value at {@code virtualAddress}, in the dump's byte order. */
    default int readInt(long virtualAddress) throws AddressFault, IOException {
        return ByteBuffer.wrap(read(virtualAddress, Integer.BYTES)).order(byteOrder()).getInt();
    }
}
