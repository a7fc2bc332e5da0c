package dev.kdumpbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.Dumps;
import dev.kdumpbridge.fixtures.ActiveTasks;
import dev.kdumpbridge.fixtures.BacktraceOracle;
import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kdump-bridge serve} on the demo dump, attached with the very gdb command it prints, as
 * a user would; checked against the kernel's own panic message and crash 8.0.6's output.
 */
class ServeIT {
    private static Process server;
    private static String attachCommand;
    private static String address;
    @TempDir
    static Path scratch;
    private static Dump dump;

    @BeforeAll
    static void serve() throws Exception {
        dump = Fixtures.dumps().stream().filter(d -> d.id().equals("kdump-zlib-d31")).findFirst().orElseThrow();
        String java = ProcessHandle.current().info().command().orElse("java");
        server = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
            "serve", dump.files().get(0).toString(), "--vmlinux", Fixtures.vmlinux().toString(), "--gdb-port", "0")
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String listening = out.readLine();
        assertTrue(listening != null && listening.startsWith("listening gdb=127.0.0.1:"), String.valueOf(listening));
        address = listening.substring("listening gdb=".length());
        String attach = out.readLine();
        assertTrue(attach != null && attach.startsWith("attach with: gdb "), String.valueOf(attach));
        attachCommand = attach.substring("attach with: ".length());
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theAttachCommandCarriesTheKaslrOffsetTheGuestReported() throws Exception {
        long offset = guestKaslrOffset();
        assertTrue(attachCommand.contains("add-symbol-file " + Fixtures.vmlinux() + " -o 0x" + Long.toHexString(offset)
            + " -s .data..percpu 0'"),
            attachCommand);
    }

    /**
     * x86_64 links _text at __START_KERNEL, 0xffffffff81000000; the guest's /proc/kallsyms says
     * where KASLR put it.
     */
    private static long guestKaslrOffset() throws Exception {
        return Fixtures.guestSymbols(dump).get("_text") - 0xffffffff81000000L;
    }

    /**
     * Every task crash lists is a gdb thread named by its comm, the task running on CPU N being
     * thread N+1; and for each, gdb's backtrace (unwound by gdb from our registers with the
     * vmlinux's CFI) passes through every return address crash's {@code foreach bt} shows, in
     * order, but for the frames only crash has ({@link BacktraceOracle}).
     */
    @Test
    void everyTaskIsAThreadWhoseBacktracePassesThroughCrashsFrames() throws Exception {
        String out = gdb("set print frame-arguments none", "set print frame-info location-and-address", "info threads",
            "thread apply all bt");
        Map<String, String> crashCommOf = new HashMap<>();
        List<String> running = new ArrayList<>();
        for (String line : Files.readAllLines(crashOutput("ps.txt")).stream().skip(1).filter(l -> !l.isBlank()).toList()) {
            String[] f = line.substring(1).trim().split("\\s+");
            crashCommOf.put(f[0] + "/" + f[2], f[f.length - 1].replaceAll("^\\[|\\]$", ""));
            if (line.startsWith(">")) {
                running.add(f[2] + ":" + f[0]);
            }
        }
        Collections.sort(running);
        Matcher header = Pattern.compile("(?m)^Thread (\\d+) \\(Thread \\d+ \"([^\"]*)\" \\(pid (\\d+) .*CPU (\\d+)\\)\\):$")
            .matcher(out);
        while (header.find()) {
            String task = header.group(3) + "/" + header.group(4);
            assertEquals(crashCommOf.get(task), header.group(2), "thread " + header.group(1) + " name");
            int number = Integer.parseInt(header.group(1));
            if (number <= running.size()) {
                assertEquals(running.get(number - 1), header.group(4) + ":" + header.group(3), "thread " + number);
            }
        }
        Map<String, List<Long>> gdbFrames = BacktraceOracle.gdbFrames(out);
        assertEquals(crashCommOf.keySet(), gdbFrames.keySet(), "gdb's threads are crash's tasks");
        BacktraceOracle.Frames crashFrames = BacktraceOracle.of(dump);
        for (Map.Entry<String, List<Long>> task : gdbFrames.entrySet()) {
            List<Long> expected = crashFrames.byTask().containsKey(task.getKey()) ? crashFrames.reachableByGdb(task.getKey())
                : List.of();
            assertEquals(List.of(), BacktraceOracle.missing(expected, task.getValue()), "task " + task.getKey()
                + ": crash's frames " + BacktraceOracle.hex(expected) + " are not all in gdb's backtrace");
        }
    }

