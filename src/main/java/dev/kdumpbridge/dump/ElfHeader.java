package dev.kdumpbridge.dump;

/**
 * The fields of an ELF core header that describe the dump rather than locate its parts.
 *
 * @param machine        {@code e_machine} (62 x86_64, 183 aarch64)
 * @param flags          {@code e_flags}; makedumpfile sets bit 0 when the dump is incomplete
 * @param programHeaders the real program header count, after QEMU's PN_XNUM escape
 */
public record ElfHeader(int machine, int flags, long programHeaders) {
    /** makedumpfile's {@code DUMP_ELF_INCOMPLETE}. */
    public static final int FLAG_INCOMPLETE = 0x1;
}
