package dev.kdumpbridge.cli;

import dev.kdumpbridge.dap.DapStdio;
import dev.kdumpbridge.dap.TargetProvider;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.memory.TranslationUnavailableException;
import java.io.BufferedInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "dap",
    description = {
        "Speak the Debug Adapter Protocol with one editor over stdin and stdout.",
        "This is how an editor starts a debug adapter: the dump comes in its attach request"
            + " ({\"coreFile\": DUMP, \"vmlinux\": V, \"splitFiles\": [...], \"kernelSource\": DIR}),"
            + " or here on the command line. Logs go to stderr."})
final class DapCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** Required so that another transport can be added later without changing what dap means. */
    @Option(
        names = "--stdio",
        required = true,
        description = "Use stdin and stdout for the protocol; logs go to stderr.")
    boolean stdio;

    @Parameters(
        arity = "0..*",
        paramLabel = "DUMP",
        description = "The dump's files, used when the attach request names none.")
    List<Path> files = new ArrayList<>();

    @Mixin
    VmlinuxOption vmlinux;

    @Override
    public Integer call() throws IOException {
        // stdout carries the protocol from here on: anything else printed there would break it.
        OutputStream protocol = new FileOutputStream(FileDescriptor.out);
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
        DapStdio.serve(this::open, new BufferedInputStream(new FileInputStream(FileDescriptor.in)), protocol);
        return Main.EXIT_OK;
    }

    private TargetProvider.Attached open(TargetProvider.AttachRequest request, Consumer<String> progress)
            throws TargetProvider.AttachException {
        List<Path> dumpFiles = new ArrayList<>();
        request.coreFile().ifPresent(core -> dumpFiles.add(Path.of(core)));
        request.splitFiles().forEach(part -> dumpFiles.add(Path.of(part)));
        if (dumpFiles.isEmpty()) {
            dumpFiles.addAll(files);
        }
        if (dumpFiles.isEmpty()) {
            throw new TargetProvider.AttachException("no dump to open: set coreFile in the attach configuration"
                + " (a vmcore, a kdump-compressed file, or /proc/kcore)");
        }
        Path image = request.vmlinux().map(Path::of).orElse(vmlinux.vmlinux);
        progress.accept("opening " + dumpFiles.get(0) + (image == null ? "" : " with " + image));
        DumpSession session = null;
        try {
            session = DumpSession.open(dumpFiles, image);
            progress.accept("reading the kernel's tasks");
            var target = ServeCommand.target(session);
            session.warnings().forEach(w -> progress.accept("warning: " + w));
            DumpSession opened = session;
            return new TargetProvider.Attached(target, () -> close(opened));
        } catch (KernelDataException | TranslationUnavailableException | IllegalArgumentException | IOException e) {
            if (session != null) {
                close(session);
            }
            throw new TargetProvider.AttachException("cannot open " + dumpFiles.get(0) + ": " + e.getMessage());
        }
    }

    private static void close(DumpSession session) {
        try {
            session.close();
        } catch (IOException e) {
            System.err.println("kdump-bridge dap: closing the dump: " + e.getMessage());
        }
    }
}
