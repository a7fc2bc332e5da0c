package dev.kdumpbridge.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "dap",
    description = {
        "Speak the Debug Adapter Protocol with one editor over stdin and stdout.",
        "This is how an editor starts a debug adapter; the dump and vmlinux come in its launch"
            + " request."})
final class DapCommand extends NotYetImplemented {

    /** Required so that another transport can be added later without changing what dap means. */
    @Option(
        names = "--stdio",
        required = true,
        description = "Use stdin and stdout for the protocol; logs go to stderr.")
    boolean stdio;
}
