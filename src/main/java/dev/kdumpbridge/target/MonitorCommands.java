package dev.kdumpbridge.target;

import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/** Commands a debugger user runs on the target by name, such as gdb's {@code monitor ps}. */
public interface MonitorCommands {

    /**
     * @param name the first word of the command line
     * @param summary one line for a help listing
     */
    record Command(String name, String summary) {
        public Command {
            Objects.requireNonNull(name);
            Objects.requireNonNull(summary);
        }
    }

    /** A command that could not run: unknown name, bad arguments, unreadable data. */
    final class CommandException extends Exception {
        private static final long serialVersionUID = 1L;

        public CommandException(String message) {
            super(message);
        }
    }

    /** The commands {@link #run} knows, for help listings. */
    List<Command> commands();

    /**
     * Runs one command line, writing its output as it goes.
     *
     * @param commandLine the command and its arguments, as the user typed them
     * @param output receives text in pieces; lines end with '\n'
     * @throws CommandException with a message for the user when the command cannot run
     */
    void run(String commandLine, Consumer<String> output) throws CommandException;
}
