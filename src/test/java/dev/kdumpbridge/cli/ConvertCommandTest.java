package dev.kdumpbridge.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.dump.Compression;
import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.Dumps;
import dev.kdumpbridge.dump.SyntheticDumpFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvertCommandTest {
    private static final int PAGE = 4096;

    @TempDir
    Path dir;


    @Test
    void convertsAndSaysWhatItWrote() throws Exception {
        Path in = Files.write(dir.resolve("vmcore"), SyntheticDumpFiles.kdump());
        Path out = dir.resolve("vmcore.snappy");

        CliRun run = CliRun.of("convert", in, out, "--compress", "snappy");

        assertEquals(0, run.exitCode(), run.err());
        assertEquals("", run.err(), "no terminal, so no progress bar");
        assertTrue(run.out().matches(java.util.regex.Pattern.quote(out.toString())
                + " \\(snappy\\): 8 pages stored, 2 zero pages shared, 2 excluded, 0 failed; "
                + Files.size(out) + " bytes in \\d+\\.\\d s\\R"), run.out());
        try (DumpFile dump = Dumps.open(out)) {
            assertEquals(Set.of(Compression.SNAPPY), dump.info().compressions());
            assertArrayEquals(SyntheticDumpFiles.pageContent(3, PAGE), dump.read(3 * PAGE, PAGE));
        }
    }

    @Test
    void noneStoresPagesRawAndExcludeZeroSharesZeroPages() throws Exception {
        Path in = Files.write(dir.resolve("vmcore"), SyntheticDumpFiles.elf());

        CliRun raw = CliRun.of("convert", in, dir.resolve("raw"), "--compress", "none");
        CliRun zero = CliRun.of("convert", in, dir.resolve("zero"), "--compress", "NONE", "--exclude", "zero");

        assertEquals(0, raw.exitCode(), raw.err());
        assertTrue(raw.out().contains("(none): 3 pages stored, 0 zero pages shared, 2 excluded"), raw.out());
        assertEquals(0, zero.exitCode(), zero.err());
        try (DumpFile dump = Dumps.open(dir.resolve("zero"))) {
            assertEquals(Set.of(), dump.info().compressions());
            assertEquals(1, dump.info().dumpLevel().orElseThrow());
        }
    }

    @Test
    void refusesToOverwriteItsInput() throws Exception {
        byte[] bytes = SyntheticDumpFiles.kdump();
        Path in = Files.write(dir.resolve("vmcore"), bytes);

        CliRun run = CliRun.of("convert", in, in);

        assertEquals(2, run.exitCode());
        assertTrue(run.err().startsWith("kdump-bridge convert: will not write " + in), run.err());
        assertArrayEquals(bytes, Files.readAllBytes(in));
    }

    @Test
    void anUnreadableInputExitsOneWithTheReason() throws Exception {
        CliRun missing = CliRun.of("convert", dir.resolve("nothing"), dir.resolve("out"));
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a dump at all");
        CliRun notADump = CliRun.of("convert", text, dir.resolve("out"));

        assertEquals(1, missing.exitCode());
        assertEquals("kdump-bridge convert: " + dir.resolve("nothing") + ": no such file", missing.err().strip());
        assertEquals(1, notADump.exitCode());
        assertTrue(notADump.err().contains("not a kernel dump"), notADump.err());
        assertTrue(Files.notExists(dir.resolve("out")));
    }

    @Test
    void anUnwritableOutputExitsOneAndSaysWhy() throws Exception {
        Path in = Files.write(dir.resolve("vmcore"), SyntheticDumpFiles.kdump());

        CliRun noDirectory = CliRun.of("convert", in, dir.resolve("missing/out"));
        CliRun aDirectory = CliRun.of("convert", in, dir);

        assertEquals(1, noDirectory.exitCode());
        assertEquals("kdump-bridge convert: " + dir.resolve("missing/out.tmp") + ": no such file or directory",
                noDirectory.err().strip());
        assertEquals(2, aDirectory.exitCode());
        assertEquals("kdump-bridge convert: will not write " + dir + ": it is a directory", aDirectory.err().strip());
    }

    @Test
    void onlyZeroPagesCanBeExcluded() {
        CliRun run = CliRun.of("convert", "in", "out", "--exclude", "free");

        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("'free' is not one of zero"), run.err());
    }
}
