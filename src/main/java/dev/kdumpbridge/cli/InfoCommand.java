package dev.kdumpbridge.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
    name = "info",
    description = {
        "Print what the dump says about the crash.",
        "Format, architecture, kernel release, CPUs, the panic message and task, and which pages"
            + " makedumpfile left out."})
final class InfoCommand extends NotYetImplemented {

    @Mixin
    DumpFiles dump;

    @Mixin
    VmlinuxOption vmlinux;
}
