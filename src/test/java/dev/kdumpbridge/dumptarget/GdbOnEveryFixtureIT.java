package dev.kdumpbridge.dumptarget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.Dumps;
import dev.kdumpbridge.fixtures.BacktraceOracle;
import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import dev.kdumpbridge.gdb.GdbServer;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * gdb 13 on every fixture dump: every task is a thread, and each thread's backtrace, which gdb
 * unwinds from our registers with the vmlinux's CFI, passes through the return addresses crash
 * (or drgn, where crash cannot open the dump) shows for that task. gdb loads the vmlinux without
 * DWARF (its symbols and .debug_frame), which unwinds the same way and starts in a second.
 */
class GdbOnEveryFixtureIT {
    @TempDir
    static Path scratch;
    private static Path symbols;

    static List<Dump> dumps() {
        return Fixtures.dumps();
    }

    @BeforeAll
    static void stripVmlinux() throws Exception {
        DumpTargetIT.open();
        symbols = scratch.resolve("vmlinux-symbols");
        Process objcopy = new ProcessBuilder("objcopy", "--wildcard", "-R", ".debug_*", "-R", "!.debug_frame",
            Fixtures.vmlinux().toString(), symbols.toString()).inheritIO().start();
        assertEquals(0, objcopy.waitFor(), "objcopy failed");
    }

    @AfterAll
    static void close() throws Exception {
        DumpTargetIT.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void everyThreadsBacktracePassesThroughTheOraclesFrames(Dump fixture) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/gdb")), "gdb is not installed");
        BacktraceOracle.Frames oracle = BacktraceOracle.of(fixture);
        assumeTrue(!oracle.byTask().isEmpty(), "neither crash nor drgn can open " + fixture.id());
        String out;
        try (DumpFile dump = Dumps.open(fixture.files());
                GdbServer server = GdbServer.start(DumpTargetIT.target(dump), "127.0.0.1", 0)) {
            long offset = dump.vmcoreInfo().orElseThrow().hex("KERNELOFFSET").orElseThrow();
            Process gdb = new ProcessBuilder("gdb", "-nx", "-batch",
                "-ex", "add-symbol-file " + symbols + " -o 0x" + Long.toHexString(offset) + " -s .data..percpu 0",
                "-ex", "target remote 127.0.0.1:" + server.port(), "-ex", "set print frame-info location-and-address",
                "-ex", "thread apply all bt", "-ex", "x/s &linux_banner")
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            out = new String(gdb.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(gdb.waitFor(120, TimeUnit.SECONDS), "gdb did not finish");
        }
        Map<String, List<Long>> gdbFrames = BacktraceOracle.gdbFrames(out);
        assertEquals(oracle.byTask().keySet(), gdbFrames.keySet(), "gdb's threads are " + oracle.oracle() + "'s tasks");
        for (Map.Entry<String, List<Long>> task : gdbFrames.entrySet()) {
            List<Long> expected = oracle.reachableByGdb(task.getKey());
            assertEquals(List.of(), BacktraceOracle.missing(expected, task.getValue()), "task " + task.getKey() + ": "
                + oracle.oracle() + " shows " + BacktraceOracle.hex(expected) + ", gdb " + BacktraceOracle.hex(task.getValue()));
        }
        assertTrue(out.contains("<linux_banner>:\t\"Linux version 6.1.0-56-cloud-amd64 "), out);
    }
}
