package dev.kdumpbridge.cli;

import ch.qos.logback.classic.Level;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/** The {@code kdump-bridge} command: global options and the list of subcommands. */
@Command(
    name = "kdump-bridge",
    // Subcommands inherit the help and version options and the exit code list.
    scope = ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        Main.EXIT_OK + ":Success.",
        Main.EXIT_INPUT_ERROR + ":The dump or another input could not be used.",
        Main.EXIT_USAGE + ":Usage error, or the command is not yet implemented."},
    description = "Serves a Linux kernel crash dump (ELF vmcore, makedumpfile's kdump-compressed"
        + " format) or /proc/kcore to gdb over the Remote Serial Protocol and to editors over the"
        + " Debug Adapter Protocol, and answers the usual questions about it from the command line.",
    subcommands = {
        ServeCommand.class,
        DapCommand.class,
        InfoCommand.class,
        PsCommand.class,
        BtCommand.class,
        LogCommand.class,
        RdCommand.class,
        ConvertCommand.class})
public final class Main implements Runnable {

    static final int EXIT_OK = 0;
    static final int EXIT_INPUT_ERROR = 1;
    static final int EXIT_USAGE = 2;

    private static final Logger log = LoggerFactory.getLogger("cli");

    @Spec
    private CommandSpec spec;

    private int verbosity;

    /**
     * Inherited by every subcommand, so {@code kdump-bridge info -v DUMP} works as well as
     * {@code kdump-bridge -v info DUMP}; the copies share this setter.
     */
    @Option(
        names = {"-v", "--verbose"},
        scope = ScopeType.INHERIT,
        description = "More log output on stderr: -v for DEBUG, -vv for TRACE (protocol traces).")
    void setVerbose(boolean[] flags) {
        verbosity = flags.length;
    }

    public static void main(String... args) {
        System.exit(newCommandLine().execute(args));
    }

    /**
     * The configured command line. {@link CommandLine#execute} returns the exit code rather than
     * exiting, so tests run it with their own writers.
     */
    public static CommandLine newCommandLine() {
        Main main = new Main();
        return new CommandLine(main)
            .setExecutionStrategy(main::execute)
            .setParameterExceptionHandler(Main::usageError);
    }

    /** Without a subcommand there is nothing to do but say what there is. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(),
            "Missing command: one of " + String.join(", ", spec.subcommands().keySet()));
    }

    private int execute(ParseResult parseResult) {
        Level level = switch (verbosity) {
            case 0 -> null;
            case 1 -> Level.DEBUG;
            default -> Level.TRACE;
        };
        if (level != null
            && LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)
                instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(level);
        }
        log.debug("{}", VersionProvider.describe());
        return new CommandLine.RunLast().execute(parseResult);
    }

    /**
     * The full usage text after a typo buries the message; print the message, a suggestion if
     * picocli has one, and where to find the usage.
     */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine commandLine = e.getCommandLine();
        var err = commandLine.getErr();
        err.println(commandLine.getColorScheme().errorText(e.getMessage()));
        UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Run '" + commandLine.getCommandSpec().qualifiedName() + " --help' for usage.");
        err.flush();
        return EXIT_USAGE;
    }
}
