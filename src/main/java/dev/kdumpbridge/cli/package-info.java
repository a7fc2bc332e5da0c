/**
 * The command line: picocli subcommands ({@code serve}, {@code dap}, {@code info}, {@code ps},
 * {@code bt}, {@code log}, {@code rd}, {@code convert}) that parse arguments, build the layers
 * below (dump, memory, kernel, arch, target, gdb, dap), start them and print their answers.
 *
 * <p>Wiring only. This package parses no dump format, walks no kernel structure and speaks no
 * protocol; when a command needs a fact, the fact comes from a lower layer and is only formatted
 * here. Nothing outside this package depends on it (ArchitectureTest keeps it so).
 *
 * <p>Exit codes, the same for every command and listed in {@code --help}: 0 success, 1 the dump
 * or another input could not be used, 2 usage error or a command not yet implemented.
 *
 * <h2>Logging</h2>
 * All logging goes to stderr ({@code logback.xml}): stdout belongs to the command's output, and
 * in {@code dap --stdio} to the protocol itself. {@code -v} sets the root level to DEBUG and
 * {@code -vv} to TRACE. Loggers are named after layers, not classes, so that one layer can be
 * turned up alone:
 * <ul>
 *   <li>{@code dump}, {@code memory}, {@code kernel}, {@code arch}, {@code target}: the layers;
 *   <li>{@code gdb}, {@code dap}: the front ends' handling of requests;
 *   <li>{@code gdb.wire}, {@code dap.wire}: every packet or message at TRACE, with an arrow for
 *       its direction ({@code <-} received, {@code ->} sent);
 *   <li>{@code cli}: this package.
 * </ul>
 * A layer may add a dotted suffix ({@code dump.kdump}) where one part is noisy on its own. To
 * trace the gdb wire alone, run with {@code -Dlogback.configurationFile=FILE}, FILE being a copy
 * of {@code logback.xml} with {@code <logger name="gdb.wire" level="TRACE"/>} added.
 */
package dev.kdumpbridge.cli;
