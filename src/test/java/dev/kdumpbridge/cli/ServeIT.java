package dev.kdumpbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code kdump-bridge serve} on the demo dump, attached with the very gdb command it prints, as
 * a user would; checked against the kernel's own panic message and crash 8.0.6's output.
 */
class ServeIT {
    private static Process server;
    private static String attachCommand;
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
        // x86_64 links _text at __START_KERNEL, 0xffffffff81000000; the guest's /proc/kallsyms
        // says where KASLR put it.
        long offset = Fixtures.guestSymbols(dump).get("_text") - 0xffffffff81000000L;
        assertTrue(attachCommand.contains("symbol-file " + Fixtures.vmlinux() + " -o 0x" + Long.toHexString(offset) + "'"),
            attachCommand);
    }

    @Test
    void gdbSeesEveryCpuWithTheTaskCrashSawOnIt() throws Exception {
        String out = gdb("info threads");
        Set<String> pids = new TreeSet<>();
        Matcher thread = Pattern.compile("Thread \\d+ \"CPU \\d\" \\(on CPU \\d pid (\\d+)\\)").matcher(out);
        while (thread.find()) {
            pids.add(thread.group(1));
        }
        assertEquals(crashOnCpuPids(), pids, out);
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

    /** The pids of crash's ps lines marked '>' (active on a CPU). */
    private static Set<String> crashOnCpuPids() throws Exception {
        Set<String> pids = new TreeSet<>();
        for (String line : Files.readAllLines(crashOutput("ps.txt"))) {
            if (line.startsWith(">")) {
                pids.add(line.substring(1).trim().split("\\s+")[0]);
            }
        }
        return pids;
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
