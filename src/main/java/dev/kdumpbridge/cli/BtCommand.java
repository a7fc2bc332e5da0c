package dev.kdumpbridge.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "bt",
    description = {
        "Print kernel stack backtraces, like crash's bt.",
        "Without pids or -a, the panicking task's."})
final class BtCommand extends NotYetImplemented {

    /**
     * picocli cannot split two variadic positional lists, so dumps and pids arrive together:
     * the trailing decimal numbers are pids, the rest are the dump's files.
     */
    @Parameters(
        arity = "1..*",
        paramLabel = "DUMP... [PID...]",
        hideParamSyntax = true,
        description = "The dump's files (see info --help), then the pids of the tasks to unwind.")
    List<String> operands;

    @Mixin
    VmlinuxOption vmlinux;

    @Option(names = {"-a", "--all"}, description = "The task active on each CPU.")
    boolean activeOnEachCpu;

    @Option(names = "-l", description = "Source file and line of each frame (needs --vmlinux with DWARF).")
    boolean lines;
}
