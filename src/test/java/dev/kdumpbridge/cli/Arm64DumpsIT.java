package dev.kdumpbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.Dumps;
import dev.kdumpbridge.fixtures.BacktraceOracle;
import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The arm64 fixtures (Debian's 6.1 arm64 kernel under QEMU TCG: a real kdump, a QEMU snapshot)
 * against drgn 0.0.31, the oracle that opens arm64 dumps on this x86_64 host: every task and
 * every task's frames, through bt on the CLI and gdb-multiarch on the server.
 */
class Arm64DumpsIT {
    private static final Pattern DRGN_TASK = Pattern.compile(
        "^task 0x(\\S+) pid (\\d+) tgid \\d+ ppid \\d+ cpu (-?\\d+) on_cpu (\\d) state (\\S) comm (.*?)( crashed)?$");
    private static final Pattern DRGN_FRAME = Pattern.compile("^\\s+#\\d+ \\S+ 0x([0-9a-f]+)( inline)?$");
    private static final Pattern OUR_TASK = Pattern.compile("^PID: (\\d+)\\s+TASK: ([0-9a-f]+)\\s+CPU: .*");
    private static final Pattern OUR_FRAME = Pattern.compile("^\\s*#\\d+ \\[[0-9a-f]+\\] \\S+ at ([0-9a-f]+)$");

    /** One task as drgn listed it: its kernel frames, whether drgn's unwind failed, and its state. */
    record DrgnTask(String address, int pid, String comm, String state, boolean onCpu, List<Long> pcs, boolean failed) {
    }

    static Stream<Dump> dumps() {
        return Fixtures.dumps(Fixtures.arm64()).stream();
    }

    private static Path vmlinux() {
        return Fixtures.arm64().resolve("kernel/vmlinux");
    }

    private static Map<String, DrgnTask> drgn(Dump dump) throws Exception {
        Map<String, DrgnTask> tasks = new LinkedHashMap<>();
        DrgnTask current = null;
        for (String line : Files.readAllLines(Fixtures.arm64().resolve("oracle/drgn").resolve(dump.id()).resolve("tasks.txt"))) {
            Matcher task = DRGN_TASK.matcher(line);
            Matcher frame = DRGN_FRAME.matcher(line);
            if (task.matches()) {
                current = new DrgnTask(task.group(1), Integer.parseInt(task.group(2)), task.group(6), task.group(5),
                    task.group(4).equals("1"), new ArrayList<>(), false);
                tasks.put(current.address(), current);
            } else if (current != null && line.trim().startsWith("error")) {
                current = new DrgnTask(current.address(), current.pid(), current.comm(), current.state(), current.onCpu(),
                    current.pcs(), true);
                tasks.put(current.address(), current);
            } else if (current != null && frame.matches() && frame.group(2) == null) {
                long pc = Long.parseUnsignedLong(frame.group(1), 16);
                if (pc < 0 && (pc >>> 48) == 0xffff) {
                    current.pcs().add(pc);
                }
            }
        }
        return tasks;
    }

    private static Map<String, List<Long>> ours(String bt) {
        Map<String, List<Long>> tasks = new HashMap<>();
        List<Long> current = null;
        for (String line : bt.lines().toList()) {
            Matcher task = OUR_TASK.matcher(line);
            Matcher frame = OUR_FRAME.matcher(line);
            if (task.matches()) {
                current = new ArrayList<>();
                tasks.put(task.group(2), current);
            } else if (current != null && frame.matches()) {
                current.add(Long.parseUnsignedLong(frame.group(1), 16));
            }
        }
        return tasks;
    }

    /**
     * Every task's frames equal drgn's, but for two things drgn gets wrong: a zombie's stack is
     * freed, so it has no frames (drgn unwinds the stale thread.sp), and where drgn's unwind
     * failed ("program counter is not known"), its frames are a prefix-in-order of ours.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void everyTasksFramesAreDrgns(Dump dump) throws Exception {
        CliRun run = CliRun.of(Stream.concat(Stream.of("bt"), Stream.concat(dump.files().stream().map(Path::toString),
            Stream.of("--all", "--vmlinux", vmlinux().toString()))).toArray());
        assertEquals(0, run.exitCode(), run.err());
        Map<String, List<Long>> ours = ours(run.out());
        Map<String, DrgnTask> drgn = drgn(dump);
        assertEquals(drgn.keySet(), ours.keySet(), "the tasks are drgn's");
        int agreed = 0;
        for (DrgnTask task : drgn.values()) {
            List<Long> mine = ours.get(task.address());
            String what = task.pid() + " " + task.comm() + ": ours " + BacktraceOracle.hex(mine) + ", drgn "
                + BacktraceOracle.hex(task.pcs());
            if (task.state().equals("Z")) {
                assertEquals(List.of(), mine, what);
            } else if (task.failed()) {
                assertEquals(List.of(), BacktraceOracle.missing(task.pcs(), mine), what);
            } else {
                assertEquals(task.pcs(), mine, what);
                agreed++;
            }
        }
        System.out.printf("arm64 %s: %d of %d tasks equal drgn's frames; the rest are zombies or drgn's failed unwinds%n",
            dump.id(), agreed, drgn.size());
    }

    /** gdb-multiarch with the arm64 vmlinux lists every task as a thread and unwinds the panic through drgn's frames. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void gdbMultiarchListsEveryTaskAndUnwindsThePanic(Dump dump) throws Exception {
        assumeTrue(new File("/usr/bin/gdb-multiarch").canExecute(), "gdb-multiarch is not installed");
        Map<String, DrgnTask> drgn = drgn(dump);
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
            System.getProperty("java.class.path"), Main.class.getName(), "serve"));
        dump.files().forEach(f -> command.add(f.toString()));
        command.addAll(List.of("--vmlinux", vmlinux().toString(), "--gdb-port", "0"));
        Process server = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out;
        try (DumpFile file = Dumps.open(dump.files())) {
            String listening = new java.io.BufferedReader(new java.io.InputStreamReader(server.getInputStream(),
                StandardCharsets.UTF_8)).readLine();
            assertTrue(listening != null && listening.startsWith("listening gdb=127.0.0.1:"), String.valueOf(listening));
            String port = listening.substring(listening.lastIndexOf(':') + 1);
            long offset = file.vmcoreInfo().orElseThrow().hex("KERNELOFFSET").orElseThrow();
            Process gdb = new ProcessBuilder("gdb-multiarch", "-nx", "-batch", "-ex", "set architecture aarch64",
                "-ex", "add-symbol-file " + vmlinux() + " -o 0x" + Long.toHexString(offset),
                "-ex", "target remote 127.0.0.1:" + port, "-ex", "info threads", "-ex", "thread 1", "-ex", "bt")
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            out = new String(gdb.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(gdb.waitFor(120, TimeUnit.SECONDS), "gdb-multiarch did not finish");
        } finally {
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
        }
        long threads = out.lines().filter(l -> l.matches("^[* ] +\\d+ +Thread .*")).count();
        assertEquals(drgn.size(), threads, out);
        DrgnTask panicked = drgn.values().stream().filter(t -> t.state().equals("R") && !t.pcs().isEmpty())
            .filter(t -> t.comm().equals("sh")).findFirst().orElse(null);
        if (panicked != null) {
            for (String function : List.of("panic", "sysrq_handle_crash", "vfs_write")) {
                assertTrue(out.contains(" " + function + " ("), "gdb's bt lacks " + function + ":\n" + out);
            }
        }
    }

    /** log prints what drgn's get_dmesg prints, byte for byte, from VMCOREINFO alone. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void logIsDrgns(Dump dump) throws Exception {
        CliRun run = CliRun.of(Stream.concat(Stream.of("log"), dump.files().stream().map(Path::toString)).toArray());
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(Files.readString(Fixtures.arm64().resolve("oracle/drgn").resolve(dump.id()).resolve("log.txt")),
            run.out());
    }

    /** ps lists drgn's tasks: pid, command, and the ones on a CPU marked. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void psListsDrgnsTasks(Dump dump) throws Exception {
        CliRun run = CliRun.of(Stream.concat(Stream.of("ps"), Stream.concat(dump.files().stream().map(Path::toString),
            Stream.of("--vmlinux", vmlinux().toString()))).toArray());
        assertEquals(0, run.exitCode(), run.err());
        List<String> ours = run.out().lines().skip(1).map(l -> {
            String[] f = l.substring(1).trim().split("\\s+");
            return (l.startsWith(">") ? ">" : " ") + f[0] + " " + f[3] + " " + f[f.length - 1].replaceAll("^\\[|\\]$", "");
        }).sorted().toList();
        List<String> drgn = drgn(dump).values().stream()
            .map(t -> (t.onCpu() ? ">" : " ") + t.pid() + " " + t.address() + " " + t.comm()).sorted().toList();
        assertEquals(drgn, ours);
    }

    /** LLDB's gdb-remote lists every task of the arm64 dump as a thread. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void lldbListsEveryTask(Dump dump) throws Exception {
        assumeTrue(new File("/usr/bin/lldb").canExecute(), "lldb is not installed");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
            System.getProperty("java.class.path"), Main.class.getName(), "serve"));
        dump.files().forEach(f -> command.add(f.toString()));
        command.addAll(List.of("--vmlinux", vmlinux().toString(), "--gdb-port", "0"));
        Process server = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String listening = new java.io.BufferedReader(new java.io.InputStreamReader(server.getInputStream(),
                StandardCharsets.UTF_8)).readLine();
            String port = listening.substring(listening.lastIndexOf(':') + 1);
            Process lldb = new ProcessBuilder("lldb", "--no-lldbinit", "--batch", "-o", "gdb-remote 127.0.0.1:" + port,
                "-o", "thread list", "-o", "register read pc")
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            String out = new String(lldb.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(lldb.waitFor(120, TimeUnit.SECONDS), "lldb did not finish");
            // LLDB prints the stopped thread once on connecting, then every thread under "thread list".
            assertEquals(drgn(dump).size(), out.lines().filter(l -> l.matches("^[* ] thread #\\d+.*"))
                .map(l -> l.replaceAll("^[* ] thread #(\\d+).*", "$1")).distinct().count(), out);
            assertTrue(out.contains("pc = 0x"), out);
        } finally {
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
