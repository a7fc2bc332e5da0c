package dev.kdumpbridge.dump;

/** The container, which decides how addresses, notes and metadata are found. */
public enum DumpKind {
    /** ELF core of a crashed or paused kernel: /proc/vmcore copy, makedumpfile -E, QEMU elf. */
    ELF_VMCORE,
    /** The running kernel through /proc/kcore: virtual segments, contents change between reads. */
    KCORE,
    /** makedumpfile's kdump-compressed format (also flattened, split, and QEMU kdump-*). */
    KDUMP_COMPRESSED
}
