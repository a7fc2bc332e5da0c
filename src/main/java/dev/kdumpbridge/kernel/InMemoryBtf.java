package dev.kdumpbridge.kernel;

import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The kernel's own copy of its BTF, between {@code __start_BTF} and {@code __stop_BTF} in its
 * read-only data (reference 07 §1): struct layouts for a dump without a vmlinux. The symbols come
 * from {@link Kallsyms} (or a vmlinux); the bytes are the image's {@code .BTF} section, so the
 * types are the same. Lives here rather than in {@code btf} so that the BTF parser stays free of
 * kernel memory.
 */
public final class InMemoryBtf {
    /**
     * More BTF than any kernel has: a distribution kernel has about 5 MiB, an allyesconfig build
     * about 10 MiB.
     */
    static final long MAX_BTF_BYTES = 64L << 20;

    private InMemoryBtf() {
    }

    /**
     * Reads and parses the kernel's BTF.
     *
     * @param symbols the kernel's symbols at runtime addresses (with their KASLR offset)
     * @return empty when the kernel has neither bound symbol (built without
     *         {@code CONFIG_DEBUG_INFO_BTF})
     * @throws KernelMemoryFormatException when only one bound exists, or they do not enclose 1
     *                                     to {@link #MAX_BTF_BYTES} bytes
     * @throws dev.kdumpbridge.kernel.btf.BtfFormatException when the bytes are not valid BTF;
     *                                     its origin names the address range
     * @throws AddressFault                when the bytes are not in the dump
     */
    public static Optional<Btf> read(KernelMemory memory, Symbols symbols) throws IOException, AddressFault {
        OptionalLong start = symbols.address("__start_BTF");
        OptionalLong stop = symbols.address("__stop_BTF");
        if (start.isEmpty() && stop.isEmpty()) {
            return Optional.empty();
        }
        if (start.isEmpty() || stop.isEmpty()) {
            String present = start.isPresent() ? "__start_BTF" : "__stop_BTF";
            throw new KernelMemoryFormatException(start.orElse(stop.orElse(0)), "the kernel has " + present
                    + " but not " + (start.isPresent() ? "__stop_BTF" : "__start_BTF") + "; expected both or neither");
        }
        long from = start.getAsLong();
        long size = stop.getAsLong() - from;
        if (size <= 0 || size > MAX_BTF_BYTES) {
            throw new KernelMemoryFormatException(from, String.format("__start_BTF 0x%x to __stop_BTF 0x%x encloses"
                    + " %d bytes; expected 1 to %d", from, stop.getAsLong(), size, MAX_BTF_BYTES));
        }
        byte[] bytes = memory.read(from, (int) size);
        return Optional.of(Btf.parse(ByteBuffer.wrap(bytes),
                String.format("kernel memory 0x%x-0x%x (__start_BTF to __stop_BTF)", from, stop.getAsLong())));
    }
}