    /** The kernel's own scripts/gdb helpers take a non-empty "monitor info version" for QEMU's stub. */
    @Test
    void monitorLogSysAndInfoVersionAnswerAsCrashAndQemuDo() throws Exception {
        String out = gdb("monitor log", "monitor sys", "monitor info version", "monitor kaslr");
        assertTrue(out.contains(Files.readString(crashOutput("log.txt"))), "monitor log differs from crash's log");
        String panic = Files.readAllLines(crashOutput("sys.txt")).stream().filter(l -> l.contains("PANIC:"))
            .findFirst().orElseThrow();
        assertTrue(out.contains(panic + "\n"), out);
        String tasks = Files.readAllLines(crashOutput("sys.txt")).stream().filter(l -> l.trim().startsWith("TASKS:"))
            .findFirst().orElseThrow();
        assertTrue(out.contains(tasks + "\n"), out);
        assertTrue(out.matches("(?s).*\nkdump-bridge \\S+ on Java .*"), out);
        try (DumpFile opened = Dumps.open(dump.files())) {
            long offset = opened.vmcoreInfo().orElseThrow().hex("KERNELOFFSET").orElseThrow();
            assertTrue(out.contains("KASLR offset 0x" + Long.toHexString(offset)), out);
        }
    }

    /**
     * LLDB 14 indexes all DWARF of a 590 MB debug vmlinux before answering (minutes); given the
     * vmlinux without DWARF but with its symbols and .debug_frame, as the README says, it starts
     * at once and unwinds with the same CFI gdb uses.
     */
    @Test
    void lldbListsEveryTaskUnwindsThePanicAndReadsMemory() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/lldb")), "lldb is not installed");
        Path symbols = symbolsAndCfiOnly();
        long offset = guestKaslrOffset();
        Process lldb = new ProcessBuilder("lldb", "--no-lldbinit", "--batch",
            "-o", "target create " + symbols, "-o", "target modules load --file " + symbols.getFileName() + " --slide 0x" + Long.toHexString(offset),
            "-o", "gdb-remote " + address, "-o", "thread list", "-o", "bt", "-o", "memory read -c 32 -f c &linux_banner")
            .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(lldb.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(lldb.waitFor(120, TimeUnit.SECONDS), "lldb did not finish");

        Matcher thread = Pattern.compile("(?m)^[ *] thread #(\\d+): tid = (\\d+),.*name = '([^']*)'").matcher(out);
        List<String> names = new ArrayList<>();
        while (thread.find()) {
            names.add(thread.group(3));
        }
        List<String> crashNames = PsCommandIT.crashPsWithoutMemoryColumns(dump).stream().skip(1)
            .map(l -> l.substring(l.lastIndexOf("  ") + 2).replaceAll("^\\[|\\]$", "")).sorted().toList();
        assertEquals(crashNames, names.stream().sorted().toList(), out);

        List<Long> expected = BacktraceOracle.of(dump).byTask().get(ActiveTasks.panicked().key());
        Matcher frame = Pattern.compile("(?m)^\\s+\\*? ?frame #\\d+: 0x([0-9a-f]+) ").matcher(out);
        List<Long> pcs = new ArrayList<>();
        while (frame.find()) {
            pcs.add(Long.parseUnsignedLong(frame.group(1), 16));
        }
        assertTrue(pcs.containsAll(expected), "crash's frames " + BacktraceOracle.hex(expected) + " not all in LLDB's bt:\n"
            + out);
        String release = Files.readString(dump.guestFile("uname.txt")).split(" ")[2];
        assertTrue(out.contains(": Linux version " + release.substring(0, 18)), out);
    }

