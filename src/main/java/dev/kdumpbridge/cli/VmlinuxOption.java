package dev.kdumpbridge.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The kernel image that gives symbols and types where the dump alone does not. */
final class VmlinuxOption {

    @Option(
        names = "--vmlinux",
        paramLabel = "FILE",
        description = "The crashed kernel's uncompressed image, with its symbols and BTF or DWARF."
            + " Without it, symbols come from kallsyms and types from BTF in the dump's memory.")
    Path vmlinux;
}
