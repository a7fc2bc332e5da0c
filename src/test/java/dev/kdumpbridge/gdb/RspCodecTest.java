package dev.kdumpbridge.gdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RspCodecTest {

    private static final int MAX = 64;

    private EmbeddedChannel channel = new EmbeddedChannel(new RspCodec(MAX, false));

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String frame(String payload) {
        return "$" + payload + "#" + String.format("%02x", Rsp.checksum(bytes(payload)));
    }

    private void feed(String wire) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes(wire)));
    }

    /** Everything written to the client so far, as text. */
    private String sent() {
        StringBuilder sb = new StringBuilder();
        for (ByteBuf b; (b = channel.readOutbound()) != null; b.release()) {
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
        }
        return sb.toString();
    }

    private List<Frame> frames() {
        List<Frame> frames = new ArrayList<>();
        for (Object f; (f = channel.readInbound()) != null; ) {
            frames.add((Frame) f);
        }
        return frames;
    }

    private String onlyPayload() {
        List<Frame> frames = frames();
        assertEquals(1, frames.size(), frames.toString());
        return new String(assertInstanceOf(Frame.Data.class, frames.get(0)).payload(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void goodPacketIsAckedAndPassedOn() {
        feed(frame("qSupported:swbreak+"));
        assertEquals("qSupported:swbreak+", onlyPayload());
        assertEquals("+", sent());
    }

    @Test
    void packetSplitIntoSingleBytesIsReassembled() {
        for (byte b : bytes(frame("m1000,4") + frame("g"))) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        List<Frame> frames = frames();
        assertEquals(2, frames.size());
        assertArrayEquals(bytes("m1000,4"), ((Frame.Data) frames.get(0)).payload());
        assertArrayEquals(bytes("g"), ((Frame.Data) frames.get(1)).payload());
        assertEquals("++", sent());
    }

    @Test
    void packetsInRandomFragmentsComeOutWhole() {
        StringBuilder wire = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            wire.append(frame("m" + Integer.toHexString(i) + ",10"));
        }
        byte[] all = bytes(wire.toString());
        Random random = new Random(7);
        for (int at = 0; at < all.length; ) {
            int n = Math.min(all.length - at, 1 + random.nextInt(13));
            channel.writeInbound(Unpooled.wrappedBuffer(all, at, n));
            at += n;
        }
        List<Frame> frames = frames();
        assertEquals(50, frames.size());
        for (int i = 0; i < 50; i++) {
            assertArrayEquals(bytes("m" + Integer.toHexString(i) + ",10"), ((Frame.Data) frames.get(i)).payload());
        }
    }

    @Test
    void badChecksumIsNakedAndDropped() {
        feed("$g#00");
        assertTrue(frames().isEmpty());
        assertEquals("-", sent());
        feed("$g#zz");
        assertTrue(frames().isEmpty());
        assertEquals("-", sent());
    }

    @Test
    void checksumDigitsMayBeUpperCase() {
        feed("$QStartNoAckMode#B0");
        assertEquals("QStartNoAckMode", onlyPayload());
    }

    @Test
    void escapedBytesAreUnescapedAfterTheChecksumIsChecked() {
        // X packet data 0x23 ('#') 0x7d ('}') sent escaped, as gdb does.
        String payload = "X1000,2:}\u0003}]";
        feed(frame(payload));
        assertEquals("X1000,2:#}", onlyPayload());
    }

    @Test
    void danglingEscapeMakesThePacketUnusable() {
        feed(frame("ab}"));
        assertInstanceOf(Frame.Unusable.class, frames().get(0));
        assertEquals("+", sent());
    }

    @Test
    void garbageBetweenPacketsIsSkipped() {
        feed("hello\r\n" + frame("?") + "\u0000\u00ff+junk" + frame("g") + "#00");
        List<Frame> frames = frames();
        assertEquals(2, frames.size());
        assertArrayEquals(bytes("?"), ((Frame.Data) frames.get(0)).payload());
        assertArrayEquals(bytes("g"), ((Frame.Data) frames.get(1)).payload());
    }

    @Test
    void dollarInsidePayloadRestartsThePacket() {
        feed("$m10,4$g#67");
        assertEquals("g", onlyPayload());
    }

    @Test
    void interruptByteOutsidePacketsIsPassedOn() {
        feed("\u0003");
        assertInstanceOf(Frame.Interrupt.class, frames().get(0));
        assertEquals("", sent());
    }

    @Test
    void interruptByteInsidePacketIsData() {
        feed(frame("a\u0003b"));
        assertEquals("a\u0003b", onlyPayload());
    }

    @Test
    void oversizedPacketIsCountedNotBuffered() {
        String big = "X0,1000:" + "a".repeat(10 * MAX);
        feed(frame(big));
        Frame.Unusable unusable = assertInstanceOf(Frame.Unusable.class, frames().get(0));
        assertTrue(unusable.why().contains(big.length() + " bytes"), unusable.why());
        assertEquals("+", sent());
        // The connection goes on.
        feed(frame("g"));
        assertEquals("g", onlyPayload());
    }

    @Test
    void packetOfExactlyTheMaximumIsAccepted() {
        feed(frame("a".repeat(MAX)));
        assertEquals("a".repeat(MAX), onlyPayload());
    }

    @Test
    void replyIsFramedAndEscaped() {
        channel.writeOutbound(Reply.binary(bytes("l#$}*")));
        assertEquals("$l}\u0003}\u0004}]}\n#" + String.format("%02x",
            Rsp.checksum(bytes("l}\u0003}\u0004}]}\n"))), sent());
    }

    @Test
    void replyIsRunLengthEncodedWhenAsked() {
        channel = new EmbeddedChannel(new RspCodec(MAX, true));
        // 16 zeros: '0' and 15 more, count 15 + 29 = ','. Eight x's would need '$' as count and
        // seven '#', so six x's are one run and the last two stay literal.
        channel.writeOutbound(Reply.text("0000000000000000xxxxxxxx"));
        assertEquals(frame("0*,x*\"xx"), sent());
    }

    @Test
    void emptyReplyIsAnEmptyPacket() {
        channel.writeOutbound(Reply.EMPTY);
        assertEquals("$#00", sent());
    }

    @Test
    void replyWithoutPayloadSendsNothing() {
        channel.writeOutbound(new Reply(null, Reply.After.CLOSE));
        assertEquals("", sent());
    }

    @Test
    void nakMakesTheLastPacketGoAgain() {
        channel.writeOutbound(Reply.text("OK"));
        assertEquals("$OK#9a", sent());
        feed("-");
        assertEquals("$OK#9a", sent());
        feed("+-");
        assertEquals("", sent(), "nothing to send again once acked");
    }

    @Test
    void noAckModeStopsAcksInBothDirections() {
        feed(frame("QStartNoAckMode"));
        assertEquals("QStartNoAckMode", onlyPayload());
        assertEquals("+", sent());
        channel.writeOutbound(Reply.OK.then(Reply.After.STOP_ACKS));
        assertEquals("$OK#9a", sent());
        // gdb still acks the OK; from then on neither side acks.
        feed("+" + frame("g"));
        assertEquals("g", onlyPayload());
        feed("$g#00");
        assertTrue(frames().isEmpty());
        channel.writeOutbound(Reply.text("00"));
        assertEquals(frame("00"), sent(), "no ack for either packet, no nak for the bad one");
        feed("-");
        assertEquals("", sent(), "no resend without acks");
    }

    @Test
    void interruptsAndAcksDoNotDisturbAPacketInProgress() {
        feed("$m10");
        feed("\u0003");
        feed(",4#");
        assertNull(channel.readInbound());
        feed(String.format("%02x", Rsp.checksum(bytes("m10\u0003,4"))));
        assertEquals("m10\u0003,4", onlyPayload());
    }
}
