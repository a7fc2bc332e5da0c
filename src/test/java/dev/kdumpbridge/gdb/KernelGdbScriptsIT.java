package dev.kdumpbridge.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kdumpbridge.cli.Main;
import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kernel's own gdb helpers ({@code scripts/gdb} of the fixture kernel's source, built by
 * {@code protocol-tests/fixtures/gdb-scripts-x86_64.sh}) run by a stock gdb attached to
 * {@code kdump-bridge serve} with the command the server prints, as a user would; checked against
 * crash 8.0.6's output and the guest's own record of the same boot.
 */
class KernelGdbScriptsIT {
    private static final String DUMP_ID = "kdump-zlib-d31";
    private static final long GDB_TIMEOUT_SECONDS = 180;

    private static Process server;
    private static String serverAddress;
    private static String attachCommand;
    private static Dump dump;
    private static Path helpers;
    /** What each helper command printed in one gdb session attached with the printed command. */
    private static Map<String, String> printed;

    @BeforeAll
    static void serveAndRunTheHelpers() throws Exception {
        helpers = Fixtures.x86_64().resolve("gdb-scripts/vmlinux-gdb.py");
        // run-tests.sh builds them with the other fixtures, so a missing file is a failure, not a skip.
        assertTrue(Files.isRegularFile(helpers), "no " + helpers + ": run protocol-tests/fixtures/gdb-scripts-x86_64.sh");
        assumeTrue(Debuggers.installed("gdb"), "gdb is not installed");
        dump = Fixtures.dumps().stream().filter(d -> d.id().equals(DUMP_ID)).findFirst().orElseThrow();
        String java = ProcessHandle.current().info().command().orElse("java");
        server = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
            "serve", dump.files().get(0).toString(), "--vmlinux", Fixtures.vmlinux().toString(), "--gdb-port", "0")
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String listening = out.readLine();
        assertTrue(listening != null && listening.startsWith("listening gdb="), String.valueOf(listening));
        serverAddress = listening.substring("listening gdb=".length());
        String attach = out.readLine();
        assertTrue(attach != null && attach.startsWith("attach with: gdb "), String.valueOf(attach));
        attachCommand = attach.substring("attach with: ".length());
        printed = runGdb(attachCommand, List.of("lx-ps", "lx-dmesg", "lx-cmdline", "lx-version", "lx-lsmod"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * lx-ps walks {@code init_task.tasks} and each leader's thread list. init_task, CPU 0's idle
     * task, heads that list, but the idle tasks of the other CPUs come from fork_idle() and
     * copy_process() links only tasks with a pid into it; crash finds them through each
     * runqueue's {@code idle} pointer. So lx-ps lists every task crash lists except the pid-0
     * tasks of CPUs 1 and 2 (swapper/1, swapper/2).
     */
    @Test
    void lxPsListsEveryTaskCrashListsButTheOtherCpusIdleTasks() throws Exception {
        List<String> expected = new ArrayList<>();
        List<String> leftOut = new ArrayList<>();
        List<String> crashPs = crashOutput("ps.txt");
        for (String line : crashPs.subList(1, crashPs.size())) {
            String[] field = line.replaceFirst("^>", "").trim().split("\\s+", 9);
            String comm = withoutKernelThreadBrackets(field[8]);
            boolean idleTaskOfAnotherCpu = field[0].equals("0") && !field[2].equals("0");
            (idleTaskOfAnotherCpu ? leftOut : expected).add(task("0x" + field[3], field[0], comm));
        }
        assertEquals(List.of("swapper/1", "swapper/2"), leftOut.stream().map(t -> t.split(" ")[2]).toList());
        List<String> listed = rows(printed.get("lx-ps"), "\\s+TASK\\s+PID\\s+COMM",
            "(0x[0-9a-f]+)\\s+(\\d+)\\s+(.+)", row -> task(row.group(1), row.group(2), row.group(3)));
        expected.sort(null);
        listed.sort(null);
        assertEquals(expected, listed);
    }

    /**
     * Both print the same printk records; two differences of format are normalised. crash
     * indents the continuation lines of a multi-line record, where lx-dmesg repeats the record's
     * timestamp on every line. And lx-dmesg formats {@code ts_nsec / 1e9} with "%12.6f", which
     * rounds to the nearest microsecond, where crash (like the kernel's printk) truncates: so
     * lx-dmesg's timestamp is crash's or one microsecond more.
     */
    @Test
    void lxDmesgPrintsTheRecordsCrashPrints() throws Exception {
        List<LogLine> crash = crashLogWithTimestampOnEveryLine();
        List<LogLine> lxDmesg = printed.get("lx-dmesg").lines().map(LogLine::parse).toList();
        assertEquals(crash.stream().map(LogLine::text).toList(), lxDmesg.stream().map(LogLine::text).toList());
        List<String> beyondRounding = new ArrayList<>();
        for (int i = 0; i < crash.size(); i++) {
            long later = lxDmesg.get(i).microseconds() - crash.get(i).microseconds();
            if (later != 0 && later != 1) {
                beyondRounding.add("crash: " + crash.get(i) + "\nlx-dmesg: " + lxDmesg.get(i));
            }
        }
        assertEquals(List.of(), beyondRounding);
    }

    @Test
    void lxCmdlineIsTheCommandLineTheGuestRecorded() throws Exception {
        assertEquals(Files.readString(dump.guestFile("cmdline.txt")), printed.get("lx-cmdline"));
    }

    /** linux_banner, which the kernel also printed as its first message. */
    @Test
    void lxVersionIsTheBannerOfTheReleaseTheGuestRan() throws Exception {
        String uname = Files.readString(dump.guestFile("uname.txt")).strip();
        String release = uname.split(" ")[2];
        String version = uname.substring(uname.indexOf(release) + release.length() + 1, uname.lastIndexOf(" x86_64 "));
        String banner = printed.get("lx-version");
        assertTrue(banner.startsWith("Linux version " + release + " (") && banner.endsWith(" " + version + "\n"),
            "uname: " + uname + "\nlx-version: " + banner);
        assertEquals(crashOutput("log.txt").get(0).replaceFirst("^\\[\\s*[0-9.]+\\] ", "") + "\n", banner);
    }

    /** The modules the guest's /init loads, from the list it reads. */
    @Test
    void lxLsmodListsTheModulesTheGuestLoaded() throws Exception {
        TreeSet<String> loaded = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("protocol-tests/fixtures/guest/modules"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                loaded.add(line.strip());
            }
        }
        List<String> listed = rows(printed.get("lx-lsmod"), "Address\\s+Module\\s+Size\\s+Used by",
            "0x[0-9a-f]+\\s+(\\S+)\\s+\\d+\\s+\\d+.*", row -> row.group(1));
        assertEquals(List.copyOf(loaded), listed.stream().sorted().toList());
    }

    /**
     * {@code $lx_current(cpu)} reads the per-CPU variable current_task: the address of its
     * symbol, an offset into {@code .data..percpu} (linked at 0), plus that CPU's
     * {@code __per_cpu_offset}; the printed command keeps that section at 0. Without an
     * argument it takes the selected thread N as CPU N-1, which our thread order makes true.
     */
    @Test
    void lxCurrentIsTheTaskCrashShowsOnEachCpu() throws Exception {
        assertTrue(attachCommand.contains(" -s .data..percpu 0'"), attachCommand);
        Map<Integer, String> expected = new TreeMap<>();
        for (String line : crashOutput("ps.txt")) {
            if (line.startsWith(">")) {
                String[] field = line.substring(1).trim().split("\\s+", 9);
                int cpu = Integer.parseInt(field[2]);
                expected.put(cpu, cpu + " " + task("0x" + field[3], field[0], withoutKernelThreadBrackets(field[8])));
            }
        }
        List<String> commands = new ArrayList<>();
        for (int cpu : expected.keySet()) {
            commands.add("printf \"%d %#lx %d %s\\n\", " + cpu + ", &$lx_current(" + cpu + "), $lx_current(" + cpu
                + ").pid, $lx_current(" + cpu + ").comm");
            commands.add("thread " + (cpu + 1));
            commands.add("printf \"%d %#lx %d %s\\n\", " + cpu + ", &$lx_current(), $lx_current().pid, $lx_current().comm");
        }
        Map<String, String> output = runGdb(attachCommand, commands);
        int i = 0;
        for (String line : expected.values()) {
            assertEquals(line + "\n", output.get(commands.get(i)), "explicit CPU");
            assertEquals(line + "\n", output.get(commands.get(i + 2)), "CPU of the selected thread");
            i += 3;
        }
    }

    /**
     * The rows of a helper's table, each turned into a string by {@code value}; fails on any line
     * that is neither the header nor a row, such as a Python exception.
     */
    private static List<String> rows(String output, String header, String row, Function<Matcher, String> value) {
        List<String> lines = output.lines().toList();
        assertTrue(!lines.isEmpty() && lines.get(0).matches(header), "no header: " + output);
        Pattern format = Pattern.compile(row);
        List<String> values = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            Matcher matcher = format.matcher(line);
            assertTrue(matcher.matches(), "not a row: " + line + "\nin:\n" + output);
            values.add(value.apply(matcher));
        }
        return values;
    }

