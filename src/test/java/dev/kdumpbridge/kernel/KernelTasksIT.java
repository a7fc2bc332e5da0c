package dev.kdumpbridge.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kdumpbridge.arch.x86_64.PrstatusRegisters;
import dev.kdumpbridge.arch.x86_64.X86_64Paging;
import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.Dumps;
import dev.kdumpbridge.dump.ElfNote;
import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import dev.kdumpbridge.kernel.btf.Btf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every task of every fixture dump, CPUs and the panic, read with the vmlinux's symbols and BTF
 * and checked against crash 8.0.6's {@code ps} and drgn 0.0.31's task list on the same dump.
 */
class KernelTasksIT {
    /** A crash ps line: optional '>', PID PPID CPU TASK ST %MEM VSZ RSS COMM. */
    private static final Pattern CRASH_PS = Pattern.compile(
        "^(>?)\\s*(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+([0-9a-f]+)\\s+([A-Z]{2})\\s+\\S+\\s+\\d+\\s+\\d+\\s+(.*)$");
    private static final Pattern DRGN_TASK = Pattern.compile(
        "^task 0x([0-9a-f]+) pid (\\d+) tgid (\\d+) ppid (\\d+) cpu (\\d+) on_cpu (\\d) state (\\S) comm (.*?)( crashed)?$");

    private static Vmlinux vmlinux;
    private static Symbols linked;
    private static Btf btf;

    static List<Dump> dumps() {
        return Fixtures.dumps();
    }

    @BeforeAll
    static void open() throws Exception {
        vmlinux = Vmlinux.open(Fixtures.vmlinux());
        linked = vmlinux.symbols();
        btf = vmlinux.btf().orElseThrow();
    }

    @AfterAll
    static void close() throws Exception {
        if (vmlinux != null) {
            vmlinux.close();
        }
    }

    static Kernel kernel(DumpFile dump) throws Exception {
        Symbols symbols = linked.withKaslrOffset(dump.vmcoreInfo().orElseThrow().hex("KERNELOFFSET").orElseThrow());
        return Kernel.open(X86_64Paging.discover(dump, symbols::address).memory(), symbols, btf);
    }

    /**
     * Our task as crash's ps prints it, without the %MEM, VSZ and RSS columns. crash shows 0 as
     * the parent of every idle task; the kernel's real_parent of swapper/1 and up is init,
     * because fork_idle() runs in kernel_init, and drgn reports that (checked below).
     */
    private static String crashLine(Task t) {
        return String.format("%s %d %d %d %x %s %s", t.current() ? ">" : "", t.pid(), t.isIdle() ? 0 : t.ppid(), t.cpu(),
            t.address(), t.state().crashCode(), t.kernelThread() ? "[" + t.comm() + "]" : t.comm());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void everyTaskIsTheOneCrashLists(Dump fixture) throws Exception {
        Path ps = Fixtures.x86_64().resolve("oracle/crash").resolve(fixture.id()).resolve("ps.txt");
        assumeTrue(Files.exists(ps), "crash 8.0.6 cannot open " + fixture.id());
        List<String> expected = Files.readAllLines(ps).stream().skip(1).map(line -> {
            Matcher m = CRASH_PS.matcher(line);
            assertTrue(m.matches(), line);
            return String.join(" ", m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6), m.group(7));
        }).collect(Collectors.toList());
        try (DumpFile dump = Dumps.open(fixture.files())) {
            Kernel kernel = kernel(dump);
            List<String> ours = kernel.tasks().stream().map(KernelTasksIT::crashLine).collect(Collectors.toList());
            assertEquals(String.join("\n", expected), String.join("\n", ours));
            assertEquals(List.of(), kernel.warnings());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void everyTaskIsTheOneDrgnLists(Dump fixture) throws Exception {
        Path tasks = Fixtures.x86_64().resolve("oracle/drgn").resolve(fixture.id()).resolve("tasks.txt");
        assumeTrue(Files.exists(tasks), "drgn 0.0.31 cannot open " + fixture.id());
        List<String> lines = Files.readAllLines(tasks).stream().filter(l -> l.startsWith("task ")).toList();
        assumeTrue(!lines.isEmpty(), "drgn 0.0.31 cannot open " + fixture.id());
        List<String> expected = lines.stream().map(line -> {
            Matcher m = DRGN_TASK.matcher(line);
            assertTrue(m.matches(), line);
            return String.join(" ", m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), m.group(7), m.group(8));
        }).sorted().collect(Collectors.toList());
        try (DumpFile dump = Dumps.open(fixture.files())) {
            List<String> ours = kernel(dump).tasks().stream().map(t -> String.format("%x %d %d %d %d %c %s",
                t.address(), t.pid(), t.tgid(), t.ppid(), t.cpu(), t.state().letter(), t.comm()))
                .sorted().collect(Collectors.toList());
            assertEquals(String.join("\n", expected), String.join("\n", ours));
        }
    }

    /**
     * The kernel's own word on who panicked: the panic CPU's NT_PRSTATUS carries the pid of the
     * task that called crash_kexec (kernel/crash_core.c crash_save_cpu), and drgn marks it too.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void thePanicTaskIsTheOneWhoseNoteSaysSo(Dump fixture) throws Exception {
        try (DumpFile dump = Dumps.open(fixture.files())) {
            Kernel kernel = kernel(dump);
            assertEquals(List.of(0, 1, 2), kernel.cpus().stream().map(Cpu::number).collect(Collectors.toList()));
            boolean snapshot = !dump.notes(ElfNote.QEMU, 0).isEmpty();
            if (snapshot) {
                assertTrue(kernel.panicCpu().isEmpty());
                assertEquals(Optional.empty(), kernel.panicTask());
                return;
            }
            int cpu = kernel.panicCpu().orElseThrow();
            Task panicking = kernel.panicTask().orElseThrow();
            assertEquals(PrstatusRegisters.pid(dump.prstatus().get(cpu).descriptor()), panicking.pid());
            assertEquals("sh", panicking.comm());
            assertEquals(cpu, panicking.cpu());
            assertTrue(panicking.current());
        }
    }
}
