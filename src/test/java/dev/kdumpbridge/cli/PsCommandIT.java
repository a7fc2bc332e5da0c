package dev.kdumpbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code kdump-bridge ps} against crash 8.0.6's {@code ps} on the same dump, line for line. */
class PsCommandIT {
    /** Everything up to the ST column, then crash's %MEM VSZ RSS, which ours leaves out, then COMM. */
    private static final Pattern MEMORY_COLUMNS = Pattern.compile("^(.{43})\\s+\\S+\\s+\\S+\\s+\\S+\\s+(.*)$");

    /**
     * The fixture vmlinux with one byte of its build id changed (and without DWARF, to copy 88
     * MB rather than 590): the same release, another build. ps must refuse it, not list tasks
     * through its symbols.
     */
    @Test
    void aVmlinuxOfAnotherBuildIsRefused(@TempDir Path scratch) throws Exception {
        Path notes = scratch.resolve("notes");
        run("objcopy", "-O", "binary", "--only-section=.notes", Fixtures.vmlinux().toString(), notes.toString());
        byte[] bytes = Files.readAllBytes(notes);
        ByteBuffer note = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        String buildId = null;
        for (int at = 0; at + 12 <= bytes.length && buildId == null; ) {
            int nameSize = note.getInt(at);
            int descSize = note.getInt(at + 4);
            int type = note.getInt(at + 8);
            int desc = at + 12 + (nameSize + 3) / 4 * 4;
            if (type == 3 && new String(bytes, at + 12, nameSize, StandardCharsets.US_ASCII).equals("GNU\0")) {
                buildId = HexFormat.of().formatHex(bytes, desc, desc + descSize);
                bytes[desc] ^= (byte) 0xff;
            }
            at = desc + (descSize + 3) / 4 * 4;
        }
        assertTrue(buildId != null, "no GNU build id note in the fixture vmlinux");
        Files.write(notes, bytes);
        Path other = scratch.resolve("vmlinux-other-build");
        run("objcopy", "--wildcard", "-R", ".debug_*", "--update-section", ".notes=" + notes, Fixtures.vmlinux().toString(),
            other.toString());
        Dump fixture = Fixtures.dumps().get(0);
        List<Object> args = new ArrayList<>(List.of("ps"));
        args.addAll(fixture.files());
        args.addAll(List.of("--vmlinux", other));
        CliRun run = CliRun.of(args.toArray());
        assertEquals(1, run.exitCode(), run.err());
        assertEquals("", run.out());
        assertTrue(run.err().startsWith("kdump-bridge ps: " + other + " is not the dumped kernel: its build-id is "),
            run.err());
        assertTrue(run.err().contains("the dump's kernel has " + buildId), run.err());
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).inheritIO().start();
        assertEquals(0, process.waitFor(), String.join(" ", command));
    }

    /** crash's ps lines of the dump without the %MEM, VSZ and RSS columns ours leaves out. */
    static List<String> crashPsWithoutMemoryColumns(Dump fixture) throws Exception {
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(Fixtures.x86_64().resolve("oracle/crash").resolve(fixture.id())
                .resolve("ps.txt"))) {
            Matcher m = MEMORY_COLUMNS.matcher(line);
            assertTrue(m.matches(), line);
            lines.add(m.group(1) + "  " + m.group(2));
        }
        return lines;
    }

    /**
     * With the vmlinux, and without it: then symbols come from the kallsyms tables in the dump's
     * memory and types from the kernel's own BTF, and the table must not change.
     */
    @ParameterizedTest(name = "{0} with vmlinux: {1}")
    @MethodSource("dev.kdumpbridge.fixtures.Fixtures#dumpsWithAndWithoutVmlinux")
    void psPrintsWhatCrashPrints(Dump fixture, boolean withVmlinux) throws Exception {
        Path oracle = Fixtures.x86_64().resolve("oracle/crash").resolve(fixture.id()).resolve("ps.txt");
        assumeTrue(Files.exists(oracle), "crash 8.0.6 cannot open " + fixture.id());
        List<String> expected = crashPsWithoutMemoryColumns(fixture);
        List<Object> args = new ArrayList<>(List.of("ps"));
        args.addAll(fixture.files());
        if (withVmlinux) {
            args.addAll(List.of("--vmlinux", Fixtures.vmlinux()));
        }
        CliRun run = CliRun.of(args.toArray());
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(String.join("\n", expected) + "\n", run.out());
        assertEquals("", run.err());
    }
}
