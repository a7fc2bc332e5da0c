package dev.kdumpbridge.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
    name = "ps",
    description = {
        "List every task, like crash's ps.",
        "Pid, parent, CPU, state and command. The task running on each CPU comes first, in CPU"
            + " order, as in the debugger's thread list."})
final class PsCommand extends NotYetImplemented {

    @Mixin
    DumpFiles dump;

    @Mixin
    VmlinuxOption vmlinux;
}
