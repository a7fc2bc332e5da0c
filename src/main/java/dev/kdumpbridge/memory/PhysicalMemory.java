package dev.kdumpbridge.memory;

import dev.kdumpbridge.dump.MemoryFault;
import java.io.IOException;

/**
 * Where physical bytes come from: {@code DumpFile::read} in practice, a byte array in tests.
 * Same contract as {@link dev.kdumpbridge.dump.DumpFile#read}: on a fault, the bytes before
 * {@link MemoryFault#address()} were filled.
 */
@FunctionalInterface
public interface PhysicalMemory {

    void read(long physicalAddress, byte[] dst, int off, int len) throws MemoryFault, IOException;
}
