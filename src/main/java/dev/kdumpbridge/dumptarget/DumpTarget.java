package dev.kdumpbridge.dumptarget;

import dev.kdumpbridge.arch.Machine;
import dev.kdumpbridge.arch.Machines;
import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.DumpKind;
import dev.kdumpbridge.dump.ElfNote;
import dev.kdumpbridge.kernel.Kernel;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.kernel.Symbolizer;
import dev.kdumpbridge.kernel.KernelModule;
import dev.kdumpbridge.kernel.KernelModules;
import dev.kdumpbridge.kernel.Task;
import dev.kdumpbridge.kernel.dwarf.GlobalVariables;
import dev.kdumpbridge.kernel.dwarf.SourceLines;
import dev.kdumpbridge.kernel.value.Evaluator;
import dev.kdumpbridge.kernel.value.Types;
import dev.kdumpbridge.kernel.value.ValueContext;
import dev.kdumpbridge.kernel.Vmlinux;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.target.Architecture;
import dev.kdumpbridge.target.DebugTarget;
import dev.kdumpbridge.target.Disassembler;
import dev.kdumpbridge.target.Expressions;
import dev.kdumpbridge.target.TargetModule;
import dev.kdumpbridge.target.KernelLog;
import dev.kdumpbridge.target.MemoryRead;
import dev.kdumpbridge.target.MonitorCommands;
import dev.kdumpbridge.target.RegisterSet;
import dev.kdumpbridge.target.SectionOffsets;
import dev.kdumpbridge.target.StopReason;
import dev.kdumpbridge.target.SymbolLookup;
import dev.kdumpbridge.target.TargetThread;
import dev.kdumpbridge.target.Unwinding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An x86_64 dump as a debug target: every kernel task is a thread, the task running on each CPU
 * first, in CPU order, so that gdb's thread N is CPU N-1 as the kernel's {@code scripts/gdb}
 * expects; then every other task in pid order. A thread's id is its task's, fixed for the
 * target's life. Registers come from {@link TaskRegisters} when first asked for.
 *
 * <p>A live kernel (/proc/kcore) changes under us: its task list is read again whenever a
 * debugger asks for the thread list, a task keeps its thread id while it lives, a thread whose
 * task has exited is gone (its packets get errors), and registers are never cached.
 *
 * <p>Without the kernel's symbols and types the tasks cannot be found; each CPU that saved its
 * registers is then one thread, as in QEMU's gdbstub.
 */
public final class DumpTarget implements DebugTarget {
    private static final Logger LOG = LoggerFactory.getLogger(DumpTarget.class);

    /** Where one thread's registers come from. */
    private interface RegisterSource {
        RegisterSet read() throws AddressFault, IOException;
    }

    /** One reading of the thread list: threads in order, their register sources by id. */
    private record Threads(List<TargetThread> list, Map<Long, TargetThread> byId, Map<Long, RegisterSource> sources,
            Map<Long, Task> tasks, long stopThread, StopReason stopReason) {
    }

    private final DumpFile dump;
    private final Machine machine;
    private final KernelMemory memory;
    private final OptionalLong kernelOffset;
    private final Optional<MonitorCommands> monitor;
    private final Optional<Vmlinux> vmlinux;
    private final boolean live;
    /** The kernel model the thread list was read from; replaced on each refresh of a live kernel. */
    private Kernel kernel;
    private volatile Threads threads;
    private final Map<Long, RegisterSet> recovered = new ConcurrentHashMap<>();
    /**
     * A task as seen from outside: a live kernel frees an exited task's task_struct and soon puts
     * a new task at the same address, so the address alone does not name a task; its pid does,
     * for as long as pids are not reused, which takes the kernel pid_max forks.
     */
    private record TaskKey(long address, int pid) {
    }

    /** Thread ids of tasks, handed out in first-seen order and never reused. */
    private final Map<TaskKey, Long> taskThreads = new HashMap<>();

    private DumpTarget(DumpFile dump, Machine machine, KernelMemory memory, Optional<Kernel> kernel,
            Optional<Vmlinux> vmlinux, OptionalLong kernelOffset, Optional<MonitorCommands> monitor)
            throws KernelDataException, IOException {
        this.dump = dump;
        this.machine = machine;
        this.memory = memory;
        this.vmlinux = vmlinux;
        this.kernelOffset = kernelOffset;
        this.monitor = monitor;
        this.live = dump.info().kind() == DumpKind.KCORE;
        this.kernel = kernel.orElse(null);
        this.threads = kernel.isPresent() ? taskThreads(kernel.get()) : cpuThreads();
    }

