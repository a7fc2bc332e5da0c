package dev.kdumpbridge.kernel.dwarf;

/**
 * Where an instruction came from, as the line table says.
 *
 * @param file the path as DWARF names it: the file's directory joined with its name, under the
 *             compilation directory when the directory is relative. It stays relative when the
 *             build mapped its directories to relative ones, as Debian's kernels do
 *             ({@code debian/build/build_amd64_none_cloud-amd64/kernel/sched/core.c}), exactly as
 *             {@code addr2line} prints it
 * @param line 1-based; 0 for code the compiler made up that belongs to no line
 */
public record SourceLine(String file, int line) {
    @Override
    public String toString() {
        return file + ":" + line;
    }
}
