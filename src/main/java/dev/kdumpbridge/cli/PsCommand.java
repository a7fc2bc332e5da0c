package dev.kdumpbridge.cli;

import dev.kdumpbridge.kernel.Kernel;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.memory.TranslationUnavailableException;
import dev.kdumpbridge.report.TaskTable;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "ps",
    description = {
        "List every task, like crash's ps: PID, PPID, CPU, TASK (the task_struct), ST (state) and"
            + " COMM; '>' marks the task each CPU was running, [brackets] a kernel thread.",
        "Every thread of every process, kernel threads, and each CPU's idle task (swapper/N),"
            + " in pid order.",
        "ST: RU running, IN sleeping, UN uninterruptible, ID idle, ST stopped, TR traced, ZO zombie,"
            + " DE dead, PA parked."})
final class PsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    DumpFiles dump;

    @Mixin
    VmlinuxOption vmlinux;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (DumpSession session = DumpSession.open(dump.files, vmlinux.vmlinux)) {
            Optional<Kernel> kernel = session.kernel();
            session.warnings().forEach(w -> err.println("kdump-bridge ps: warning: " + w));
            if (kernel.isEmpty()) {
                err.println("kdump-bridge ps: the kernel's tasks cannot be read (see the warnings above)");
                return Main.EXIT_INPUT_ERROR;
            }
            out.print(TaskTable.of(kernel.get().tasks()));
            kernel.get().warnings().forEach(w -> err.println("kdump-bridge ps: warning: " + w));
            return Main.EXIT_OK;
        } catch (IOException | TranslationUnavailableException | KernelDataException e) {
            err.println("kdump-bridge ps: " + e.getMessage());
            return Main.EXIT_INPUT_ERROR;
        } finally {
            out.flush();
            err.flush();
        }
    }
}