    /**
     * @param kernel the kernel model, when its symbols and types could be found; without it the
     *               threads are the dump's CPUs
     * @param vmlinux the debug image the kernel's symbols came from, for its ORC and line tables
     * @throws IllegalArgumentException when the dump's architecture is not served yet, or it has neither
     *                                  the kernel model nor CPU registers to make threads of
     * @throws KernelDataException      when the task list cannot be read at all
     */
    public static DumpTarget of(DumpFile dump, KernelMemory memory, Optional<Kernel> kernel, Optional<Vmlinux> vmlinux,
            OptionalLong kernelOffset, Optional<MonitorCommands> monitor) throws KernelDataException, IOException {
        Machine machine = Machines.named(dump.info().machine())
            .orElseThrow(() -> new IllegalArgumentException(Machines.unsupported(dump.info().machine())));
        if (kernel.isEmpty() && dump.prstatus().isEmpty()) {
            throw new IllegalArgumentException("without the kernel's symbols and types there are no tasks to show, and"
                + " the dump holds no CPU registers (no NT_PRSTATUS note) either: give --vmlinux");
        }
        return new DumpTarget(dump, machine, memory, kernel, vmlinux, kernelOffset, monitor);
    }

    /** Every task as a thread, running tasks first by CPU, then the rest in pid order. */
    private Threads taskThreads(Kernel model) throws KernelDataException, IOException {
        TaskRegisters registers = TaskRegisters.of(dump, model, machine);
        List<Task> ordered = new ArrayList<>(model.tasks());
        // Stable sort: the kernel model lists the tasks in pid order.
        ordered.sort(Comparator.comparing((Task t) -> !t.current()).thenComparingInt(t -> t.current() ? t.cpu() : 0));
        List<TargetThread> list = new ArrayList<>(ordered.size());
        Map<Long, TargetThread> byId = new HashMap<>();
        Map<Long, RegisterSource> sources = new HashMap<>();
        Map<Long, Task> tasks = new HashMap<>();
        synchronized (taskThreads) {
            for (Task task : ordered) {
                long id = taskThreads.computeIfAbsent(new TaskKey(task.address(), task.pid()),
                    key -> (long) taskThreads.size() + 1);
                TargetThread thread = thread(id, task);
                list.add(thread);
                byId.put(id, thread);
                sources.put(id, () -> registers.of(task));
                tasks.put(id, task);
            }
        }
        Optional<Task> panicking = model.panicTask();
        if (panicking.isPresent()) {
            Task task = panicking.get();
            return new Threads(List.copyOf(list), byId, sources, tasks, taskThreads.get(new TaskKey(task.address(), task.pid())),
                new StopReason(StopReason.Kind.PANIC, String.format("kernel panic on CPU %d in pid %d (%s)",
                    task.cpu(), task.pid(), task.comm())));
        }
        StopReason reason = live ? new StopReason(StopReason.Kind.PAUSED, "a live kernel, read through /proc/kcore")
            : crashed() ? new StopReason(StopReason.Kind.PANIC, "kernel crash; the kernel did not record which CPU panicked")
            : new StopReason(StopReason.Kind.PAUSED, "no CPU panicked: a snapshot of a running kernel");
        return new Threads(List.copyOf(list), byId, sources, tasks, list.isEmpty() ? 1 : list.get(0).id(), reason);
    }

    /** The kernel appends CRASHTIME to VMCOREINFO when it crashes; snapshots have none. */
    private boolean crashed() {
        return dump.vmcoreInfo().flatMap(info -> info.get("CRASHTIME")).isPresent();
    }

