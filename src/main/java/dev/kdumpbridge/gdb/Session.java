package dev.kdumpbridge.gdb;

import dev.kdumpbridge.target.TargetThread;
import java.util.List;
import java.util.function.Consumer;

/**
 * What one client connection has negotiated and selected. Each connection has its own; it is
 * only touched by that connection's handler, one packet at a time.
 */
final class Session {

    private final Consumer<Reply> sender;

    /** Thread for {@code g} and {@code p}, set by {@code Hg}; {@link Packet#ANY_THREAD} at first. */
    long generalThread = Packet.ANY_THREAD;
    /** The client announced "error-message+": "E.text" is fine for every packet. */
    boolean errorMessages;
    /** LLDB's QListThreadsInStopReply: add "threads:" to stop replies. */
    boolean threadsInStopReply;
    /** The list qfThreadInfo started and qsThreadInfo continues. */
    List<TargetThread> threadList = List.of();
    int threadListNext;
    /** The document qXfer:threads:read pages through; made anew at offset 0. */
    byte[] threadsXml;

    Session(Consumer<Reply> sender) {
        this.sender = sender;
    }

    /** Sends a packet before the reply, such as the console output of a monitor command. */
    void send(Reply reply) {
        sender.accept(reply);
    }
}
