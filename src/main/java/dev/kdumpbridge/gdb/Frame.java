package dev.kdumpbridge.gdb;

/** What {@link RspCodec} hands up from the byte stream once framing and acks are dealt with. */
sealed interface Frame {

    /** A packet with a good checksum, unescaped. */
    record Data(byte[] payload) implements Frame {
    }

    /** The raw 0x03 byte a client sends for Ctrl-C. */
    record Interrupt() implements Frame {
    }

    /** A packet with a good checksum that cannot be used (too long, broken escape). */
    record Unusable(String why) implements Frame {
    }
}
