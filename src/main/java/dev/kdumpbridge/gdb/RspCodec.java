package dev.kdumpbridge.gdb;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageCodec;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Framing of the Remote Serial Protocol, both directions (gdb manual, "Overview"; reference 08
 * section 1).
 *
 * <p>Inbound: finds {@code $payload#xx} packets in any fragmentation, verifies the checksum,
 * acknowledges with '+' or '-' until no-ack mode, unescapes and passes {@link Frame}s on. Bytes
 * outside packets other than acks and the 0x03 interrupt are skipped. A payload longer than
 * {@code maxPayload} is not buffered: the rest of it is only checksummed and the packet is
 * passed on as {@link Frame.Unusable}, so a client that ignores PacketSize gets an error reply
 * rather than a dropped connection. A '$' inside a payload (where it must be escaped) starts a
 * new packet: the one before it was cut short.
 *
 * <p>Outbound: escapes, optionally run-length encodes and frames {@link Reply}s, keeping the
 * last one to send again when the client answers '-'. Only the last one is kept: a client
 * acknowledges each packet before sending its next request, and over TCP a '-' is rare anyway.
 *
 * <p>Not shareable: one instance per connection holds that connection's framing and ack state.
 * Both directions run on the channel's event loop, so the state needs no locking.
 */
final class RspCodec extends ByteToMessageCodec<Reply> {

    private static final Logger WIRE = LoggerFactory.getLogger("gdb.wire");

    private enum State { OUTSIDE, PAYLOAD, CHECKSUM_HIGH, CHECKSUM_LOW }

    private final int maxPayload;
    private final boolean runLengthEncode;
    private final byte[] payload;

    private State state = State.OUTSIDE;
    private int length;
    private int sum;
    private int receivedChecksum;
    private boolean checksumDigitsValid;
    private int skipped;
    private boolean acks = true;
    private byte[] lastSent;

    /**
     * @param maxPayload the largest payload accepted, as received (escaped); advertised as
     *     PacketSize
     * @param runLengthEncode whether replies are run-length encoded
     */
    RspCodec(int maxPayload, boolean runLengthEncode) {
        super(Reply.class);
        this.maxPayload = maxPayload;
        this.runLengthEncode = runLengthEncode;
        this.payload = new byte[maxPayload];
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            byte b = in.readByte();
            switch (state) {
                case OUTSIDE -> outside(ctx, b, out);
                case PAYLOAD -> payloadByte(b);
                case CHECKSUM_HIGH -> {
                    receivedChecksum = Rsp.hexDigit(b) << 4;
                    checksumDigitsValid = Rsp.hexDigit(b) >= 0;
                    state = State.CHECKSUM_LOW;
                }
                case CHECKSUM_LOW -> {
                    receivedChecksum |= Rsp.hexDigit(b);
                    checksumDigitsValid &= Rsp.hexDigit(b) >= 0;
                    state = State.OUTSIDE;
                    packetEnd(ctx, out);
                }
            }
        }
        if (skipped > 0) {
            WIRE.debug("<- skipped {} bytes outside packets", skipped);
            skipped = 0;
        }
    }

    private void outside(ChannelHandlerContext ctx, byte b, List<Object> out) {
        switch (b) {
            case Rsp.START -> startPacket();
            case Rsp.INTERRUPT -> {
                WIRE.trace("<- interrupt");
                out.add(new Frame.Interrupt());
            }
            case Rsp.ACK -> lastSent = null;
            case Rsp.NAK -> {
                if (acks && lastSent != null) {
                    WIRE.trace("<- - (sending the last packet again)");
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(lastSent));
                }
            }
            default -> skipped++;
        }
    }

    private void startPacket() {
        state = State.PAYLOAD;
        length = 0;
        sum = 0;
    }

    private void payloadByte(byte b) {
        if (b == Rsp.END) {
            state = State.CHECKSUM_HIGH;
        } else if (b == Rsp.START) {
            WIRE.debug("<- packet cut short after {} bytes by a new one", length);
            startPacket();
        } else {
            sum += b & 0xff;
            if (length < maxPayload) {
                payload[length] = b;
            }
            length++;
        }
    }

    private void packetEnd(ChannelHandlerContext ctx, List<Object> out) {
        if (!checksumDigitsValid || receivedChecksum != (sum & 0xff)) {
            WIRE.debug("<- bad checksum on a {}-byte packet", length);
            if (acks) {
                ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {Rsp.NAK}));
            }
            return;
        }
        if (acks) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {Rsp.ACK}));
        }
        if (length > maxPayload) {
            WIRE.trace("<- packet of {} bytes, more than the {} allowed", length, maxPayload);
            out.add(new Frame.Unusable(
                "packet of " + length + " bytes is longer than PacketSize " + maxPayload));
            return;
        }
        byte[] data;
        try {
            data = Rsp.unescape(payload, length);
        } catch (IllegalArgumentException e) {
            WIRE.trace("<- unusable packet: {}", e.getMessage());
            out.add(new Frame.Unusable(e.getMessage()));
            return;
        }
        if (WIRE.isTraceEnabled()) {
            WIRE.trace("<- {}", Rsp.printable(data));
        }
        out.add(new Frame.Data(data));
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Reply reply, ByteBuf out) {
        if (reply.payload() != null) {
            if (WIRE.isTraceEnabled()) {
                WIRE.trace("-> {}", Rsp.printable(reply.payload()));
            }
            byte[] body = Rsp.escape(reply.payload());
            if (runLengthEncode) {
                body = Rsp.runLengthEncode(body);
            }
            byte[] frame = new byte[body.length + 4];
            frame[0] = Rsp.START;
            System.arraycopy(body, 0, frame, 1, body.length);
            frame[body.length + 1] = Rsp.END;
            String checksum = String.format("%02x", Rsp.checksum(body));
            frame[body.length + 2] = (byte) checksum.charAt(0);
            frame[body.length + 3] = (byte) checksum.charAt(1);
            out.writeBytes(frame);
            lastSent = acks ? frame : null;
        }
        if (reply.after() == Reply.After.STOP_ACKS) {
            acks = false;
            lastSent = null;
        }
    }
}
