package dev.kdumpbridge.dumptarget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kdumpbridge.arch.x86_64.PrstatusRegisters;
import dev.kdumpbridge.arch.x86_64.X86_64Architecture;
import dev.kdumpbridge.arch.x86_64.X86_64Paging;
import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.Dumps;
import dev.kdumpbridge.dump.ElfNote;
import dev.kdumpbridge.fixtures.ActiveTasks;
import dev.kdumpbridge.fixtures.BacktraceOracle;
import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import dev.kdumpbridge.kernel.Kernel;
import dev.kdumpbridge.kernel.Symbols;
import dev.kdumpbridge.kernel.Vmlinux;
import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.target.RegisterLayout.Register;
import dev.kdumpbridge.target.RegisterSet;
import dev.kdumpbridge.target.StopReason;
import dev.kdumpbridge.target.TargetThread;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixture dump as a debug target: the threads are the kernel's tasks with the running ones
 * first in CPU order, and each thread's registers are what the ground truth says: QEMU's gdbstub
 * for the vCPUs of a snapshot, the CPU's note for a crashed kernel, and for every sleeping task
 * the first frame of crash's {@code foreach bt} (or drgn's stack trace where crash cannot open
 * the dump).
 */
class DumpTargetIT {
    private static final Pattern THREAD_INFO = Pattern.compile("^pid (\\d+) .*CPU (\\d+)$");
    private static final Pattern GDBSTUB_THREAD = Pattern.compile("^Thread \\d+ \\(Thread 1\\.(\\d+) .*");
    private static final Pattern GDBSTUB_REGISTER = Pattern.compile("^(\\w+)\\s+(0x[0-9a-f]+)\\s.*");
    /** The registers QEMU's gdbstub and its dump notes both have. */
    private static final List<String> GDBSTUB_COMPARED = List.of("rax", "rbx", "rcx", "rdx", "rsi", "rdi",
        "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "eflags", "cs", "ss");

    private static Vmlinux vmlinux;
    private static Btf btf;

    static List<Dump> dumps() {
        return Fixtures.dumps();
    }

    static Stream<Dump> snapshots() {
        return Fixtures.dumps().stream().filter(d -> d.id().startsWith("qemu-"));
    }

    @BeforeAll
    static void open() throws Exception {
        vmlinux = Vmlinux.open(Fixtures.vmlinux());
        btf = vmlinux.btf().orElseThrow();
    }

    @AfterAll
    static void close() throws Exception {
        if (vmlinux != null) {
            vmlinux.close();
        }
    }

    static DumpTarget target(DumpFile dump) throws Exception {
        long offset = dump.vmcoreInfo().orElseThrow().hex("KERNELOFFSET").orElseThrow();
        Symbols symbols = vmlinux.symbols().withKaslrOffset(offset);
        KernelMemory memory = X86_64Paging.discover(dump, symbols::address).memory();
        return DumpTarget.of(dump, memory, Optional.of(Kernel.open(memory, symbols, btf)), Optional.empty(), OptionalLong.of(offset),
            Optional.empty());
    }

    /** A thread's (pid, CPU), from the extra info the target gives it. */
    private static String pidAndCpu(TargetThread thread) {
        Matcher m = THREAD_INFO.matcher(thread.extraInfo());
        assertTrue(m.matches(), thread.extraInfo());
        return m.group(1) + "/" + m.group(2);
    }

    private static long value(RegisterSet registers, String name) {
        Register register = X86_64Architecture.ARCHITECTURE.registers().register(name).orElseThrow();
        return registers.value(register).orElseThrow(() -> new AssertionError(name + " unavailable"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void theTaskRunningOnCpuNIsThreadNPlusOneAndCarriesThatCpusNote(Dump fixture) throws Exception {
        try (DumpFile dump = Dumps.open(fixture.files())) {
            DumpTarget target = target(dump);
            List<TargetThread> threads = target.threads();
            assertEquals(ActiveTasks.taskCount(fixture), threads.size(), "crash and drgn count the tasks alike");
            for (int cpu = 0; cpu < 3; cpu++) {
                TargetThread thread = threads.get(cpu);
                assertEquals(cpu, thread.core());
                assertTrue(thread.extraInfo().endsWith("running on CPU " + cpu), thread.extraInfo());
                byte[] note = dump.prstatus().get(cpu).descriptor();
                RegisterSet registers = target.registers(thread.id()).orElseThrow();
                assertEquals(PrstatusRegisters.decode(note).value(rip()), registers.value(rip()));
                if (dump.notes(ElfNote.QEMU, 0).isEmpty()) {
                    assertEquals(PrstatusRegisters.pid(note), Integer.parseInt(pidAndCpu(thread).split("/")[0]));
                }
            }
            if (dump.vmcoreInfo().orElseThrow().get("CRASHTIME").isPresent()) {
                assertEquals(StopReason.Kind.PANIC, target.stopReason().kind());
                ActiveTasks.Active panic = ActiveTasks.panicked();
                assertEquals("kernel panic on CPU " + panic.cpu() + " in pid " + panic.pid() + " (" + panic.comm() + ")",
                    target.stopReason().description());
                assertEquals(1, target.stopThread());
            } else {
                assertEquals(StopReason.Kind.PAUSED, target.stopReason().kind());
            }
        }
    }

    private static Register rip() {
        return X86_64Architecture.ARCHITECTURE.registers().register("rip").orElseThrow();
    }

    /** QEMU's gdbstub read the paused vCPUs before dump-guest-memory; the running tasks must match it. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("snapshots")
    void runningTasksOfASnapshotHaveTheRegistersQemusGdbstubReported(Dump fixture) throws Exception {
        Map<Integer, Map<String, Long>> gdbstub = new TreeMap<>();
        Map<String, Long> current = null;
        for (String line : Files.readAllLines(fixture.root().resolve("qemu/registers-gdbstub.txt"))) {
            Matcher thread = GDBSTUB_THREAD.matcher(line);
            Matcher register = GDBSTUB_REGISTER.matcher(line);
            if (thread.matches()) {
                current = new HashMap<>();
                gdbstub.put(Integer.parseInt(thread.group(1)) - 1, current);
            } else if (current != null && register.matches()) {
                current.put(register.group(1), Long.parseUnsignedLong(register.group(2).substring(2), 16));
            }
        }
        try (DumpFile dump = Dumps.open(fixture.files())) {
            DumpTarget target = target(dump);
            assertEquals(3, gdbstub.size());
            for (Map.Entry<Integer, Map<String, Long>> cpu : gdbstub.entrySet()) {
                RegisterSet registers = target.registers(target.threads().get(cpu.getKey()).id()).orElseThrow();
                for (String name : GDBSTUB_COMPARED) {
                    assertEquals(Long.toHexString(cpu.getValue().get(name)), Long.toHexString(value(registers, name)),
                        "CPU " + cpu.getKey() + " " + name);
                }
            }
        }
    }

    /**
     * A sleeping task resumes in {@code __schedule}: crash's first frame names that return
     * address and the stack slot it sits in, so rsp, just past the switch frame, is that slot + 8.
     * For the dumps crash cannot open, drgn's first frame gives the pc. The zombie's stack was
     * freed when it exited: crash says "(no stack)" and it has no registers here; drgn 0.0.31
     * unwinds the stale thread.sp into freed memory and shows frames that are not there.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void everySleepingTaskStartsWhereCrashsOrDrgnsBacktraceStarts(Dump fixture) throws Exception {
        BacktraceOracle.Frames oracle = BacktraceOracle.of(fixture);
        assumeTrue(!oracle.byTask().isEmpty(), "neither crash nor drgn can open " + fixture.id());
        boolean crashSaw = !oracle.firstSlots().isEmpty();
        try (DumpFile dump = Dumps.open(fixture.files())) {
            DumpTarget target = target(dump);
            List<String> checked = new ArrayList<>();
            for (TargetThread thread : target.threads().subList(3, target.threads().size())) {
                if (thread.name().equals("wl-zombie")) {
                    RegisterSet none = target.registers(thread.id()).orElseThrow();
                    assertTrue(X86_64Architecture.ARCHITECTURE.registers().registers().stream()
                        .noneMatch(none::isAvailable), "a zombie has no stack, so no registers");
                    continue;
                }
                String task = pidAndCpu(thread);
                List<Long> frames = oracle.byTask().get(task);
                assertTrue(frames != null && !frames.isEmpty(), "no oracle frame for " + thread);
                RegisterSet registers = target.registers(thread.id()).orElseThrow();
                assertEquals(Long.toHexString(frames.get(0)), Long.toHexString(value(registers, "rip")), thread.toString());
                if (crashSaw) {
                    assertEquals(Long.toHexString(oracle.firstSlots().get(task) + 8),
                        Long.toHexString(value(registers, "rsp")), thread.toString());
                }
                checked.add(thread.name());
            }
            assertEquals(ActiveTasks.taskCount(fixture) - 4, checked.size(), "every task but the three on a CPU and the zombie");
        }
    }
}
