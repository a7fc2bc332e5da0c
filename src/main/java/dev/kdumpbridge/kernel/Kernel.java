package dev.kdumpbridge.kernel;

import dev.kdumpbridge.kernel.StructFields.Member;
import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * What the dumped kernel was doing: its online CPUs and what ran on each, which one panicked,
 * and every task (reference 05). Symbols give the addresses, BTF the layouts; nothing here
 * depends on the architecture.
 *
 * <p>Dumps are corrupt by nature, so every walk is bounded and remembers where it has been: a
 * link that leads nowhere or back into the list ends that list with a warning, and what was
 * found so far is kept. Safe for concurrent use.
 */
public final class Kernel {
    /** {@code PID_MAX_LIMIT} on 64-bit: no kernel can have more tasks than pids. */
    static final int MAX_TASKS = 4 * 1024 * 1024;
    /** {@code NR_CPUS} is at most 8192 in every architecture's Kconfig. */
    static final int MAX_CPUS = 8192;
    /** {@code PF_KTHREAD}, unchanged since Linux 2.6.27. */
    private static final long PF_KTHREAD = 0x00200000;

    private final KernelMemory memory;
    private final Symbols symbols;
    private final Btf btf;
    private final TaskLayout layout;
    private final List<Cpu> cpus;
    private final OptionalInt panicCpu;
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    /** The most tasks a walk may find: this kernel's own limit where it says, else {@link #MAX_TASKS}. */
    private final int taskLimit;
    private List<Task> tasks;

    private Kernel(KernelMemory memory, Symbols symbols, Btf btf) throws KernelDataException, IOException {
        this.memory = memory;
        this.symbols = symbols;
        this.btf = btf;
        this.layout = new TaskLayout(btf);
        this.cpus = readCpus();
        this.panicCpu = readPanicCpu();
        this.taskLimit = readTaskLimit();
    }

    /**
     * Reads the CPUs and the panic CPU; tasks are read on first use.
     *
     * @throws KernelDataException when a symbol or member every kernel since 4.x has is missing,
     *                             or the per-CPU areas cannot be read
     */
    public static Kernel open(KernelMemory memory, Symbols symbols, Btf btf) throws KernelDataException, IOException {
        return new Kernel(memory, symbols, btf);
    }

    public KernelMemory memory() {
        return memory;
    }

    public Symbols symbols() {
        return symbols;
    }

    public Btf btf() {
        return btf;
    }

    /** The online CPUs, in number order. */
    public List<Cpu> cpus() {
        return cpus;
    }

    /** The CPU that called {@code panic()}; empty for a snapshot of a running kernel. */
    public OptionalInt panicCpu() {
        return panicCpu;
    }

    /**
     * How long the kernel had been up: the latest of the CPUs' scheduler clocks, which count
     * from boot and are updated on every tick, so this is behind by at most a tick. Needs no
     * HZ, which no dump records.
     */
    public long uptimeNanos() {
        return cpus.stream().mapToLong(Cpu::clock).max().orElse(0);
    }

    /** The task that was running on the CPU that panicked. */
    public Optional<Task> panicTask() throws KernelDataException, IOException {
        if (panicCpu.isEmpty()) {
            return Optional.empty();
        }
        long current = cpus.stream().filter(c -> c.number() == panicCpu.getAsInt()).findFirst()
            .map(Cpu::current).orElse(0L);
        return tasks().stream().filter(t -> t.address() == current).findFirst();
    }

    /** What was damaged on the way: broken lists, unreadable CPUs. */
    public List<String> warnings() {
        synchronized (warnings) {
            return List.copyOf(warnings);
        }
    }

    /**
     * Every task: all threads of all processes and kernel threads from the {@code init_task}
     * list, and each online CPU's idle task, in pid order (idle tasks by CPU), as crash's
     * {@code ps} lists them. Read once.
     *
     * @throws KernelDataException when not even {@code init_task} can be read
     */
    public synchronized List<Task> tasks() throws KernelDataException, IOException {
        if (tasks == null) {
            tasks = readTasks();
        }
        return tasks;
    }

    // ---- CPUs ----

