package dev.kdumpbridge.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import picocli.CommandLine;

/** One in-process run of the command line: its exit code and what it printed, lines ending in \n. */
record CliRun(int exitCode, String out, String err) {

    /** Runs {@code kdump-bridge ARGS}; each argument is its {@code toString()}, so paths can be passed as they are. */
    static CliRun of(Object... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.newCommandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(Arrays.stream(args).map(Object::toString).toArray(String[]::new));
        return new CliRun(exitCode, unix(out), unix(err));
    }

    private static String unix(StringWriter text) {
        return text.toString().replace(System.lineSeparator(), "\n");
    }
}
