/**
 * The Debug Adapter Protocol front end: a kernel dump in VS Code and any other DAP client.
 * {@link dev.kdumpbridge.dap.DapSession} answers the requests from a
 * {@link dev.kdumpbridge.target.DebugTarget} and its optional capabilities (unwinding, symbols,
 * expressions, disassembly, the kernel log), advertising only what the target has;
 * {@link dev.kdumpbridge.dap.DapEndpoint} ties a session to lsp4j-debug's JSON handling, and the
 * transports are {@link dev.kdumpbridge.dap.DapServer} (TCP, Netty, any number of sessions on
 * one target) and {@link dev.kdumpbridge.dap.DapStdio} (stdin/stdout, how editors start
 * adapters; the dump comes in the attach request).
 *
 * <p>It never parses a dump or imports the gdb front end (ArchitectureTest); everything it shows
 * comes through {@code target}.
 */
package dev.kdumpbridge.dap;
