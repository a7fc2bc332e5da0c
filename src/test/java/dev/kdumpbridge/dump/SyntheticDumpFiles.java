package dev.kdumpbridge.dump;

/**
 * {@link SyntheticDumps}' standard dumps for tests outside this package (the command line's),
 * which need a dump to give a command without reaching into how one is made.
 */
public final class SyntheticDumpFiles {
    private SyntheticDumpFiles() {
    }

    /** {@link SyntheticDumps.Kdump#standard}: 64 PFNs, every codec, zero, excluded and hole pages. */
    public static byte[] kdump() {
        return SyntheticDumps.Kdump.standard().build();
    }

    /** {@link SyntheticDumps.Elf#standard}: three pages of data and a filtered tail of two. */
    public static byte[] elf() {
        return SyntheticDumps.Elf.standard().build();
    }

    /** What a stored page of these dumps holds. */
    public static byte[] pageContent(long pfn, int size) {
        return SyntheticDumps.pageContent(pfn, size);
    }
}