    private static String task(String address, String pid, String comm) {
        return address + " " + pid + " " + comm;
    }

    /** crash shows kernel threads' names in brackets; no task of this dump has one in its name. */
    private static String withoutKernelThreadBrackets(String comm) {
        return comm.startsWith("[") && comm.endsWith("]") ? comm.substring(1, comm.length() - 1) : comm;
    }

    /** One line of a kernel log as crash and lx-dmesg print it: "[    2.009874] text". */
    private record LogLine(String prefix, long microseconds, String text) {
        private static final Pattern FORMAT = Pattern.compile("(\\[\\s*(\\d+)\\.(\\d{6})\\] )(.*)");

        static LogLine parse(String line) {
            Matcher record = FORMAT.matcher(line);
            assertTrue(record.matches(), "not a kernel log line: " + line);
            return new LogLine(record.group(1),
                Long.parseLong(record.group(2)) * 1_000_000 + Long.parseLong(record.group(3)), record.group(4));
        }

        @Override
        public String toString() {
            return prefix + text;
        }
    }

    /** crash's log, each continuation line given the timestamp of its record. */
    private static List<LogLine> crashLogWithTimestampOnEveryLine() throws IOException {
        List<LogLine> lines = new ArrayList<>();
        for (String line : crashOutput("log.txt")) {
            if (line.startsWith("[")) {
                lines.add(LogLine.parse(line));
            } else {
                LogLine record = lines.get(lines.size() - 1);
                String indent = " ".repeat(record.prefix().length());
                assertTrue(line.startsWith(indent), "neither a record nor its continuation: " + line);
                lines.add(new LogLine(record.prefix(), record.microseconds(), line.substring(indent.length())));
            }
        }
        return lines;
    }

