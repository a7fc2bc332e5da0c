package dev.kdumpbridge.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What a subcommand does until its layers exist: its arguments are already parsed and checked,
 * so the command line is stable while the work behind it is written.
 */
abstract class NotYetImplemented implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("kdump-bridge " + spec.name() + ": not yet implemented");
        return Main.EXIT_USAGE;
    }
}
