package dev.kdumpbridge.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
    name = "log",
    description = "Print the kernel log (what dmesg showed) as it was at the crash.")
final class LogCommand extends NotYetImplemented {

    @Mixin
    DumpFiles dump;
}
