package dev.kdumpbridge.kernel;

import dev.kdumpbridge.memory.KernelMemory;

/** Small stand-ins for the kernel model's inputs, for unit tests of the layers above it. */
public final class KernelFakes {
    private KernelFakes() {
    }

    /** Data symbols at the addresses given, as {@code name, address, size, name, address, size, ...}. */
    public static Symbols symbols(long imageStart, long imageEnd, Object... nameAddressSize) {
        Symbols.Builder builder = new Symbols.Builder(nameAddressSize.length / 3);
        for (int i = 0; i < nameAddressSize.length; i += 3) {
            builder.add((String) nameAddressSize[i], ((Number) nameAddressSize[i + 1]).longValue(),
                ((Number) nameAddressSize[i + 2]).longValue(), Symbol.Kind.DATA, true, 0);
        }
        return builder.build(imageStart, imageEnd);
    }

    /** Little-endian memory holding {@code bytes} at {@code base}, nothing elsewhere. */
    public static KernelMemory memory(long base, byte[] bytes) {
        return new ArrayMemory(base, bytes);
    }
}
