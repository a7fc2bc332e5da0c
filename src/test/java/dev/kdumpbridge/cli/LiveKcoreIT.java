package dev.kdumpbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kdumpbridge.fixtures.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kdump-bridge on a running kernel's own {@code /proc/kcore}, checked against what that kernel
 * said about itself at the same moment. {@code protocol-tests/fixtures/live-x86_64.sh} boots the
 * fixture kernel under QEMU with a JRE and the jar inside, runs the commands there and records
 * them with the ground truth in {@code x86_64/live/run/}; this test only reads that record.
 */
class LiveKcoreIT {
    /** {@code PF_KTHREAD} in the flags field of /proc/PID/stat: ps brackets these names. */
    private static final long PF_KTHREAD = 0x00200000;
    /** task_struct.comm's size, its NUL included. */
    private static final int TASK_COMM_LEN = 16;
    /** One line of {@code rd}: the address, then one or two words in hexadecimal. */
    private static final Pattern RD_LINE = Pattern.compile("^([0-9a-f]{16}):  ([0-9a-f]{16})(?: ([0-9a-f]{16}))?\\s.*$");
    /** One line of {@code ps}: '>' marks a task on a CPU; COMM may hold spaces. */
    private static final Pattern PS_LINE = Pattern.compile("^(>| )\\s*(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+([0-9a-f]{16})\\s+([A-Z]{2})  (.*)$");
    /** /proc's state letters (fs/proc/array.c) as crash's ps spells them. */
    private static final Map<Character, String> PS_STATE = Map.of(
        'R', "RU", 'S', "IN", 'D', "UN", 'T', "ST", 't', "TR", 'X', "DE", 'Z', "ZO", 'P', "PA", 'I', "ID");

    private static Path run;