    private List<Cpu> readCpus() throws KernelDataException, IOException {
        long perCpuOffsets = requireSymbol("__per_cpu_offset");
        long runqueues = requireSymbol("runqueues");
        int count = readCpuCount();
        StructFields rq = new StructFields(btf, "rq");
        Member curr = rq.require("curr");
        Member idle = rq.require("idle");
        Member clock = rq.require("clock");
        long[] online = onlineMask(count);
        List<Cpu> found = new ArrayList<>();
        for (int cpu = 0; cpu < count; cpu++) {
            if ((online[cpu / 64] >>> (cpu % 64) & 1) == 0) {
                continue;
            }
            try {
                long perCpuOffset = memory.readLong(perCpuOffsets + (long) cpu * Long.BYTES);
                long runqueue = runqueues + perCpuOffset;
                StructFields.Instance read = rq.read(memory, runqueue);
                found.add(new Cpu(cpu, runqueue, read.unsigned(curr), read.unsigned(idle), read.unsigned(clock),
                    perCpuOffset));
            } catch (AddressFault fault) {
                warnings.add("CPU " + cpu + ": its runqueue cannot be read: " + fault.getMessage());
            }
        }
        if (found.isEmpty()) {
            throw new KernelDataException("no online CPU's runqueue could be read" + warningsSoFar());
        }
        return List.copyOf(found);
    }

    /** {@code nr_cpu_ids}, or {@link #MAX_CPUS} (bounded by the online mask) without it. */
    private int readCpuCount() throws KernelDataException, IOException {
        OptionalLong address = symbols.address("nr_cpu_ids");
        if (address.isEmpty()) {
            return MAX_CPUS;
        }
        int count = readInt(address.getAsLong(), "nr_cpu_ids");
        if (count < 1 || count > MAX_CPUS) {
            throw new KernelDataException("nr_cpu_ids at 0x" + Long.toHexString(address.getAsLong()) + " is "
                + count + ", not a CPU count (1 to " + MAX_CPUS + ")");
        }
        return count;
    }

    /** {@code cpu_online_mask} as bits; every CPU when the kernel has no such symbol. */
    private long[] onlineMask(int count) throws KernelDataException, IOException {
        long[] mask = new long[(count + 63) / 64];
        OptionalLong address = symbols.address("__cpu_online_mask");
        if (address.isEmpty()) {
            warnings.add("no __cpu_online_mask: every possible CPU is taken to be online");
            Arrays.fill(mask, -1L);
            return mask;
        }
        for (int word = 0; word < mask.length; word++) {
            try {
                mask[word] = memory.readLong(address.getAsLong() + (long) word * Long.BYTES);
            } catch (AddressFault fault) {
                throw new KernelDataException("the online CPU mask cannot be read: " + fault.getMessage(), fault);
            }
        }
        return mask;
    }

    /** {@code panic_cpu}: -1 until a CPU enters panic() or crash_kexec() (kernel/panic.c). */
    private OptionalInt readPanicCpu() throws IOException {
        OptionalLong address = symbols.address("panic_cpu");
        if (address.isEmpty()) {
            return OptionalInt.empty();
        }
        try {
            int cpu = memory.readInt(address.getAsLong());
            if (cpu == -1) {
                return OptionalInt.empty();
            }
            if (cpus.stream().noneMatch(c -> c.number() == cpu)) {
                warnings.add("panic_cpu is " + cpu + ", not an online CPU; the panic CPU is unknown");
                return OptionalInt.empty();
            }
            return OptionalInt.of(cpu);
        } catch (AddressFault fault) {
            warnings.add("panic_cpu cannot be read: " + fault.getMessage());
            return OptionalInt.empty();
        }
    }

    /**
     * {@code max_threads} (kernel/fork.c): fork refuses to create more tasks, so a walk that finds
     * more is following garbage, as a walk over a live kernel's freed tasks can. Idle tasks
     * are not forked and come on top.
     */
    private int readTaskLimit() throws IOException {
        OptionalLong address = symbols.address("max_threads");
        if (address.isPresent()) {
            try {
                int limit = memory.readInt(address.getAsLong());
                if (limit > 0 && limit < MAX_TASKS - cpus.size()) {
                    return limit + cpus.size();
                }
            } catch (AddressFault fault) {
                // the bound stays the absolute one
            }
        }
        return MAX_TASKS;
    }

    // ---- tasks ----

