package dev.kdumpbridge.target;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Monitor commands given as a table of name, one-line summary and action; the command line's
 * first word picks the entry, the rest is its argument string. Longer names win, so "info
 * version" can sit beside a plain "info". Immutable once built.
 */
public final class CommandTable implements MonitorCommands {

    /** What one command does with the rest of its command line. */
    @FunctionalInterface
    public interface Action {
        void run(String arguments, Consumer<String> output) throws CommandException;
    }

    private final Map<String, Action> actions;
    private final List<Command> commands;

    private CommandTable(Map<String, Action> actions, List<Command> commands) {
        this.actions = actions;
        this.commands = commands;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public List<Command> commands() {
        return commands;
    }

    @Override
    public void run(String commandLine, Consumer<String> output) throws CommandException {
        String line = commandLine.strip().replaceAll("\\s+", " ");
        String best = null;
        for (String name : actions.keySet()) {
            boolean matches = line.equals(name) || line.startsWith(name + " ");
            if (matches && (best == null || name.length() > best.length())) {
                best = name;
            }
        }
        if (best == null) {
            String word = line.isEmpty() ? "(empty)" : line.split(" ", 2)[0];
            throw new CommandException("unknown monitor command " + word + "; 'monitor help' lists them");
        }
        actions.get(best).run(line.substring(best.length()).strip(), output);
    }

    public static final class Builder {
        private final Map<String, Action> actions = new LinkedHashMap<>();
        private final List<Command> commands = new ArrayList<>();

        public Builder add(String name, String summary, Action action) {
            if (actions.put(name, action) != null) {
                throw new IllegalArgumentException("monitor command " + name + " twice");
            }
            commands.add(new Command(name, summary));
            return this;
        }

        public CommandTable build() {
            return new CommandTable(Map.copyOf(actions), List.copyOf(commands));
        }
    }
}
