package dev.kdumpbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

class MainTest {

    private static final String[] SUBCOMMANDS = {
        "serve", "dap", "info", "ps", "bt", "log", "rd", "convert"};

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Level rootLevel = root.getLevel();

    /** What one run printed and returned. */
    private record Run(int exitCode, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.newCommandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    @AfterEach
    void restoreLogLevel() {
        root.setLevel(rootLevel);
    }

    @Test
    void helpListsEverySubcommandAndTheExitCodes() {
        Run run = run("--help");

        assertEquals(0, run.exitCode());
        for (String name : SUBCOMMANDS) {
            assertTrue(run.out().contains("  " + name + " "), () -> name + " missing from\n" + run.out());
        }
        assertTrue(run.out().contains("Exit codes:"), run.out());
    }

    @Test
    void subcommandHelpShowsItsOptionsAndExitCodes() {
        Run run = run("serve", "--help");

        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("--gdb-port=PORT"), run.out());
        assertTrue(run.out().contains("Default: 1234"), run.out());
        assertTrue(run.out().contains("Exit codes:"), run.out());
    }

    @Test
    void versionNamesTheProjectVersionAndTheJavaRuntime() {
        Run run = run("--version");

        assertEquals(0, run.exitCode());
        String[] lines = run.out().split("\\R");
        assertTrue(lines[0].matches("kdump-bridge \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), lines[0]);
        assertTrue(lines[1].startsWith("Java " + Runtime.version()), lines[1]);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "serve vmcore",
        "dap --stdio",
        "info vmcore",
        "ps vmcore --vmlinux vmlinux",
        "bt vmcore 1 2 -a -l",
        "log vmcore",
        "rd vmcore jiffies",
        "rd -p vmcore 0x1000 4",
        "convert vmcore out --compress zstd --exclude zero,cache-private"})
    void stubsSayNotYetImplementedAndExitTwo(String commandLine) {
        String[] args = commandLine.split(" ");
        Run run = run(args);

        assertEquals(2, run.exitCode(), run.err());
        assertEquals("kdump-bridge " + args[0] + ": not yet implemented", run.err().strip());
        assertEquals("", run.out());
    }

    @Test
    void unknownOptionIsAUsageError() {
        Run run = run("info", "--bogus", "vmcore");

        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("Unknown option: '--bogus'"), run.err());
        assertTrue(run.err().contains("kdump-bridge info --help"), run.err());
    }

    @Test
    void missingOperandIsAUsageError() {
        Run run = run("info");

        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("Missing required parameter: 'DUMP'"), run.err());
    }

    @Test
    void badValueIsAUsageError() {
        Run run = run("serve", "--gdb-port", "70000", "vmcore");

        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("70000 is not a port number"), run.err());
    }

    @Test
    void unknownCompressionListsTheChoicesAsTyped() {
        Run run = run("convert", "in", "out", "--compress", "lz4");

        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("'lz4' is not one of zstd, zlib, lzo, snappy, none"), run.err());
    }

    @Test
    void noSubcommandIsAUsageError() {
        Run run = run();

        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("Missing command: one of serve, dap, info"), run.err());
    }

    @Test
    void verboseBeforeTheSubcommandSetsDebug() {
        run("-v", "info", "vmcore");

        assertEquals(Level.DEBUG, root.getLevel());
    }

    @Test
    void verboseAfterTheSubcommandCountsToo() {
        run("info", "-vv", "vmcore");

        assertEquals(Level.TRACE, root.getLevel());
    }
}