    private List<Task> readTasks() throws KernelDataException, IOException {
        long initTask = requireSymbol("init_task");
        Map<Long, TaskLayout.Raw> found = new LinkedHashMap<>();
        try {
            found.put(initTask, layout.read(memory, initTask));
        } catch (AddressFault fault) {
            throw new KernelDataException("init_task, where the task list starts, cannot be read: "
                + fault.getMessage(), fault);
        }
        List<Long> leaders = walk("the process list (init_task.tasks)", initTask + layout.tasks.offset(),
            layout.tasks.offset(), found);
        leaders.add(0, initTask);
        for (long leader : leaders) {
            TaskLayout.Raw raw = found.get(leader);
            if (raw == null || found.size() >= taskLimit) {
                continue;
            }
            if (layout.threadHead.isPresent()) {
                if (raw.signal() != 0) {
                    walk("the threads of task 0x" + Long.toHexString(leader) + " (signal->thread_head)",
                        raw.signal() + layout.threadHead.getAsLong(), layout.threadLink.offset(), found);
                }
            } else {
                walk("the threads of task 0x" + Long.toHexString(leader) + " (thread_group)",
                    leader + layout.threadLink.offset(), layout.threadLink.offset(), found);
            }
        }
        Map<Long, Integer> currentOn = new HashMap<>();
        for (Cpu cpu : cpus) {
            currentOn.put(cpu.current(), cpu.number());
            if (cpu.idle() != 0 && !found.containsKey(cpu.idle())) {
                try {
                    found.put(cpu.idle(), layout.read(memory, cpu.idle()));
                } catch (AddressFault fault) {
                    warnings.add("the idle task of CPU " + cpu.number() + " at 0x" + Long.toHexString(cpu.idle())
                        + " cannot be read: " + fault.getMessage());
                }
            }
        }
        List<Task> all = new ArrayList<>(found.size());
        for (Map.Entry<Long, TaskLayout.Raw> entry : found.entrySet()) {
            TaskLayout.Raw raw = entry.getValue();
            TaskLayout.Raw parent = found.get(raw.realParent());
            int ppid = parent == null || raw.realParent() == entry.getKey() ? 0 : parent.tgid();
            Integer runningOn = currentOn.get(entry.getKey());
            all.add(new Task(entry.getKey(), raw.pid(), raw.tgid(), ppid,
                new String(raw.comm(), StandardCharsets.UTF_8), TaskState.decode(raw.state(), raw.exitState()),
                runningOn != null ? runningOn : raw.cpu(), runningOn != null,
                (raw.flags() & PF_KTHREAD) != 0, raw.stack()));
        }
        all.sort(Comparator.comparingInt(Task::pid).thenComparingInt(Task::cpu));
        return List.copyOf(all);
    }

    /**
     * Follows a circular list of tasks from its head, adding each task not seen before to
     * {@code found}; returns the tasks in list order. Stops at the head, at a task already seen
     * (a list damaged into a loop), at a pointer that cannot be a task, or at a read that fails.
     *
     * @param linkOffset where in task_struct the list_head of this list sits
     */
    private List<Long> walk(String list, long head, long linkOffset, Map<Long, TaskLayout.Raw> found)
            throws IOException {
        List<Long> order = new ArrayList<>();
        Set<Long> seenHere = new HashSet<>();
        long link = head;
        while (true) {
            long next;
            try {
                next = memory.readLong(link);
            } catch (AddressFault fault) {
                warnings.add(list + " is broken at 0x" + Long.toHexString(link) + ": " + fault.getMessage()
                    + "; tasks after it are missing");
                return order;
            }
            if (next == head) {
                return order;
            }
            if (!plausibleLink(next)) {
                warnings.add(String.format("%s is broken at 0x%x: next pointer 0x%x is not a kernel address;"
                    + " tasks after it are missing", list, link, next));
                return order;
            }
            long task = next - linkOffset;
            if (!seenHere.add(task)) {
                warnings.add(String.format("%s loops back to task 0x%x before reaching its head", list, task));
                return order;
            }
            if (!found.containsKey(task)) {
                if (found.size() >= taskLimit) {
                    warnings.add(list + " goes on past " + taskLimit + " tasks, more than this kernel allows"
                        + " (max_threads); stopped there");
                    return order;
                }
                try {
                    found.put(task, layout.read(memory, task));
                } catch (AddressFault fault) {
                    warnings.add(String.format("%s: task 0x%x cannot be read: %s; tasks after it are missing",
                        list, task, fault.getMessage()));
                    return order;
                }
            }
            order.add(task);
            link = next;
        }
    }

    /** Kernel pointers of 64-bit kernels live in the upper half and list_heads are 8-aligned. */
    private static boolean plausibleLink(long pointer) {
        return pointer < 0 && (pointer & 7) == 0;
    }

    // ---- helpers ----

    private long requireSymbol(String name) throws KernelDataException {
        return symbols.address(name).orElseThrow(() -> new KernelDataException(
            "the kernel's symbols have no " + name + "; the task list cannot be read without it"));
    }

    private int readInt(long address, String what) throws KernelDataException, IOException {
        try {
            return memory.readInt(address);
        } catch (AddressFault fault) {
            throw new KernelDataException(what + " cannot be read: " + fault.getMessage(), fault);
        }
    }

    private String warningsSoFar() {
        List<String> so = warnings();
        return so.isEmpty() ? "" : ": " + String.join("; ", so);
    }
}
