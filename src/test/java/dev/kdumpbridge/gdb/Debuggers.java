package dev.kdumpbridge.gdb;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real gdb and LLDB in batch mode against a server, for the integration tests. */
final class Debuggers {

    private static final long TIMEOUT_SECONDS = 120;

    private Debuggers() {
    }

    static boolean installed(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Arrays.stream(path.split(File.pathSeparator))
            .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
    }

    /** A debugger running in the background; its output goes to a file. */
    record Running(Process process, Path output) {

        /** Waits for the debugger to end and returns all it printed, stdout and stderr together. */
        String finish() {
            try {
                if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError("debugger still running after " + TIMEOUT_SECONDS
                        + " s; output so far:\n" + Files.readString(output));
                }
                String text = Files.readString(output, StandardCharsets.UTF_8);
                Files.delete(output);
                return text;
            } catch (IOException e) {
                throw new AssertionError(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /**
     * gdb connected to the server, running {@code commands} one by one. In batch mode gdb goes on
     * after a failing command and detaches at the end.
     */
    static String gdb(int port, String... commands) {
        return startGdb(port, commands).finish();
    }

    static Running startGdb(int port, String... commands) {
        return startGdb("gdb", "i386:x86-64", port, commands);
    }

    /** gdb-multiarch set to a target architecture, for the machines plain gdb does not know. */
    static String gdbMultiarch(String architecture, int port, String... commands) {
        return startGdb("gdb-multiarch", architecture, port, commands).finish();
    }

    private static Running startGdb(String program, String architecture, int port, String... commands) {
        List<String> cmd = new ArrayList<>(List.of(program, "-nx", "-batch",
            "-ex", "set architecture " + architecture,
            "-ex", "target remote 127.0.0.1:" + port));
        for (String c : commands) {
            cmd.add("-ex");
            cmd.add(c);
        }
        return start(cmd);
    }

    /** LLDB connected to the server; it stops at the first failing command. */
    static String lldb(int port, String... commands) {
        List<String> cmd = new ArrayList<>(List.of("lldb", "--no-lldbinit", "--batch",
            "-o", "gdb-remote 127.0.0.1:" + port));
        for (String c : commands) {
            cmd.add("-o");
            cmd.add(c);
        }
        return start(cmd).finish();
    }

    private static Running start(List<String> command) {
        try {
            Path output = Files.createTempFile("kdump-bridge-" + command.get(0), ".out");
            Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
            return new Running(p, output);
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command.get(0), e);
        }
    }
}
