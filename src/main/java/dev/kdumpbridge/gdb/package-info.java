/**
 * The gdb front end: a Remote Serial Protocol server over TCP (Netty) that gdb and LLDB connect
 * to with {@code target remote} / {@code gdb-remote}. Start it with {@link
 * dev.kdumpbridge.gdb.GdbServer#start}.
 *
 * <p>Bytes flow through four steps, one class each:
 * <ol>
 *   <li>{@code RspCodec}: framing, checksums, '+'/'-' acks and no-ack mode, '}' escapes,
 *       run-length encoding of replies, the 0x03 interrupt, the PacketSize limit;
 *   <li>{@code GdbConnection}: per connection, moves each packet off the network threads to a
 *       worker of its own, in order, and stops reading from a client that floods;
 *   <li>{@code PacketTable}: the one table from packet name to a typed {@code Packet} record
 *       and its handler; unknown packets get the empty reply;
 *   <li>{@code PacketHandlers}: one method per packet, answering from the {@code DebugTarget}
 *       and the connection's {@code Session}.
 * </ol>
 * The target is read-only and never runs: writes and breakpoints get "E.text" errors that gdb
 * shows; a resume is answered with a console message and the same stop again (an error would
 * end the session in LLDB). What is advertised in qSupported is what is implemented. Which
 * packets are answered, with their quirks and sources, is documented on the handler methods;
 * "reference 08" in comments is the project's notes on the protocol,
 * {@code shared/reference/08-gdb-remote-protocol.md}.
 *
 * <p>Nothing here knows an architecture: register names, sizes, numbers and the target
 * description come from the target's {@code RegisterLayout}. This package depends on
 * {@code target} only, never on {@code dap}, {@code dump}, {@code kernel} or {@code arch}.
 *
 * <p>Loggers: {@code gdb} for connections and failed requests, {@code gdb.wire} at TRACE for
 * every packet ({@code <-} received, {@code ->} sent, unescaped) and at DEBUG for skipped bytes
 * and bad checksums.
 */
package dev.kdumpbridge.gdb;
