package dev.kdumpbridge.dump;

/**
 * One PT_LOAD program header, as stored. All values are unsigned 64-bit; for /proc/kcore
 * {@code vaddr} is the authoritative address and {@code paddr} is -1 (all ones) for segments
 * that are not linear RAM or kernel text, 0 on kernels before 4.19 (reference 02 §2.3).
 */
public record LoadSegment(long vaddr, long paddr, long fileOffset, long fileSize, long memSize, int flags) {
}
