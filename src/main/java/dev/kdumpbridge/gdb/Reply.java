package dev.kdumpbridge.gdb;

import java.nio.charset.StandardCharsets;

/**
 * A packet to send, unescaped, and what the connection does after sending it.
 *
 * @param payload the reply's bytes, or null to send nothing
 * @param after what happens once it is sent
 */
record Reply(byte[] payload, After after) {

    enum After {
        CONTINUE,
        /** The reply to QStartNoAckMode: no acks from here on, in either direction. */
        STOP_ACKS,
        /** Detach or kill: close this connection. */
        CLOSE
    }

    /** "Not supported", the universal way to decline a packet (gdb manual, "Standard Replies"). */
    static final Reply EMPTY = text("");
    static final Reply OK = text("OK");

    static Reply text(String text) {
        return new Reply(text.getBytes(StandardCharsets.ISO_8859_1), After.CONTINUE);
    }

    static Reply binary(byte[] payload) {
        return new Reply(payload, After.CONTINUE);
    }

    Reply then(After next) {
        return new Reply(payload, next);
    }
}