    private static List<String> crashOutput(String name) throws IOException {
        return Files.readAllLines(dump.root().resolve("oracle/crash").resolve(dump.id()).resolve(name));
    }

    /**
     * Runs {@code gdbCommandLine} (a shell command line, as the server prints it) in batch mode
     * with the helpers sourced, then each command; returns what each command printed. Markers
     * echoed between the commands cut gdb's output apart.
     */
    private static Map<String, String> runGdb(String gdbCommandLine, List<String> commands) throws Exception {
        StringBuilder script = new StringBuilder(gdbCommandLine).append(" -nx -batch -ex ")
            .append(shellQuoted("source " + helpers));
        for (int i = 0; i < commands.size(); i++) {
            script.append(" -ex ").append(shellQuoted("echo " + marker(i) + "\\n"))
                .append(" -ex ").append(shellQuoted(commands.get(i)));
        }
        script.append(" -ex ").append(shellQuoted("echo " + marker(commands.size()) + "\\n"));
        Path output = Files.createTempFile("kdump-bridge-gdb-scripts", ".out");
        try {
            Process gdb = new ProcessBuilder("bash", "-c", script.toString())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
            if (!gdb.waitFor(GDB_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                gdb.destroyForcibly();
                throw new AssertionError("gdb still running after " + GDB_TIMEOUT_SECONDS + " s:\n"
                    + Files.readString(output));
            }
            String all = Files.readString(output, StandardCharsets.UTF_8);
            Map<String, String> byCommand = new HashMap<>();
            for (int i = 0; i < commands.size(); i++) {
                int start = all.indexOf(marker(i) + "\n");
                int end = all.indexOf(marker(i + 1) + "\n");
                assertTrue(start >= 0 && end > start, "gdb did not run " + commands.get(i) + ":\n" + all);
                byCommand.put(commands.get(i), all.substring(start + marker(i).length() + 1, end));
            }
            return byCommand;
        } finally {
            Files.delete(output);
        }
    }

    private static String marker(int index) {
        return "@@kdump-bridge-it " + index;
    }

    private static String shellQuoted(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
