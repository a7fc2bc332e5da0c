package dev.kdumpbridge.dump;

/**
 * The main header and sub header of one kdump-compressed file (reference 01 §2–3), with the
 * version-dependent fields already resolved: {@code maxMapnr}, {@code startPfn} and
 * {@code endPfn} are the 64-bit values where the header version has them, and a file that is
 * not part of a split dump covers {@code [0, maxMapnr)}. Offsets are file offsets (of the
 * rearranged file for a flattened stream).
 */
public record KdumpHeader(
        int headerVersion,
        Utsname utsname,
        long timestampSeconds,
        long timestampMicros,
        int status,
        int blockSize,
        int subHeaderBlocks,
        long bitmapBlocks,
        long maxMapnr,
        int nrCpus,
        long physBase,
        int dumpLevel,
        boolean split,
        long startPfn,
        long endPfn,
        long vmcoreinfoOffset,
        long vmcoreinfoSize,
        long noteOffset,
        long noteSize,
        long eraseinfoOffset,
        long eraseinfoSize) {

    /** {@code status} bit: the writer ran out of space; later pages have descriptor offset 0. */
    public static final int STATUS_INCOMPLETE = 0x08;
    /** {@code status} bit: unused vmemmap pages were excluded ({@code makedumpfile -e}). */
    public static final int STATUS_EXCLUDED_VMEMMAP = 0x10;

    /** {@code struct new_utsname} of the dumped kernel; QEMU fills only {@code machine}. */
    public record Utsname(String sysname, String nodename, String release, String version,
            String machine, String domainname) {
    }

    public boolean incomplete() {
        return (status & STATUS_INCOMPLETE) != 0;
    }
}
