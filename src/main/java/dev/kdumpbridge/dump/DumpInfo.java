package dev.kdumpbridge.dump;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What a dump is, as its headers say: for {@code info}-style output and for the layers above
 * to pick their strategies (a live kcore, a QEMU dump without VMCOREINFO, a filtered dump).
 *
 * @param formatName    human-readable, e.g. "kdump-compressed (flattened)"
 * @param files         the files read, split parts in PFN order
 * @param compressions  what the kdump header announces; empty for ELF
 * @param dumpLevel     makedumpfile {@code -d} value, kdump-compressed only
 * @param pageSize      kdump {@code block_size}; for ELF the VMCOREINFO {@code PAGESIZE}; 0 if
 *                      unknown
 * @param headerVersion kdump {@code header_version}
 * @param incomplete    the producer flagged the dump incomplete, or it is shorter than its
 *                      headers claim, or split parts are missing
 * @param machine       "x86_64", "aarch64", ... (kdump {@code utsname.machine}, ELF
 *                      {@code e_machine})
 * @param kdumpHeaders  one per file, in {@code files} order; empty for ELF
 * @param warnings      damage found while opening that did not prevent it, each naming file
 *                      and offset
 */
public record DumpInfo(
        String formatName,
        DumpKind kind,
        List<Path> files,
        boolean flattened,
        Set<Compression> compressions,
        OptionalInt dumpLevel,
        int pageSize,
        OptionalInt headerVersion,
        boolean incomplete,
        String machine,
        ByteOrder byteOrder,
        List<KdumpHeader> kdumpHeaders,
        Optional<ElfHeader> elfHeader,
        List<String> warnings) {

    public DumpInfo {
        files = List.copyOf(files);
        compressions = Set.copyOf(compressions);
        kdumpHeaders = List.copyOf(kdumpHeaders);
        warnings = List.copyOf(warnings);
    }

    /** The usual name of an ELF {@code e_machine}, as {@code uname -m} prints it. */
    static String machineName(int eMachine) {
        return switch (eMachine) {
            case 3 -> "i386";
            case 8 -> "mips";
            case 20 -> "ppc";
            case 21 -> "ppc64";
            case 22 -> "s390x";
            case 40 -> "arm";
            case 62 -> "x86_64";
            case 183 -> "aarch64";
            case 243 -> "riscv64";
            case 258 -> "loongarch64";
            default -> "EM_" + eMachine;
        };
    }
}
