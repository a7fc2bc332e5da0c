package dev.kdumpbridge.kernel;

import java.io.IOException;

/**
 * A table the kernel keeps in its own memory (kallsyms, the bounds of its BTF) cannot be true as
 * read from the dump: a count beyond any kernel's, an entry running past its table, an address
 * outside the kernel image. Like the image and BTF format errors, the message names the
 * kernel-virtual address of the offending field and what was expected there; a dump whose tables
 * are damaged can still be read with a vmlinux.
 */
public final class KernelMemoryFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long address;

    KernelMemoryFormatException(long address, String problem) {
        super(String.format("kernel memory 0x%x: %s", address, problem));
        this.address = address;
    }

    /** Kernel-virtual address of the offending field. */
    public long address() {
        return address;
    }
}
