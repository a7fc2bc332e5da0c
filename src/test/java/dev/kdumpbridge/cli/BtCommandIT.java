package dev.kdumpbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kdumpbridge.fixtures.ActiveTasks;
import dev.kdumpbridge.fixtures.BacktraceOracle;
import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import dev.kdumpbridge.kernel.Symbols;
import dev.kdumpbridge.kernel.Vmlinux;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code kdump-bridge bt --all} against crash 8.0.6's {@code foreach bt} on the same dump, line
 * for line: frames, stack slots, exception and user-mode register blocks. crash's own frames are
 * taken out of its text first (see {@link BacktraceOracle}): the NMI handler frames of the CPUs
 * the crash stopped and the panic task's machine_kexec, which crash finds by scanning; frame
 * numbers are compared after that. The panic task's first frame is where the dump's registers
 * put it, __crash_kexec at the pc drgn shows too.
 */
class BtCommandIT {
    private static final Pattern FRAME_NUMBER = Pattern.compile("^\\s*#\\d+ ");
    private static final Pattern CRASH_OWN_FRAME = Pattern.compile(
        "^\\s*#\\d+ \\[\\S+\\] (crash_nmi_callback|default_do_nmi|exc_nmi|asm_exc_nmi|end_repeat_nmi|machine_kexec) at .*");
    private static final Pattern FRAME_FUNCTION = Pattern.compile("^(#\\[\\S+\\] )(\\S+)( at \\S+)$");
    private static final Pattern CRASH_KEXEC_FRAME = Pattern.compile("^#\\[\\S+\\] __crash_kexec at (\\S+)$");

    @ParameterizedTest(name = "{0} with vmlinux: {1}")
    @MethodSource("dev.kdumpbridge.fixtures.Fixtures#dumpsWithAndWithoutVmlinux")
    void btAllPrintsWhatCrashsForeachBtPrints(Dump fixture, boolean withVmlinux) throws Exception {
        Path oracle = Fixtures.x86_64().resolve("oracle/crash").resolve(fixture.id()).resolve("foreach-bt.txt");
        assumeTrue(Files.exists(oracle), "crash 8.0.6 cannot open " + fixture.id());
        CliRun run = bt(fixture, withVmlinux, "--all");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("", run.err());
        long panicPc = BacktraceOracle.asPrinted(fixture).get("drgn").get(ActiveTasks.panicked().key()).get(0);
        List<String> expected = comparable(Files.readAllLines(oracle), panicPc);
        List<String> ours = comparable(run.out().lines().toList(), panicPc);
        if (!withVmlinux) {
            ours = withVmlinuxNames(ours, expected);
        }
        assertEquals(expected, ours);
    }

    /**
     * Without the vmlinux, names come from the kernel's kallsyms, which orders aliases at one
     * address its own way and names __x64_sys_pause's code __do_sys_pause, as /proc/PID/stack
     * does. A frame line whose function is an alias (same address in the vmlinux) of crash's
     * takes crash's name; every other difference stays.
     */
    private static List<String> withVmlinuxNames(List<String> ours, List<String> crash) throws Exception {
        assertEquals(crash.size(), ours.size(), "line count");
        try (Vmlinux vmlinux = Vmlinux.open(Fixtures.vmlinux())) {
            Symbols symbols = vmlinux.symbols();
            List<String> renamed = new ArrayList<>();
            for (int i = 0; i < ours.size(); i++) {
                Matcher our = FRAME_FUNCTION.matcher(ours.get(i));
                Matcher their = FRAME_FUNCTION.matcher(crash.get(i));
                boolean aliases = our.matches() && their.matches() && !our.group(2).equals(their.group(2))
                    && symbols.address(our.group(2)).equals(symbols.address(their.group(2)));
                renamed.add(aliases ? our.group(1) + their.group(2) + our.group(3) : ours.get(i));
            }
            return renamed;
        }
    }

