package dev.kdumpbridge.dap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The base protocol's Content-Length framing, over streams (stdio) and through Netty (TCP). */
class DapFramingTest {
    private static final String ONE = "{\"seq\":1,\"type\":\"request\",\"command\":\"threads\"}";
    private static final String TWO = "{\"seq\":2,\"type\":\"request\",\"command\":\"évaluer\"}";

    private static byte[] framed(String... bodies) {
        StringBuilder text = new StringBuilder();
        for (String body : bodies) {
            text.append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n\r\n").append(body);
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void streamsGiveEachBodyThenTheEnd() throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(framed(ONE, TWO));
        assertEquals(ONE, DapStdio.next(in));
        assertEquals(TWO, DapStdio.next(in), "the length counts UTF-8 bytes, not characters");
        assertNull(DapStdio.next(in));
    }

    @Test
    void otherHeaderFieldsAndAnyCaseAreAccepted() {
        assertEquals(12, ContentLength.parse("Content-Type: application/vscode-jsonrpc\r\ncontent-length: 12"));
    }

    @Test
    void aMissingOrAbsurdLengthIsRefusedWithTheReason() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ContentLength.parse("Content-Type: x"))
            .getMessage().contains("no Content-Length"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ContentLength.parse("Content-Length: 999999999"))
            .getMessage().contains("over the limit"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ContentLength.parse("Content-Length: -1"))
            .getMessage().contains("not a number"));
    }

    @Test
    void aStreamCutInsideABodyIsAnError() {
        byte[] whole = framed(ONE);
        ByteArrayInputStream cut = new ByteArrayInputStream(java.util.Arrays.copyOf(whole, whole.length - 3));
        assertThrows(IOException.class, () -> DapStdio.next(cut));
    }

    @Test
    void nettyDecodesFramesFedInFragments() {
        EmbeddedChannel channel = new EmbeddedChannel(new DapFrameDecoder());
        byte[] bytes = framed(ONE, TWO);
        for (byte b : bytes) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertEquals(ONE, channel.readInbound());
        assertEquals(TWO, channel.readInbound());
        assertNull(channel.readInbound());
    }

    @Test
    void nettyRefusesAHeaderWithoutEnd() {
        EmbeddedChannel channel = new EmbeddedChannel(new DapFrameDecoder());
        byte[] garbage = new byte[ContentLength.MAX_HEADER + 10];
        java.util.Arrays.fill(garbage, (byte) 'x');
        assertThrows(DecoderException.class, () -> channel.writeInbound(Unpooled.wrappedBuffer(garbage)));
    }

    @Test
    void framesCarryTheirLengthInBytes() {
        byte[] frame = ContentLength.frame(TWO.getBytes(StandardCharsets.UTF_8));
        assertTrue(new String(frame, StandardCharsets.UTF_8).startsWith("Content-Length: "
            + TWO.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n{"));
    }
}