    /** Each CPU that saved its registers as one thread, for dumps whose tasks cannot be read. */
    private Threads cpuThreads() {
        List<ElfNote> notes = dump.prstatus();
        boolean snapshot = TaskRegisters.isSnapshot(dump);
        List<TargetThread> list = new ArrayList<>();
        Map<Long, TargetThread> byId = new HashMap<>();
        Map<Long, RegisterSource> sources = new HashMap<>();
        for (int cpu = 0; cpu < notes.size(); cpu++) {
            byte[] descriptor = notes.get(cpu).descriptor();
            // In a kdump pr_pid is the task on the CPU; QEMU writes its vCPU number there instead.
            String task = snapshot ? "" : " pid " + machine.prstatusPid(descriptor);
            TargetThread thread = new TargetThread(cpu + 1, "CPU " + cpu, cpu, "on CPU " + cpu + task);
            list.add(thread);
            byId.put(thread.id(), thread);
            sources.put(thread.id(), () -> machine.prstatusRegisters(descriptor));
        }
        StopReason reason = crashed()
            ? new StopReason(StopReason.Kind.PANIC,
                "kernel crash; which CPU panicked is unknown without the kernel's symbols and types")
            : new StopReason(StopReason.Kind.PAUSED, "no CPU panicked: a snapshot of a running kernel");
        return new Threads(List.copyOf(list), byId, sources, Map.of(), 1, reason);
    }

    private static TargetThread thread(long id, Task task) {
        String where = task.cpu() < 0 ? "" : task.current() ? ", running on CPU " + task.cpu() : ", last ran on CPU " + task.cpu();
        String title = task.pid() + " " + task.comm() + " [" + task.state().letter() + "]"
            + (task.current() ? " (CPU " + task.cpu() + ")" : "");
        return new TargetThread(id, task.comm(), Math.max(task.cpu(), TargetThread.NO_CORE),
            "pid " + task.pid() + " " + task.comm() + " " + task.state().letter() + where, title);
    }

    @Override
    public Architecture architecture() {
        return machine.architecture();
    }

    @Override
    public List<TargetThread> threads() {
        return threads.list();
    }

    @Override
    public Optional<TargetThread> thread(long id) {
        return Optional.ofNullable(threads.byId().get(id));
    }

    @Override
    public long stopThread() {
        return threads.stopThread();
    }

    @Override
    public StopReason stopReason() {
        return threads.stopReason();
    }

    /**
     * A live kernel's task list, read again; a dump's never changes. A read that fails keeps the
     * list as it was, with a warning in the log.
     */
    @Override
    public synchronized void refreshThreads() {
        if (!live || kernel == null) {
            return;
        }
        try {
            long started = System.nanoTime();
            Kernel reread = Kernel.open(kernel.memory(), kernel.symbols(), kernel.btf());
            threads = taskThreads(reread);
            kernel = reread;
            LOG.debug("re-read the live kernel's tasks: {} in {} ms", threads.list().size(),
                (System.nanoTime() - started) / 1_000_000);
            reread.warnings().forEach(w -> LOG.warn("re-reading the live kernel's tasks: {}", w));
        } catch (KernelDataException | IOException e) {
            LOG.warn("the live kernel's tasks cannot be read again; the thread list stays as it was: {}", e.getMessage());
        }
    }

    /**
     * Recovered once per thread of a dump, on every request for a live kernel. A task whose
     * stack the dump does not hold (makedumpfile excluded it, the dump is cut short, or a live
     * task just exited) has no registers: all of them read as unavailable.
     */
    @Override
    public Optional<RegisterSet> registers(long threadId) {
        RegisterSource source = threads.sources().get(threadId);
        if (source == null) {
            return Optional.empty();
        }
        return Optional.of(live ? read(threadId, source) : recovered.computeIfAbsent(threadId, id -> read(id, source)));
    }

