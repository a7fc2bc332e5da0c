package dev.kdumpbridge.cli;

import dev.kdumpbridge.dumptarget.DumpTarget;
import dev.kdumpbridge.dap.DapServer;
import dev.kdumpbridge.dap.TargetProvider;
import dev.kdumpbridge.gdb.GdbServer;
import dev.kdumpbridge.kernel.Kernel;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.dump.VmcoreInfo;
import dev.kdumpbridge.kernel.printk.CrashLogFormat;
import dev.kdumpbridge.kernel.printk.PrintkLog;
import dev.kdumpbridge.kernel.printk.PrintkRecord;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.report.TaskTable;
import dev.kdumpbridge.target.CommandTable;
import dev.kdumpbridge.target.MonitorCommands;
import dev.kdumpbridge.memory.TranslationUnavailableException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;
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
        try (DumpSession session = DumpSession.open(dump.files, vmlinux.vmlinux)) {
            DumpTarget target = target(session);
            session.warnings().forEach(w -> err.println("kdump-bridge serve: warning: " + w));
            session.kernel().ifPresent(k -> k.warnings().forEach(w -> err.println("kdump-bridge serve: warning: " + w)));
            try (GdbServer server = GdbServer.start(target, listen, gdbPort);
                    DapServer dap = dapPort == null ? null : DapServer.start(
                        TargetProvider.shared(target, dump.files.stream().map(Path::toString).toList()), listen, dapPort)) {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    server.close();
                    if (dap != null) {
                        dap.close();
                    }
                }, "server-shutdown"));
                String address = server.address().getHostString() + ":" + server.port();
                // The first line is for scripts; the rest is for people.
                out.println("listening gdb=" + address
                    + (dap == null ? "" : " dap=" + dap.address().getHostString() + ":" + dap.port()));
                out.println("attach with: " + gdbCommand(session, address));
                if (dap != null) {
                    out.println("or from a DAP client (VS Code: the kdump extension's \"server\" setting): "
                        + dap.address().getHostString() + ":" + dap.port());
                }
                out.flush();
                server.awaitClosed();
            }
            return Main.EXIT_OK;
        } catch (IOException | TranslationUnavailableException | KernelDataException | IllegalArgumentException e) {
            err.println("kdump-bridge serve: " + e.getMessage());
            return Main.EXIT_INPUT_ERROR;
        } finally {
            err.flush();
        }
    }

    /** The dump as a debug target, with the monitor commands gdb and the DAP console run. */
    static DumpTarget target(DumpSession session) throws IOException, KernelDataException, TranslationUnavailableException {
        KernelMemory memory = session.paging().memory();
        Optional<Kernel> kernel = session.kernel();
        return DumpTarget.of(session.dump(), memory, kernel, session.vmlinux(), session.kernelOffset(),
            Optional.of(monitorCommands(session, kernel)));
    }

    /**
     * gdb's {@code monitor} commands. "info version" answers as QEMU's monitor does: the
     * kernel's scripts/gdb helpers probe it to decide that thread N is CPU N-1, which holds here
     * (linux/utils.py get_gdbserver_type).
     */
    private static MonitorCommands monitorCommands(DumpSession session, Optional<Kernel> kernel) {
        CommandTable.Builder commands = CommandTable.builder()
            .add("info version", "kdump-bridge's version (what QEMU's monitor answers too)",
                (args, out) -> out.accept(VersionProvider.describe() + "\n"))
            .add("kaslr", "how far KASLR moved the kernel, and the gdb command that loads its symbols there",
                (args, out) -> out.accept(kaslr(session)));
        commands.add("sys", "the kernel, the dump, CPUs, tasks and the panic, as crash's sys shows them",
            (args, out) -> {
                try {
                    out.accept(InfoCommand.systemSection(session, Optional.empty()));
                } catch (IOException e) {
                    throw new MonitorCommands.CommandException("sys: " + e.getMessage());
                }
            });
        session.dump().vmcoreInfo().ifPresent(vmcoreInfo -> commands.add("log",
            "the kernel log as it was at the crash, as crash's log shows it (dmesg)",
            (args, out) -> printLog(session, vmcoreInfo, out)));
        if (kernel.isPresent()) {
            commands.add("ps", "every task, as crash's ps shows them", (args, out) -> {
                try {
                    out.accept(TaskTable.of(kernel.get().tasks()));
                } catch (IOException | KernelDataException e) {
                    throw new MonitorCommands.CommandException("ps: " + e.getMessage());
                }
            });
            commands.add("bt", "kernel stack backtraces as crash's bt shows them: bt [-l] [PID...|-a|--all];"
                + " without arguments the panicking task's; -l adds source lines (needs the vmlinux)", (args, out) -> out.accept(backtraces(session, kernel.get(), args)));
        }
        return commands.build();
    }

    private static String backtraces(DumpSession session, Kernel kernel, String args)
            throws MonitorCommands.CommandException {
        List<String> words = new ArrayList<>(args.isBlank() ? List.of() : List.of(args.trim().split("\\s+")));
        boolean lines = words.remove("-l");
        if (lines && !session.backtracesHaveSourceLines(kernel)) {
            throw new MonitorCommands.CommandException("bt: -l needs the debug vmlinux with its DWARF line tables;"
                + " start the server with --vmlinux");
        }
        boolean active = words.equals(List.of("-a"));
        boolean all = words.equals(List.of("--all"));
        List<Integer> pids = new ArrayList<>();
        for (String word : active || all ? List.<String>of() : words) {
            if (!word.matches("\\d{1,9}")) {
                throw new MonitorCommands.CommandException("bt: " + word + " is not a pid; usage: bt [-l] [PID...|-a|--all]");
            }
            pids.add(Integer.parseInt(word));
        }
        try {
            return BtCommand.text(kernel, session.backtraces(kernel), BtCommand.select(kernel, pids, active, all), lines);
        } catch (IOException | KernelDataException | IllegalArgumentException e) {
            throw new MonitorCommands.CommandException("bt: " + e.getMessage());
        }
    }

    private static void printLog(DumpSession session, VmcoreInfo vmcoreInfo, Consumer<String> out)
            throws MonitorCommands.CommandException {
        try {
            PrintkLog log = PrintkLog.read(session.paging().memory(), vmcoreInfo);
            StringBuilder text = new StringBuilder();
            for (PrintkRecord record : log.records()) {
                for (String line : CrashLogFormat.CRASH_DEFAULT.lines(record)) {
                    text.append(line).append('\n');
                }
                // gdb shows each O packet as it comes; a few kilobytes at a time keeps packets small.
                if (text.length() > 4096) {
                    out.accept(text.toString());
                    text.setLength(0);
                }
            }
            out.accept(text.toString());
            if (log.firstFault().isPresent()) {
                throw new MonitorCommands.CommandException("log: the dump lacks part of the log buffer, first at "
                    + log.firstFault().get().getMessage());
            }
        } catch (AddressFault e) {
            throw new MonitorCommands.CommandException("log: cannot read the log buffer's header: " + e.getMessage());
        } catch (IOException | KernelDataException | TranslationUnavailableException e) {
            throw new MonitorCommands.CommandException("log: " + e.getMessage());
        }
    }

    private static String kaslr(DumpSession session) {
        if (session.kernelOffset().isEmpty()) {
            return "the dump does not say how far KASLR moved the kernel (no KERNELOFFSET in VMCOREINFO)\n";
        }
        long offset = session.kernelOffset().getAsLong();
        return "KASLR offset 0x" + Long.toHexString(offset) + "; load the kernel's symbols there with:\n  "
            + loadSymbols(session, offset) + "\n";
    }

    /**
     * gdb 13 applies qOffsets to .text and .data only, so .rodata symbols such as linux_banner
     * would keep their link-time addresses; loading the symbols with the KASLR offset moves
     * every section. add-symbol-file asks before loading, hence confirm off around it.
     */
    private static String gdbCommand(DumpSession session, String address) {
        String symbols = session.kernelOffset().isPresent()
            ? "gdb -iex 'set confirm off' -ex '" + loadSymbols(session, session.kernelOffset().getAsLong())
                + "' -ex 'set confirm on'"
            : "gdb " + vmlinuxName(session);
        return symbols + " -ex 'target remote " + address + "'";
    }

    /**
     * The vmlinux's symbols at their KASLR addresses, except the x86_64 per-CPU section: its
     * symbols are offsets from each CPU's __per_cpu_offset, linked at 0, and must stay there or
     * per-CPU variables (the kernel's $lx_current(), current_task) read the wrong memory.
     */
    private static String loadSymbols(DumpSession session, long kernelOffset) {
        return "add-symbol-file " + vmlinuxName(session) + " -o 0x" + Long.toHexString(kernelOffset) + " -s .data..percpu 0";
    }

    private static String vmlinuxName(DumpSession session) {
        return session.vmlinux().map(v -> v.path().toString()).orElse("VMLINUX");
    }
}