    @BeforeAll
    static void recordedRun() {
        Path dir = Fixtures.x86_64().resolve("live/run");
        // run-tests.sh makes the run with the other fixtures, so a missing one is a failure, not a skip.
        assertTrue(Files.isRegularFile(dir.resolve("log.status")), "no live /proc/kcore run in " + dir
            + ": run protocol-tests/fixtures/live-x86_64.sh target/kdump-bridge.jar");
        run = dir;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"info", "rd-linux-banner", "rd-linux-banner-address", "rd-init-task-comm", "ps", "log"})
    void everyCommandSucceeded(String command) throws IOException {
        String status = read(command + ".status").strip();
        assertTrue(status.startsWith("rc=0 "), command + ": " + status + ", stderr:\n" + read(command + ".err"));
    }

    @Test
    void infoNamesTheRunningKernelAsUnameDoes() throws IOException {
        Map<String, String> info = infoRows();
        assertEquals(read("uname-r.txt").strip(), info.get("RELEASE"));
        assertEquals(read("uname-v.txt").strip(), info.get("VERSION"));
        assertEquals("/proc/kcore (live kernel)", info.get("FORMAT"));
    }

    /** crash's sys counts the online CPUs; kcore has no per-CPU notes to count instead. */
    @Test
    void infoCountsTheOnlineCpus() throws IOException {
        assertEquals(read("cpu-count.txt").strip(), infoRows().get("CPUS"));
    }

    /**
     * {@code linux_banner} by name, and by the address /proc/kallsyms gave: both must start at
     * that address and spell what /proc/version printed (the kernel formats it from the banner).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rd-linux-banner", "rd-linux-banner-address"})
    void rdOfLinuxBannerSpellsProcVersion(String command) throws IOException {
        Rd rd = rd(command);
        assertEquals(kallsyms("linux_banner"), rd.start(), command);
        String banner = new String(rd.bytes(), StandardCharsets.US_ASCII);
        assertEquals(64, banner.length(), command);
        assertEquals(read("proc-version.txt").substring(0, 64), banner);
    }

    @Test
    void rdOfInitTasksCommIsSwapper() throws IOException {
        Rd rd = rd("rd-init-task-comm");
        long commOffset = Long.parseLong(read("task-comm-offset.txt").strip());
        assertEquals(kallsyms("init_task") + commOffset, rd.start());
        String comm = new String(rd.bytes(), StandardCharsets.US_ASCII);
        assertEquals("swapper/0", comm.substring(0, comm.indexOf('\0')));
    }

    /** kcore has no per-CPU notes, so the idle tasks must come from the kernel's own per-CPU data. */
    @Test
    void psShowsOneIdleTaskPerCpu() throws IOException {
        List<PsRow> idle = psRows().values().stream().flatMap(List::stream).filter(row -> row.pid() == 0).toList();
        int cpus = Integer.parseInt(read("cpu-count.txt").strip());
        assertEquals(cpus, idle.size(), idle.toString());
        for (int cpu = 0; cpu < cpus; cpu++) {
            assertEquals("[swapper/" + cpu + "]", idle.get(cpu).comm());
            assertEquals(cpu, idle.get(cpu).cpu());
        }
        assertEquals(kallsyms("init_task"), idle.get(0).task(), "swapper/0 is init_task");
    }

    /**
     * The guest read every thread's /proc stat just before ps started and again just after it
     * ended, with shell builtins only, so no process of its own came between. A thread in both
     * lists lived through ps's whole task walk, so ps must list it, with its name, parent and
     * kernel-thread brackets. Threads in one list only (the JVM's, the watchdog of the previous
     * command's timeout) may or may not have been there when ps looked, and are not checked.
     *
     * <p>The state is compared only where it did not change between the two reads and is a
     * sleeping or stopped one; running and disk-wait are over in a moment (pid 1, the shell that
     * reads /proc, is always running in them and waiting for java in ps). Even a thread asleep
     * in both reads can have been woken for an instant when ps read it, so RU is accepted in
     * place of the sleep, for at most as many threads as there are CPUs; a different kind of
     * sleep never is.
     */
    @Test
    void psListsEveryTaskThatOutlivedIt() throws IOException {
        Map<Long, ProcStat> before = procStats("tasks-before-ps.txt");
        Map<Long, ProcStat> after = procStats("tasks-after-ps.txt");
        Map<Long, List<PsRow>> ps = psRows();
        int cpus = Integer.parseInt(read("cpu-count.txt").strip());
        List<String> problems = new ArrayList<>();
        List<String> wokenForAMoment = new ArrayList<>();
        int compared = 0;
        for (ProcStat stat : before.values()) {
            ProcStat later = after.get(stat.pid());
            if (later == null) {
                continue;
            }
            compared++;
            List<PsRow> rows = ps.getOrDefault(stat.pid(), List.of());
            if (rows.size() != 1) {
                problems.add("pid " + stat.pid() + " (" + stat.comm() + "): " + rows.size() + " ps lines");
                continue;
            }
            PsRow row = rows.get(0);
            boolean bracketed = row.comm().startsWith("[") && row.comm().endsWith("]");
            String comm = bracketed ? row.comm().substring(1, row.comm().length() - 1) : row.comm();
            if (bracketed != stat.kernelThread() || !sameName(stat, comm)) {
                problems.add("pid " + stat.pid() + ": ps says " + row.comm() + ", /proc " + stat.comm()
                    + (stat.kernelThread() ? " (a kernel thread)" : ""));
            }
            if (row.ppid() != stat.ppid()) {
                problems.add("pid " + stat.pid() + ": ps says ppid " + row.ppid() + ", /proc " + stat.ppid());
            }
            boolean settled = stat.state() == later.state() && stat.state() != 'R' && stat.state() != 'D';
            String expectedState = PS_STATE.get(stat.state());
            if (settled && !row.state().equals(expectedState)) {
                if (row.state().equals("RU")) {
                    wokenForAMoment.add(stat.pid() + " " + stat.comm());
                } else {
                    problems.add("pid " + stat.pid() + " (" + stat.comm() + "): ps says " + row.state()
                        + ", /proc " + stat.state() + " before and after");
                }
            }
        }
        // The guest's kernel threads alone are more than 40: fewer means the record is broken.
        assertTrue(compared > 40, "only " + compared + " threads lived through ps");
        assertTrue(wokenForAMoment.size() <= cpus, "running in ps, asleep in /proc before and after: " + wokenForAMoment);
        assertEquals(List.of(), problems);
    }

    /**
     * The guest's dmesg of just before is a run of our lines, once each continuation line gets
     * its record's time prefix back (dmesg repeats it where crash indents).
     */
    @Test
    void logHoldsTheDmesgRecordedJustBefore() throws IOException {
        List<String> dmesg = Files.readAllLines(run.resolve("dmesg-before-log.txt"));
        List<String> ours = PrintkLogIT.dmesgStyle(Files.readAllLines(run.resolve("log.out")));
        assertFalse(dmesg.isEmpty());
        assertTrue(Collections.indexOfSubList(ours, dmesg) >= 0,
            "dmesg's " + dmesg.size() + " lines are not among our " + ours.size());
    }

    /**
     * {@code serve /proc/kcore}, spoken to in raw RSP through busybox nc inside the guest: a
     * task named "victim", blocked on a fifo, is a thread with registers saved by its last switch
     * (rip in kernel text); once it is killed, the next thread list (qfThreadInfo) no longer has
     * it, its thread id gets an error, and no other task took that id.
     */
    @Test
    void serveFollowsTheLiveKernelsTasks() throws IOException {
        String[] victim = read("victim.txt").strip().split(" ");
        String pid = victim[0];
        String thread = victim[3];
        assertFalse(thread.isEmpty(), "the victim was not among the threads: " + read("rsp-threads.txt"));
        List<String> alive = replies(read("rsp-victim-alive.txt"));
        assertEquals(6, alive.size(), "the server did not answer every packet; its log ends:\n" + tail(read("serve.err"), 30));
        assertEquals("OK", alive.get(0), "QStartNoAckMode");
        assertEquals("OK", alive.get(1), "Hg" + thread);
        String registers = runLengthDecoded(alive.get(2));
        long rip = Long.reverseBytes(Long.parseUnsignedLong(registers.substring(16 * 16, 17 * 16), 16));
        long text = kallsyms("_stext");
        assertTrue(rip - text >= 0 && rip - text < 64L << 20, "rip " + Long.toHexString(rip) + " is not kernel text");
        assertTrue(registers.substring(0, 16).equals("xxxxxxxxxxxxxxxx"), "rax was not saved by the switch: " + registers);
        assertTrue(hexText(alive.get(3)).startsWith("pid " + pid + " victim S, last ran on CPU "), alive.get(3));

        List<String> gone = replies(read("rsp-victim-gone.txt"));
        assertEquals(6, gone.size(), "the server did not answer every packet after the victim died; its log ends:\n"
            + tail(read("serve.err"), 30));
        assertEquals("OK", gone.get(0), "QStartNoAckMode");
        assertTrue(gone.get(1).startsWith("m") && !List.of(gone.get(1).substring(1).split(",")).contains(thread),
            "qfThreadInfo still lists thread " + thread + ": " + gone.get(1));
        assertTrue(gone.get(3).startsWith("E"), "Hg" + thread + " after the task exited: " + gone.get(3));
        assertTrue(gone.get(4).startsWith("E"), "qThreadExtraInfo after the task exited: " + gone.get(4));
        assertFalse(gone.get(5).contains("thread id=\"" + thread + "\""), "thread id " + thread + " was given again");
        assertFalse(gone.get(5).contains("name=\"victim\""), gone.get(5));
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** The payloads of the packets in a recorded byte stream ("+" acks dropped). */
    private static List<String> replies(String stream) {
        List<String> payloads = new ArrayList<>();
        Matcher packet = Pattern.compile("\\$([^#]*)#[0-9a-f]{2}").matcher(stream);
        while (packet.find()) {
            payloads.add(packet.group(1));
        }
        return payloads;
    }

    /** RSP run-length encoding: "c*n" repeats c (n - 29) more times (gdb manual, "Overview"). */
    private static String runLengthDecoded(String payload) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < payload.length(); i++) {
            if (payload.charAt(i) == '*') {
                char repeated = out.charAt(out.length() - 1);
                out.append(String.valueOf(repeated).repeat(payload.charAt(++i) - 29));
            } else {
                out.append(payload.charAt(i));
            }
        }
        return out.toString();
    }

    private static String hexText(String hex) {
        return new String(HexFormat.of().parseHex(hex), StandardCharsets.UTF_8);
    }

    private static String read(String name) throws IOException {
        return Files.readString(run.resolve(name));
    }

    private static long kallsyms(String symbol) throws IOException {
        for (String line : Files.readAllLines(run.resolve("kallsyms-selected.txt"))) {
            String[] field = line.split(" ");
            if (field[2].equals(symbol)) {
                return Long.parseUnsignedLong(field[0], 16);
            }
        }
        throw new AssertionError("the guest's /proc/kallsyms has no " + symbol);
    }

    private static Map<String, String> infoRows() throws IOException {
        Map<String, String> rows = new LinkedHashMap<>();
        for (String line : Files.readAllLines(run.resolve("info.out"))) {
            int colon = line.indexOf(": ");
            if (colon > 0) {
                rows.putIfAbsent(line.substring(0, colon).strip(), line.substring(colon + 2));
            }
        }
        return rows;
    }

    /** What rd printed: where it started, and the bytes of its words in memory order. */
    private record Rd(long start, byte[] bytes) {
    }

    private static Rd rd(String command) throws IOException {
        List<String> lines = Files.readAllLines(run.resolve(command + ".out"));
        assertFalse(lines.isEmpty(), command + " printed nothing; stderr:\n" + read(command + ".err"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long start = -1;
        for (String line : lines) {
            Matcher m = RD_LINE.matcher(line);
            assertTrue(m.matches(), line);
            if (start == -1) {
                start = Long.parseUnsignedLong(m.group(1), 16);
            }
            for (int word = 2; word <= 3 && m.group(word) != null; word++) {
                long value = Long.parseUnsignedLong(m.group(word), 16);
                // x86_64 is little-endian: the word's low byte comes first in memory.
                for (int b = 0; b < Long.BYTES; b++) {
                    bytes.write((int) (value >>> (8 * b)) & 0xff);
                }
            }
        }
        return new Rd(start, bytes.toByteArray());
    }

    private record PsRow(long pid, long ppid, int cpu, long task, String state, String comm) {
    }

    /** ps's rows by pid; pid 0 has one row per CPU. */
    private static Map<Long, List<PsRow>> psRows() throws IOException {
        List<String> lines = Files.readAllLines(run.resolve("ps.out"));
        assertTrue(lines.get(0).strip().startsWith("PID"), lines.get(0));
        Map<Long, List<PsRow>> rows = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            Matcher m = PS_LINE.matcher(line);
            assertTrue(m.matches(), line);
            PsRow row = new PsRow(Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), Integer.parseInt(m.group(4)),
                Long.parseUnsignedLong(m.group(5), 16), m.group(6), m.group(7));
            rows.computeIfAbsent(row.pid(), pid -> new ArrayList<>()).add(row);
        }
        return rows;
    }

    /** The fields of /proc/PID/task/TID/stat that ps shows too. */
    private record ProcStat(long pid, String comm, char state, long ppid, boolean kernelThread) {
    }

    private static Map<Long, ProcStat> procStats(String name) throws IOException {
        Map<Long, ProcStat> stats = new LinkedHashMap<>();
        for (String line : Files.readAllLines(run.resolve(name))) {
            // comm is in parentheses and may itself hold spaces and parentheses.
            int open = line.indexOf(" (");
            int close = line.lastIndexOf(") ");
            String[] rest = line.substring(close + 2).split(" ");
            long flags = Long.parseUnsignedLong(rest[6]);
            ProcStat stat = new ProcStat(Long.parseLong(line.substring(0, open)), line.substring(open + 2, close),
                rest[0].charAt(0), Long.parseLong(rest[1]), (flags & PF_KTHREAD) != 0);
            stats.put(stat.pid(), stat);
        }
        if (stats.isEmpty()) {
            fail(name + " lists no task");
        }
        return stats;
    }

    /**
     * Whether ps's COMM, the task's {@code comm}, is the name /proc showed. For kernel threads
     * /proc shows more (fs/proc/array.c, proc_task_name): a workqueue worker gets what it last
     * ran appended ("kworker/0:1-events", '+' while it runs), and any other kernel thread its
     * full name, of which {@code comm} keeps the first 15 characters.
     */
    private static boolean sameName(ProcStat stat, String comm) {
        if (stat.comm().equals(comm)) {
            return true;
        }
        if (!stat.kernelThread()) {
            return false;
        }
        if (comm.startsWith("kworker/")) {
            return stat.comm().startsWith(comm + "-") || stat.comm().startsWith(comm + "+");
        }
        return comm.length() == TASK_COMM_LEN - 1 && stat.comm().startsWith(comm);
    }
}
