package dev.kdumpbridge.cli;

import dev.kdumpbridge.dumptarget.DumpTarget;
import dev.kdumpbridge.gdb.GdbServer;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.memory.TranslationUnavailableException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "serve",
    description = {
        "Serve the dump to gdb and, with --dap-port, to Debug Adapter Protocol clients.",
        "Runs until interrupted. In gdb: target remote HOST:PORT."})
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

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

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (dapPort != null) {
            err.println("kdump-bridge serve: --dap-port: the Debug Adapter Protocol server is not yet implemented");
            return Main.EXIT_USAGE;
        }
        try (DumpSession session = DumpSession.open(dump.files, vmlinux.vmlinux)) {
            session.warnings().forEach(w -> err.println("kdump-bridge serve: warning: " + w));
            KernelMemory memory = session.paging().memory();
            DumpTarget target = DumpTarget.of(session.dump(), memory, session::symbol, session.kernelOffset());
            try (GdbServer server = GdbServer.start(target, listen, gdbPort)) {
                Runtime.getRuntime().addShutdownHook(new Thread(server::close, "gdb-server-shutdown"));
                String address = server.address().getHostString() + ":" + server.port();
                // The first line is for scripts; the rest is for people.
                out.println("listening gdb=" + address);
                out.println("attach with: " + gdbCommand(session, address));
                out.flush();
                server.awaitClosed();
            }
            return Main.EXIT_OK;
        } catch (IOException | TranslationUnavailableException | IllegalArgumentException e) {
            err.println("kdump-bridge serve: " + e.getMessage());
            return Main.EXIT_INPUT_ERROR;
        } finally {
            err.flush();
        }
    }

    /**
     * gdb 13 applies qOffsets to .text and .data only, so .rodata symbols such as linux_banner
     * would keep their link-time addresses; loading the symbols with the KASLR offset moves
     * every section.
     */
    private String gdbCommand(DumpSession session, String address) {
        String file = vmlinux.vmlinux == null ? "VMLINUX" : vmlinux.vmlinux.toString();
        String symbols = session.kernelOffset().isPresent()
            ? "gdb -ex 'symbol-file " + file + " -o 0x" + Long.toHexString(session.kernelOffset().getAsLong()) + "'"
            : "gdb " + file;
        return symbols + " -ex 'target remote " + address + "'";
    }
}