    private RegisterSet read(long threadId, RegisterSource source) {
        try {
            return source.read();
        } catch (AddressFault fault) {
            LOG.warn("thread {}: its saved registers cannot be read: {}", threadId, fault.getMessage());
            return RegisterSet.builder(machine.architecture()).build();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + dump.info().files(), e);
        }
    }

    @Override
    public MemoryRead readMemory(long address, byte[] dst, int offset, int length) {
        try {
            memory.read(address, dst, offset, length);
            return MemoryRead.complete(length);
        } catch (AddressFault fault) {
            return MemoryRead.stopped((int) (fault.address() - address), fault.address(), fault.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + dump.info().files(), e);
        }
    }

    @Override
    public Optional<SectionOffsets> sectionOffsets() {
        return kernelOffset.isPresent() ? Optional.of(SectionOffsets.slide(kernelOffset.getAsLong())) : Optional.empty();
    }

    @Override
    public Optional<MonitorCommands> monitorCommands() {
        return monitor;
    }

    /** The task a thread stands for; empty for a CPU thread or an unknown id. */
    Optional<Task> task(long threadId) {
        return Optional.ofNullable(threads.tasks().get(threadId));
    }

    /**
     * Our own unwinder over the kernel's ORC tables, set up on first use; empty without the
     * kernel model or when the ORC tables cannot be read (logged once).
     */
    @Override
    public Optional<Unwinding> unwinding() {
        return Optional.ofNullable(services().stacks());
    }

    @Override
    public Optional<SymbolLookup> symbols() {
        return Optional.ofNullable(services().symbolizer()).map(symbolizer -> address -> symbolizer.at(address)
            .map(at -> new SymbolLookup.Location(at.function(), address - at.offset(), at.offset())));
    }

    @Override
    public Optional<Disassembler> disassembler() {
        return services().disassembler();
    }

    @Override
    public Optional<KernelLog> kernelLog() {
        return services().log();
    }

    /**
     * C expressions typed by the kernel's BTF, and each task's {@code task_struct}; empty without
     * the kernel model. Global variables are typed only with the debug vmlinux, from its DWARF.
     */
    @Override
    public Optional<Expressions> expressions() {
        return services().expressions();
    }

    /**
     * The kernel image ({@code _text} to {@code _end}) and the loaded modules, read from the
     * kernel's module list on each call (a live kernel loads and unloads them).
     */
    @Override
    public List<TargetModule> modules() {
        Kernel model = kernel;
        if (model == null) {
            return List.of();
        }
        List<TargetModule> modules = new ArrayList<>();
        OptionalLong text = model.symbols().address("_text");
        OptionalLong end = model.symbols().address("_end");
        if (text.isPresent() && end.isPresent()) {
            modules.add(new TargetModule("vmlinux", text.getAsLong(), end.getAsLong(),
                vmlinux.map(v -> v.path().toString()), vmlinux.isPresent() ? "symbols and DWARF from the vmlinux"
                    : "symbols from the dump's kallsyms"));
        }
        try {
            List<String> warnings = new ArrayList<>();
            for (KernelModule module : KernelModules.read(model, warnings)) {
                modules.add(new TargetModule(module.name(), module.base(), module.base() + module.size(), Optional.empty(),
                    "no symbols: module symbols are not read yet"));
            }
            warnings.forEach(w -> LOG.warn("{}", w));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + dump.info().files(), e);
        }
        return modules;
    }

    /** The kernel's compile units' source files, from the vmlinux's DWARF; empty without it. */
    @Override
    public List<String> sourceFiles() {
        if (vmlinux.isEmpty()) {
            return List.of();
        }
        try {
            Optional<SourceLines> lines = SourceLines.of(vmlinux.get());
            return lines.isPresent() ? lines.get().sourceFiles() : List.of();
        } catch (IOException e) {
            LOG.warn("the vmlinux's compile units cannot be listed: {}", e.getMessage());
            return List.of();
        }
    }

    /** What is set up on first use, once: slow to make, and often never asked for. */
    private record Services(Symbolizer symbolizer, TaskStacks stacks, Optional<Disassembler> disassembler,
            Optional<KernelLog> log, Optional<Expressions> expressions) {
    }

    private volatile Services services;

    private Services services() {
        Services made = services;
        if (made == null) {
            synchronized (this) {
                made = services;
                if (made == null) {
                    Symbolizer symbolizer = kernel == null ? null : new Symbolizer(kernel.symbols());
                    made = new Services(symbolizer, stacks(symbolizer), machine.disassembler(),
                        DumpKernelLog.read(dump, memory), Optional.ofNullable(kernel).map(this::expressions));
                    services = made;
                }
            }
        }
        return made;
    }

    private Expressions expressions(Kernel model) {
        ValueContext context = new ValueContext(memory, new Types(model.btf()), model.symbols());
        return new DumpExpressions(new Evaluator(context, vmlinux.flatMap(GlobalVariables::of)), this::task);
    }

    private TaskStacks stacks(Symbolizer symbolizer) {
        if (kernel == null) {
            return null;
        }
        try {
            TaskBacktraces backtraces = TaskBacktraces.of(dump, kernel, vmlinux);
            backtraces.warnings().forEach(w -> LOG.warn("unwinding: {}", w));
            return new TaskStacks(backtraces, symbolizer, this::task, live);
        } catch (KernelDataException | IOException e) {
            LOG.warn("stacks cannot be unwound: {}", e.getMessage());
            return null;
        }
    }
}
