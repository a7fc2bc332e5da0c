package dev.kdumpbridge.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "rd",
    description = "Print memory as words with their characters, like crash's rd.")
final class RdCommand extends NotYetImplemented {

    @Parameters(index = "0", paramLabel = "DUMP", description = "The dump (see info --help).")
    Path dump;

    @Parameters(
        index = "1",
        paramLabel = "ADDRESS|SYMBOL",
        description = "Where to start: a hexadecimal address (0x optional) or a kernel symbol.")
    String where;

    @Parameters(
        index = "2",
        arity = "0..1",
        paramLabel = "COUNT",
        defaultValue = "1",
        description = "How many words of the dump's pointer size to print. Default: ${DEFAULT-VALUE}.")
    int count;

    @Option(names = {"-p", "--physical"}, description = "ADDRESS is physical, not kernel virtual.")
    boolean physical;

    @Mixin
    VmlinuxOption vmlinux;
}
