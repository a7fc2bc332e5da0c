package dev.kdumpbridge.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "serve",
    description = {
        "Serve the dump to gdb and, with --dap-port, to Debug Adapter Protocol clients.",
        "Runs until interrupted. In gdb: target remote HOST:PORT."})
final class ServeCommand extends NotYetImplemented {

    @Mixin
    DumpFiles dump;

    @Mixin
    VmlinuxOption vmlinux;

    @Option(
        names = "--gdb-port",
        paramLabel = "PORT",
        defaultValue = "1234",
        converter = PortConverter.class,
        description = "TCP port for gdb; 0 picks a free port and logs it. Default: ${DEFAULT-VALUE}.")
    int gdbPort;

    @Option(
        names = "--dap-port",
        paramLabel = "PORT",
        converter = PortConverter.class,
        description = "Also serve the Debug Adapter Protocol on this TCP port; 0 picks a free one.")
    Integer dapPort;

    @Option(
        names = "--listen",
        paramLabel = "ADDRESS",
        defaultValue = "127.0.0.1",
        description = "Address to listen on. Default: ${DEFAULT-VALUE}. A dump holds all of the"
            + " machine's memory, keys included, and neither protocol has authentication: listen"
            + " beyond loopback only on a network you trust.")
    String listen;
}