    /**
     * 32 gdb clients at once on one server, each unwinding every task: all must print the same.
     * They load the vmlinux without DWARF (symbols and .debug_frame), which unwinds the same way
     * at a sixth of the memory: 32 full debug vmlinuxes would take 15 GB.
     */
    @Test
    void thirtyTwoGdbClientsAtOnceAllUnwindEveryTaskAlike() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/gdb")), "gdb is not installed");
        String command = "gdb -nx -batch -ex 'add-symbol-file " + symbolsAndCfiOnly() + " -o 0x"
            + Long.toHexString(guestKaslrOffset()) + " -s .data..percpu 0' -ex 'target remote " + address
            + "' -ex 'thread apply all bt' -ex 'monitor ps'";
        List<Process> clients = new ArrayList<>();
        List<Path> outputs = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            Path output = scratch.resolve("gdb-" + i + ".out");
            outputs.add(output);
            clients.add(new ProcessBuilder("bash", "-c", command).redirectErrorStream(true)
                .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start());
        }
        for (Process client : clients) {
            assertTrue(client.waitFor(300, TimeUnit.SECONDS), "a gdb client did not finish");
        }
        String first = Files.readString(outputs.get(0));
        assertTrue(first.contains("Thread 80 ") && first.contains(" in panic ()") && first.contains("      PID    PPID"),
            first);
        for (int i = 1; i < outputs.size(); i++) {
            assertEquals(first, Files.readString(outputs.get(i)), "client " + i);
        }
    }

    /** The fixture vmlinux without DWARF: its symbol table and .debug_frame, 88 MB instead of 590. */
    private static synchronized Path symbolsAndCfiOnly() throws Exception {
        Path symbols = scratch.resolve("vmlinux-symbols");
        if (!Files.exists(symbols)) {
            Process objcopy = new ProcessBuilder("objcopy", "--wildcard", "-R", ".debug_*", "-R", "!.debug_frame",
                Fixtures.vmlinux().toString(), symbols.toString()).inheritIO().start();
            assertEquals(0, objcopy.waitFor(), "objcopy failed");
        }
        return symbols;
    }

    @Test
    void monitorPsPrintsWhatCrashsPsPrints() throws Exception {
        String out = gdb("monitor ps");
        String table = out.substring(out.indexOf("      PID    PPID"));
        assertEquals(String.join("\n", PsCommandIT.crashPsWithoutMemoryColumns(dump)),
            table.substring(0, table.lastIndexOf("\n")).lines().filter(l -> !l.startsWith("[Inferior"))
                .collect(Collectors.joining("\n")));
    }

    /** monitor bt is the CLI's bt: init's stack as crash's foreach bt printed it, and -a's tasks. */
    @Test
    void monitorBtPrintsWhatCrashsBtPrints() throws Exception {
        String out = gdb("monitor bt 1", "monitor bt -a", "monitor bt init");
        String crash = Files.readString(crashOutput("foreach-bt.txt"));
        int start = crash.indexOf("PID: 1 ");
        String init = crash.substring(start, crash.indexOf("\n\n", start) + 1);
        assertTrue(out.contains(init), "monitor bt 1 differs from crash's:\n" + init + "\n---\n" + out);
        assertEquals(ActiveTasks.crashBtAPids(dump), out.lines().filter(l -> l.startsWith("PID:"))
            .map(l -> l.split("\\s+")[1]).skip(1).toList());
        assertTrue(out.contains("bt: init is not a pid; usage: bt [-l] [PID...|-a|--all]"), out);
    }

    @Test
    void gdbUnwindsThePanicThroughTheFunctionsCrashShows() throws Exception {
        String out = gdb("bt");
        for (String function : List.of("__crash_kexec", "panic", "sysrq_handle_crash", "write_sysrq_trigger", "vfs_write")) {
            assertTrue(Files.readString(crashOutput("bt-a.txt")).contains(" " + function + " at "), "crash shows " + function);
            assertTrue(out.contains(" " + function + " ("), "gdb's bt lacks " + function + ":\n" + out);
        }
    }

    @Test
    void gdbReadsKernelDataAtTheirRelocatedAddresses() throws Exception {
        String release = Files.readString(dump.guestFile("uname.txt")).split(" ")[2];
        String out = gdb("x/s linux_banner", "p init_task.comm");
        assertTrue(out.contains("<linux_banner>:\t\"Linux version " + release + " "), out);
        assertTrue(out.contains("= \"swapper/0"), out);
    }

    private static Path crashOutput(String name) {
        return dump.root().resolve("oracle/crash").resolve(dump.id()).resolve(name);
    }

    private static String gdb(String... commands) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/gdb")), "gdb is not installed");
        StringBuilder script = new StringBuilder(attachCommand).append(" -nx -batch");
        for (String command : commands) {
            script.append(" -ex '").append(command).append("'");
        }
        Process gdb = new ProcessBuilder("bash", "-c", script.toString()).redirectErrorStream(true).start();
        String out = new String(gdb.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(gdb.waitFor(120, TimeUnit.SECONDS), "gdb did not finish");
        return out;
    }
}
