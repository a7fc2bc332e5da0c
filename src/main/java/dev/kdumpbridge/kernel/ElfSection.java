package dev.kdumpbridge.kernel;

/**
 * One section header of the kernel image, as stored (ELF64 {@code Elf64_Shdr}). Addresses are
 * link-time addresses: the running kernel's are these plus the KASLR offset.
 */
public record ElfSection(int index, String name, int type, long flags, long address, long fileOffset,
        long size, int link, int info, long entrySize) {

    static final int SHT_SYMTAB = 2;
    static final int SHT_STRTAB = 3;
    static final int SHT_NOTE = 7;
    static final int SHT_NOBITS = 8;
    static final long SHF_ALLOC = 0x2;
    static final long SHF_EXECINSTR = 0x4;

    /** Occupies memory in the running kernel. */
    public boolean isAllocated() {
        return (flags & SHF_ALLOC) != 0;
    }

    public boolean isExecutable() {
        return (flags & SHF_EXECINSTR) != 0;
    }

    /** Has bytes in the file; {@code .bss} and friends (SHT_NOBITS) only have a size. */
    public boolean hasFileBytes() {
        return type != SHT_NOBITS;
    }

    /** Whether {@code [linkAddress, linkAddress + length)} lies inside this section's memory. */
    public boolean contains(long linkAddress, long length) {
        long start = linkAddress - address;
        return isAllocated() && Long.compareUnsigned(start, size) < 0
                && Long.compareUnsigned(length, size - start) <= 0;
    }
}
