package dev.kdumpbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class MainTest {

    private static final String[] SUBCOMMANDS = {
        "serve", "dap", "info", "ps", "bt", "log", "rd", "convert"};

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Level rootLevel = root.getLevel();


    @AfterEach
    void restoreLogLevel() {
        root.setLevel(rootLevel);
    }

    @Test
    void helpListsEverySubcommandAndTheExitCodes() {
        CliRun run = CliRun.of("--help");

        assertEquals(0, run.exitCode());
        for (String name : SUBCOMMANDS) {
            assertTrue(run.out().contains("  " + name + " "), () -> name + " missing from\n" + run.out());
        }
        assertTrue(run.out().contains("Exit codes:"), run.out());
    }

    @Test
    void subcommandHelpShowsItsOptionsAndExitCodes() {
        CliRun run = CliRun.of("serve", "--help");

        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("--gdb-port=PORT"), run.out());
        assertTrue(run.out().contains("Default: 1234"), run.out());
        assertTrue(run.out().contains("Exit codes:"), run.out());
    }

    @Test
    void versionNamesTheProjectVersionAndTheJavaRuntime() {
        CliRun run = CliRun.of("--version");

        assertEquals(0, run.exitCode());
        String[] lines = run.out().split("\\R");
        assertTrue(lines[0].matches("kdump-bridge \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), lines[0]);
        assertTrue(lines[1].startsWith("Java " + Runtime.version()), lines[1]);
    }

    @Test
    void unknownOptionIsAUsageError() {
        CliRun run = CliRun.of("info", "--bogus", "vmcore");

        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("Unknown option: '--bogus'"), run.err());
        assertTrue(run.err().contains("kdump-bridge info --help"), run.err());
    }

    @Test
    void missingOperandIsAUsageError() {
        CliRun run = CliRun.of("info");

        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("Missing required parameter: 'DUMP'"), run.err());
    }

    @Test
    void badValueIsAUsageError() {
        CliRun run = CliRun.of("serve", "--gdb-port", "70000", "vmcore");

        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("70000 is not a port number"), run.err());
    }

    @Test
    void unknownCompressionListsTheChoicesAsTyped() {
        CliRun run = CliRun.of("convert", "in", "out", "--compress", "lz4");

        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("'lz4' is not one of zstd, zlib, lzo, snappy, none"), run.err());
    }

    @Test
    void noSubcommandIsAUsageError() {
        CliRun run = CliRun.of();

        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("Missing command: one of serve, dap, info"), run.err());
    }

    @Test
    void verboseBeforeTheSubcommandSetsDebug() {
        CliRun.of("-v", "info", "vmcore");

        assertEquals(Level.DEBUG, root.getLevel());
    }

    @Test
    void verboseAfterTheSubcommandCountsToo() {
        CliRun.of("info", "-vv", "vmcore");

        assertEquals(Level.TRACE, root.getLevel());
    }
}
