package dev.kdumpbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code kdump-bridge rd} prints the lines crash 8.0.6 printed for the same reads
 * (oracle/crash/ID/rd.txt), and {@code kdump-bridge info} says what crash's {@code sys} and
 * {@code help -D} said, on every fixture dump crash can open.
 */
class InfoAndRdIT {
    private static final Pattern LINE = Pattern.compile("^\\s*([0-9a-f]+):  ");
    private static final Pattern GUARD_PAGE = Pattern.compile("^rd: invalid kernel virtual address: ([0-9a-f]+) ");


    static Stream<Dump> dumpsCrashOpens() {
        return Fixtures.dumps().stream().filter(d -> Files.isRegularFile(crashFile(d, "sys.txt")));
    }

    /** Those oracles.sh recorded reads of (convert-x86_64.sh records none for its dump). */
    static Stream<Dump> dumpsCrashRead() {
        return Fixtures.dumps().stream().filter(d -> Files.isRegularFile(crashFile(d, "rd.txt")));
    }

    private static Path crashFile(Dump dump, String name) {
        return dump.root().resolve("oracle/crash").resolve(dump.id()).resolve(name);
    }

    /** crash's rd lines by address, complete ones only (not those an error cut short). */
    private static Map<Long, String> crashLines(Dump dump) throws IOException {
        Map<Long, String> lines = new LinkedHashMap<>();
        for (String line : Files.readAllLines(crashFile(dump, "rd.txt"))) {
            Matcher m = LINE.matcher(line);
            if (m.find() && !line.contains(" rd: ")) {
                lines.put(Long.parseUnsignedLong(m.group(1), 16), line);
            }
        }
        return lines;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumpsCrashRead")
    void rdPrintsWhatCrashPrinted(Dump fixture) throws Exception {
        Map<Long, String> crash = crashLines(fixture);
        String dump = fixture.files().get(0).toString();
        String vmlinux = Fixtures.vmlinux().toString();
        long banner = Fixtures.guestSymbols(fixture).get("linux_banner");
        long physical = crash.keySet().stream().filter(a -> a >= 0).findFirst().orElseThrow();
        List<String[]> requests = List.of(
            new String[] {"rd", dump, "linux_banner", "32", "--vmlinux", vmlinux},
            new String[] {"rd", dump, "jiffies", "--vmlinux", vmlinux},
            new String[] {"rd", dump, "0x" + Long.toHexString(banner), "32"},
            // A symbol VMCOREINFO names.
            new String[] {"rd", dump, "init_uts_ns", "56"},
            new String[] {"rd", dump, "-p", Long.toHexString(physical), "2"});
        for (String[] request : requests) {
            CliRun run = CliRun.of(request);
            assertEquals(0, run.exitCode(), run.err());
            for (String line : run.out().split("\n")) {
                Matcher m = LINE.matcher(line);
                assertTrue(m.find(), line);
                long address = Long.parseUnsignedLong(m.group(1), 16);
                assertEquals(crash.get(address), line, String.join(" ", request));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumpsCrashRead")
    void rdStopsAtAGuardPageAsCrashDid(Dump fixture) throws Exception {
        long guard = Files.readAllLines(crashFile(fixture, "rd.txt")).stream()
            .map(GUARD_PAGE::matcher).filter(Matcher::find).findFirst()
            .map(m -> Long.parseUnsignedLong(m.group(1), 16)).orElseThrow();

        CliRun run = CliRun.of("rd", fixture.files().get(0).toString(), Long.toHexString(guard - 16), "4");

        assertEquals(1, run.exitCode());
        assertEquals(crashLines(fixture).get(guard - 16) + "\n", run.out());
        assertTrue(run.err().startsWith(String.format("kdump-bridge rd: virtual 0x%x: not mapped: pte entry", guard)),
            run.err());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumpsCrashOpens")
    void infoSaysWhatCrashsSysAndHelpDSay(Dump fixture) throws Exception {
        List<String> args = new ArrayList<>(List.of("info", "--vmlinux", Fixtures.vmlinux().toString()));
        fixture.files().forEach(f -> args.add(f.toString()));
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, run.exitCode(), run.err());
        Map<String, String> ours = fields(run.out());
        Map<String, String> sys = fields(Files.readString(crashFile(fixture, "sys.txt")));

        for (String field : List.of("RELEASE", "VERSION", "NODENAME", "CPUS", "DATE", "UPTIME", "TASKS", "PANIC")) {
            assertEquals(sys.get(field), ours.get(field), field);
        }
        assertEquals(fileNames(sys.get("KERNEL")), fileNames(ours.get("KERNEL")));
        assertEquals(sys.get("MACHINE").split(" ")[0], ours.get("MACHINE"));
        String dumpfiles = fixture.files().size() == 1 ? "DUMPFILE" : "DUMPFILES";
        if (fixture.format().equals("elf")) {
            // crash marks only kdump-compressed dumps partial; we also mark ELF dumps that
            // makedumpfile filtered, which the page count finds.
            boolean filtered = fixture.dumpLevel().orElse(0) > 0;
            assertEquals(filtered, ours.get(dumpfiles).endsWith("  [PARTIAL DUMP]"), ours.get(dumpfiles));
            assertEquals(fileNames(sys.get(dumpfiles)), fileNames(ours.get(dumpfiles).replace("  [PARTIAL DUMP]", "")));
        } else {
            assertEquals(fileNames(sys.get(dumpfiles)), fileNames(ours.get(dumpfiles)));
        }

        String helpD = Files.readString(crashFile(fixture, "help-D.txt"));
        header(helpD, "phys_base").ifPresent(physBase ->
            assertTrue(ours.get("PHYS_BASE").startsWith("0x" + physBase + " "), ours.get("PHYS_BASE")));
        header(helpD, "dump_level").ifPresent(level ->
            assertTrue(ours.get("DUMP LEVEL").startsWith(level.split(" ")[0] + " "), ours.get("DUMP LEVEL")));
        // A split part counts only its own pages; a whole dump's count is the dump's.
        if (fixture.files().size() == 1) {
            header(helpD, "total_valid_pages").ifPresent(valid ->
                assertTrue(ours.get("PAGES").contains(": " + valid + " stored, "), ours.get("PAGES")));
        }
        assertTrue(ours.get("PAGE TABLES").startsWith("4-level, root at physical 0x"), ours.get("PAGE TABLES"));
        assertTrue(ours.get("DIRECT MAP").endsWith("(page_offset_base (read from memory))"), ours.get("DIRECT MAP"));
        assertEquals(null, ours.get("WARNINGS"));
    }

    /** Paths reduced to file names: the fixtures may be elsewhere now than when crash ran. */
    private static String fileNames(String value) {
        return value.replaceAll("\\S*/", "");
    }

    /** "LABEL: value" lines as crash's sys prints them; continuation lines join the value before. */
    private static Map<String, String> fields(String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        String last = null;
        for (String line : text.split("\n")) {
            int colon = line.indexOf(": ");
            if (line.length() > 12 && colon == 12) {
                last = line.substring(0, 12).strip();
                fields.put(last, line.substring(14));
            } else if (last != null && line.startsWith(" ".repeat(13)) && !line.isBlank()) {
                fields.put(last, fields.get(last) + "\n" + line.strip());
            }
        }
        return fields;
    }

    /** A field of crash's help -D header dump, such as "phys_base: ffffffffea600000". */
    private static Optional<String> header(String helpD, String field) {
        Matcher m = Pattern.compile("^\\s+" + field + ": (.+)$", Pattern.MULTILINE).matcher(helpD);
        return m.find() ? Optional.of(m.group(1).strip()) : Optional.empty();
    }
}
