package dev.kdumpbridge.cli;

import dev.kdumpbridge.dumptarget.TaskBacktraces;
import dev.kdumpbridge.kernel.Kernel;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.kernel.Symbolizer;
import dev.kdumpbridge.kernel.Task;
import dev.kdumpbridge.memory.TranslationUnavailableException;
import dev.kdumpbridge.report.BacktraceReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "bt",
    description = {
        "Print kernel stack backtraces, like crash's bt: '#N [stack slot] function at pc' per frame,"
            + " the registers saved where an exception or interrupt came in, and the user-mode"
            + " registers of a task that entered the kernel from user space.",
        "Without pids, -a or --all: the panicking task's (on a snapshot or live kernel, CPU 0's).",
        "Stacks are unwound with the kernel's ORC tables, read from the vmlinux or, without one,"
            + " from the dump (Linux 6.0+ lists kallsyms in VMCOREINFO)."})
final class BtCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /**
     * picocli cannot split two variadic positional lists, so dumps and pids arrive together:
     * the trailing decimal numbers are pids, the rest are the dump's files.
     */
    @Parameters(
        arity = "1..*",
        paramLabel = "DUMP... [PID...]",
        hideParamSyntax = true,
        description = "The dump's files (see info --help), then the pids of the tasks to unwind"
            + " (0: every CPU's idle task).")
    List<String> operands;

    @Mixin
    VmlinuxOption vmlinux;

    @Option(names = {"-a", "--active"}, description = "The task active on each CPU, like crash's bt -a.")
    boolean activeOnEachCpu;

    @Option(names = "--all", description = "Every task, like crash's foreach bt.")
    boolean all;

    @Option(names = {"-l", "--lines"}, description = "Under each frame, its source file and line, like crash's"
        + " bt -l (needs --vmlinux with its DWARF). A return address names the line of its call.")
    boolean lines;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Path> files = new ArrayList<>();
        List<Integer> pids = new ArrayList<>();
        split(operands, files, pids);
        if (lines && vmlinux.vmlinux == null) {
            err.println("kdump-bridge bt: -l needs the debug vmlinux (--vmlinux): source lines come from its DWARF");
            return Main.EXIT_USAGE;
        }
        if (files.isEmpty()) {
            err.println("kdump-bridge bt: no dump given; see kdump-bridge bt --help");
            return Main.EXIT_USAGE;
        }
        if ((activeOnEachCpu || all) && !pids.isEmpty() || activeOnEachCpu && all) {
            err.println("kdump-bridge bt: give pids, -a or --all, not more than one of them");
            return Main.EXIT_USAGE;
        }
        try (DumpSession session = DumpSession.open(files, vmlinux.vmlinux)) {
            Optional<Kernel> kernel = session.kernel();
            session.warnings().forEach(w -> err.println("kdump-bridge bt: warning: " + w));
            if (kernel.isEmpty()) {
                err.println("kdump-bridge bt: the kernel's tasks cannot be read (see the warnings above)");
                return Main.EXIT_INPUT_ERROR;
            }
            List<Task> tasks;
            try {
                tasks = select(kernel.get(), pids, activeOnEachCpu, all);
            } catch (IllegalArgumentException unknownPid) {
                err.println("kdump-bridge bt: " + unknownPid.getMessage());
                return Main.EXIT_INPUT_ERROR;
            }
            TaskBacktraces backtraces = session.backtraces(kernel.get());
            backtraces.warnings().forEach(w -> err.println("kdump-bridge bt: warning: " + w));
            if (lines && !backtraces.hasSourceLines()) {
                err.println("kdump-bridge bt: " + vmlinux.vmlinux + " has no DWARF line tables (.debug_line and"
                    + " .debug_aranges), so -l cannot name source lines; give the -dbg package's vmlinux");
                return Main.EXIT_INPUT_ERROR;
            }
            out.print(text(kernel.get(), backtraces, tasks, lines));
            kernel.get().warnings().forEach(w -> err.println("kdump-bridge bt: warning: " + w));
            return Main.EXIT_OK;
        } catch (IOException | TranslationUnavailableException | KernelDataException e) {
            err.println("kdump-bridge bt: " + e.getMessage());
            return Main.EXIT_INPUT_ERROR;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** crash's bt text of each task, a blank line between two; with each frame's source line if asked. */
    static String text(Kernel kernel, TaskBacktraces backtraces, List<Task> tasks, boolean lines) throws IOException {
        BacktraceReport report = backtraces.report(new Symbolizer(kernel.symbols()));
        if (lines) {
            report = report.withSourceLines(backtraces::sourceLine);
        }
        StringBuilder text = new StringBuilder();
        for (Task task : tasks) {
            text.append(text.length() > 0 ? "\n" : "").append(report.of(task, backtraces.of(task)));
        }
        return text.toString();
    }

    /** Trailing decimal operands that name no file are pids; the rest are the dump's files. */
    static void split(List<String> operands, List<Path> files, List<Integer> pids) {
        int end = operands.size();
        while (end > 1 && operands.get(end - 1).matches("\\d{1,9}") && !Files.exists(Path.of(operands.get(end - 1)))) {
            end--;
        }
        operands.subList(0, end).forEach(o -> files.add(Path.of(o)));
        operands.subList(end, operands.size()).forEach(p -> pids.add(Integer.parseInt(p)));
    }

    /**
     * The tasks to unwind: every one, the one running on each CPU, the pids' (0: every idle
     * task), or by default the panicking task, else CPU 0's running task.
     *
     * @throws IllegalArgumentException naming a pid that no task has
     */
    static List<Task> select(Kernel kernel, List<Integer> pids, boolean activeOnEachCpu, boolean all)
            throws IOException, KernelDataException {
        List<Task> tasks = kernel.tasks();
        if (all) {
            return tasks;
        }
        if (activeOnEachCpu) {
            return tasks.stream().filter(Task::current).sorted((a, b) -> Integer.compare(a.cpu(), b.cpu())).toList();
        }
        if (pids.isEmpty()) {
            Optional<Task> panic = kernel.panicTask();
            int cpu = kernel.cpus().get(0).number();
            return panic.map(List::of).orElseGet(() -> tasks.stream().filter(t -> t.current() && t.cpu() == cpu).toList());
        }
        List<Task> chosen = new ArrayList<>();
        for (int pid : pids) {
            List<Task> matching = tasks.stream().filter(t -> t.pid() == pid).toList();
            if (matching.isEmpty()) {
                throw new IllegalArgumentException("no task with pid " + pid + " in the dump (ps lists them)");
            }
            chosen.addAll(matching);
        }
        return chosen;
    }
}
