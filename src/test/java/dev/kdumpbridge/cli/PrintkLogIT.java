package dev.kdumpbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code kdump-bridge log} prints the kernel log of every fixture dump: byte for byte what
 * crash 8.0.6 printed (oracle/crash/ID/log.txt) and what makedumpfile --dump-dmesg wrote
 * (kdump/dmesg.txt) where those exist, and for the QEMU dumps, which neither crash nor
 * makedumpfile reads, everything the guest's own dmesg showed shortly before the dump.
 */
class PrintkLogIT {
    /** crash's time prefix, which continuation lines are indented by instead of repeating it. */
    private static final Pattern PREFIX = Pattern.compile("^\\[[ 0-9]{5,}\\.[0-9]{6}\\] ");

    static Stream<Dump> dumpsCrashLogged() {
        return Fixtures.dumps().stream().filter(d -> Files.isRegularFile(crashLog(d)));
    }

    static Stream<Dump> qemuDumps() {
        return Fixtures.dumps().stream().filter(d -> d.source().toString().equals("qemu"));
    }

    private static Path crashLog(Dump dump) {
        return dump.root().resolve("oracle/crash").resolve(dump.id()).resolve("log.txt");
    }

    private static CliRun log(Dump dump, String... options) {
        List<Object> args = new ArrayList<>(List.of("log"));
        args.addAll(Arrays.asList(options));
        args.addAll(dump.files());
        return CliRun.of(args.toArray());
    }

    /**
     * Both end every line, the last included, with a newline, so the texts compare as they are.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dumpsCrashLogged")
    void logIsWhatCrashPrinted(Dump fixture) throws IOException {
        CliRun run = log(fixture);

        assertEquals(0, run.exitCode(), run.err());
        assertEquals("", run.err());
        assertEquals(Files.readString(crashLog(fixture)), run.out());
    }

    /** makedumpfile --dump-dmesg prints records as crash does, so its file is a third witness. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dumpsCrashLogged")
    void logIsWhatMakedumpfileDumped(Dump fixture) throws IOException {
        Path dmesg = fixture.root().resolve(fixture.source()).resolve("dmesg.txt");
        if (Files.isRegularFile(dmesg)) {
            assertEquals(Files.readString(dmesg), log(fixture).out());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumpsCrashLogged")
    void withoutTimestampsTheLinesAreTheText(Dump fixture) throws IOException {
        CliRun run = log(fixture, "-t");

        assertEquals(0, run.exitCode(), run.err());
        List<String> expected = Files.readAllLines(crashLog(fixture)).stream()
            .map(line -> line.startsWith("[") ? PREFIX.matcher(line).replaceFirst("") : line.substring(15))
            .toList();
        assertEquals(expected, List.of(run.out().split("\n", -1)).subList(0, expected.size()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumpsCrashLogged")
    void levelsFollowTheTime(Dump fixture) {
        List<String> lines = List.of(log(fixture, "-m").out().split("\n"));

        assertTrue(lines.get(0).startsWith("[    0.000000] <5>Linux version "), lines.get(0));
        assertTrue(lines.stream().anyMatch(l -> l.matches("\\[ *[0-9.]+\\] <0>Kernel panic - not syncing: .*")),
            "the panic is logged at KERN_EMERG");
    }

    /**
     * The guest's dmesg repeats the time on every line of a record where crash indents; with that
     * undone, its lines are the first lines of ours (it was taken before the last messages).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("qemuDumps")
    void logHoldsWhatTheGuestsDmesgShowed(Dump fixture) throws IOException {
        CliRun run = log(fixture);
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("", run.err());

        List<String> ours = dmesgStyle(List.of(run.out().split("\n")));
        List<String> dmesg = Files.readAllLines(fixture.guestFile("dmesg-before.txt"));
        assertTrue(ours.size() >= dmesg.size(), ours.size() + " lines, dmesg had " + dmesg.size());
        assertEquals(dmesg, ours.subList(0, dmesg.size()));
    }

    @Test
    void bothQemuDumpsHoldTheSameLog() {
        List<String> logs = qemuDumps().map(d -> log(d).out()).distinct().toList();

        assertEquals(1, logs.size());
    }

    /** The PANIC line of a dump taken from a running guest says there was no crash. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("qemuDumps")
    void infoSaysASnapshotHasNoPanic(Dump fixture) {
        List<Object> args = new ArrayList<>(List.of("info"));
        args.addAll(fixture.files());
        CliRun run = CliRun.of(args.toArray());

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("\n       PANIC: (none: no CRASHTIME, so a snapshot of a running kernel, not a crash)\n"),
            run.out());
    }

    @Test
    void aMissingDumpIsAnInputError() {
        CliRun run = CliRun.of("log", Fixtures.x86_64().resolve("no-such-dump"));

        assertEquals(1, run.exitCode());
        assertTrue(run.err().startsWith("kdump-bridge log: "), run.err());
        assertEquals("", run.out());
    }

    /**
     * crash's layout to dmesg's: each continuation line gets its record's time prefix. Also for
     * LiveKcoreIT, whose guest recorded its dmesg too.
     */
    static List<String> dmesgStyle(List<String> crashLog) {
        List<String> lines = new ArrayList<>();
        String prefix = "";
        for (String line : crashLog) {
            Matcher m = PREFIX.matcher(line);
            if (m.find()) {
                prefix = m.group();
                lines.add(line);
            } else {
                lines.add(prefix + line.substring(Math.min(prefix.length(), line.length())));
            }
        }
        return lines;
    }
}
