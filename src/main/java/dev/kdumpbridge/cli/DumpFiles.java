package dev.kdumpbridge.cli;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Parameters;

/** The dump operand shared by the commands that read one dump. */
final class DumpFiles {

    @Parameters(
        arity = "1..*",
        paramLabel = "DUMP",
        description = "The dump: an ELF vmcore, a kdump-compressed file (makedumpfile -c, -l, -p"
            + " or -z; flattened or not) or /proc/kcore. A dump split with makedumpfile --split"
            + " is given as all of its files, in any order.")
    List<Path> files;
}
