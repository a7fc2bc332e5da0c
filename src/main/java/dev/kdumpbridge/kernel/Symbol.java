package dev.kdumpbridge.kernel;

/**
 * One kernel symbol.
 *
 * @param address     where the running kernel has it: the link address plus the KASLR offset
 *                    for symbols inside the kernel image, the link address itself for zero-based
 *                    per-CPU offsets and absolute values
 * @param linkAddress the value in the image's symbol table
 * @param size        {@code st_size}; 0 for assembler labels, which have none
 * @param global      bound globally or weakly; a local (static) name can occur many times
 */
public record Symbol(String name, long address, long linkAddress, long size, Kind kind, boolean global) {

    /** What a symbol's value is, which decides how KASLR moves it. */
    public enum Kind {
        /** In an executable section. */
        TEXT,
        /** In any other allocated section: data, read-only data, bss, init data. */
        DATA,
        /**
         * A per-CPU variable ({@code .data..percpu}). On x86-64 its value is an offset into each
         * CPU's area ({@code __per_cpu_offset[cpu]} + value), not an address, and KASLR does not
         * move it; where the section has a real address (arm64) it moves with the image.
         */
        PER_CPU,
        /** A global absolute value ({@code SHN_ABS}); moved only if it lies inside the image. */
        ABSOLUTE
    }
}