    /**
     * The lines without crash's own frames and frame numbers, and with the slot of the panic
     * task's __crash_kexec frame left out: crash's is the return from its scanned machine_kexec
     * frame, ours the stack pointer the dump saved.
     */
    private static List<String> comparable(List<String> lines, long panicPc) {
        List<String> kept = new ArrayList<>();
        for (String line : lines) {
            if (CRASH_OWN_FRAME.matcher(line).matches()) {
                continue;
            }
            String numberless = FRAME_NUMBER.matcher(line).replaceFirst("#");
            kept.add(CRASH_KEXEC_FRAME.matcher(numberless).matches()
                ? "#[slot] __crash_kexec at " + Long.toHexString(panicPc) : numberless);
        }
        return kept;
    }

    private static CliRun bt(Dump fixture, boolean withVmlinux, String... options) {
        List<Object> args = new ArrayList<>(List.of("bt"));
        args.addAll(fixture.files());
        args.addAll(List.of(options));
        if (withVmlinux) {
            args.addAll(List.of("--vmlinux", Fixtures.vmlinux()));
        }
        return CliRun.of(args.toArray());
    }

    @Test
    void withoutPidsItIsThePanickingTaskAndWithPidsThoseTasks() throws Exception {
        Dump fixture = Fixtures.dumps().get(0);
        CliRun panic = bt(fixture, false);
        assertEquals(0, panic.exitCode(), panic.err());
        assertTrue(panic.out().startsWith("PID: " + ActiveTasks.panicked().pid() + " "), panic.out());
        String onCpu2 = ActiveTasks.crashBtAPids(fixture).get(2);
        CliRun two = bt(fixture, false, "1", onCpu2);
        assertEquals(0, two.exitCode(), two.err());
        assertEquals(List.of("PID: 1 ", "PID: " + onCpu2 + " "), two.out().lines().filter(l -> l.startsWith("PID:"))
            .map(l -> l.substring(0, l.indexOf(' ', 5) + 1)).toList());
        CliRun active = bt(fixture, false, "-a");
        assertEquals(ActiveTasks.crashBtAPids(fixture), active.out().lines().filter(l -> l.startsWith("PID:"))
            .map(l -> l.split("\\s+")[1]).toList());
    }

    @Test
    void anUnknownPidIsAnInputErrorThatSaysHowToListThem() {
        CliRun run = bt(Fixtures.dumps().get(0), false, "99999");
        assertEquals(1, run.exitCode());
        assertEquals("", run.out());
        assertEquals("kdump-bridge bt: no task with pid 99999 in the dump (ps lists them)\n", run.err());
    }


    /**
     * crash's bt -l layout: under each frame line, four spaces, the file, ": " and the line. Which
     * line each frame gets is checked against llvm-addr2line in TaskBacktracesIT.
     */
    @Test
    void dashLPutsEachFramesSourceLineUnderIt() {
        CliRun run = bt(Fixtures.dumps().get(0), true, "-l", "1");
        assertEquals(0, run.exitCode(), run.err());
        List<String> lines = run.out().lines().toList();
        List<String> underFrames = new ArrayList<>();
        for (int i = 0; i < lines.size() - 1; i++) {
            if (FRAME_NUMBER.matcher(lines.get(i)).find()) {
                underFrames.add(lines.get(i + 1));
            }
        }
        assertEquals(7, underFrames.size(), run.out());
        assertTrue(underFrames.stream().allMatch(l -> l.matches("    \\S+\\.[chS]: \\d+")), run.out());
        assertTrue(underFrames.get(0).matches("    \\S*/kernel/sched/core\\.c: \\d+"), underFrames.get(0));
    }

    @Test
    void dashLWithoutTheVmlinuxSaysWhatItNeeds() {
        CliRun run = bt(Fixtures.dumps().get(0), false, "-l");
        assertEquals(2, run.exitCode());
        assertEquals("kdump-bridge bt: -l needs the debug vmlinux (--vmlinux): source lines come from its DWARF\n",
            run.err());
    }

    @Test
    void theOracleSaysWhereEveryRunningTaskWas() throws Exception {
        Map<String, List<Long>> drgn = BacktraceOracle.asPrinted(Fixtures.dumps().get(0)).get("drgn");
        assertTrue(drgn.get(ActiveTasks.crashBtA(Fixtures.dumps().get(0)).get(1).key()).isEmpty(), "wl-spin was in user mode");
        assertTrue(drgn.containsKey(ActiveTasks.panicked().key()));
    }
}
