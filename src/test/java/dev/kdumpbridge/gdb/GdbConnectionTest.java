package dev.kdumpbridge.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.target.MemoryRead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The codec and the connection handler together, as one client's pipeline. */
class GdbConnectionTest {

    private static final int MAX = 256;

    /** Like the synthetic target, but a read of address 0 fails the way a bug would. */
    private static final class FaultyTarget extends DelegatingTarget {
        FaultyTarget() {
            super(new SyntheticTarget());
        }

        @Override
        public MemoryRead readMemory(long address, byte[] dst, int offset, int length) {
            if (address == 0) {
                throw new IllegalStateException("corrupt page table");
            }
            return super.readMemory(address, dst, offset, length);
        }
    }

    private final EmbeddedChannel channel = new EmbeddedChannel();

    /** The channel's own event loop is the worker: its tasks run at runPendingTasks(). */
    @BeforeEach
    void pipeline() {
        channel.pipeline().addLast(new RspCodec(MAX, true),
            new GdbConnection(new PacketTable(new PacketHandlers(new FaultyTarget(), MAX)), channel.eventLoop()));
        channel.pipeline().fireChannelActive();
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private static String frame(String payload) {
        return "$" + payload + "#" + String.format("%02x",
            Rsp.checksum(payload.getBytes(StandardCharsets.ISO_8859_1)));
    }

    private String exchange(String wire) {
        channel.writeInbound(Unpooled.wrappedBuffer(wire.getBytes(StandardCharsets.ISO_8859_1)));
        channel.runPendingTasks();
        StringBuilder sb = new StringBuilder();
        for (ByteBuf b; (b = channel.readOutbound()) != null; b.release()) {
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
        }
        return sb.toString();
    }

    @Test
    void gdbStyleStartWithAcksThenWithout() {
        assertEquals("+" + frame("PacketSize=100;QStartNoAckMode+;qXfer:features:read+;"
            + "qXfer:threads:read+;binary-upload+"), exchange("+" + frame("qSupported:swbreak+")));
        assertEquals("+" + frame(""), exchange("+" + frame("vMustReplyEmpty")));
        assertEquals("+" + frame("OK"), exchange("+" + frame("QStartNoAckMode")));
        assertEquals(frame("OK"), exchange("+" + frame("Hg0")));
        assertEquals(frame("QC2"), exchange(frame("qC")));
    }

    @Test
    void targetFailureAnswersThatRequestAndTheSessionGoesOn() {
        assertEquals("+" + frame("E05"), exchange(frame("m0,4")));
        assertEquals("+" + frame("00010203"), exchange(frame("mffffffff81000000,4")));
        assertTrue(channel.isOpen());
    }

    @Test
    void oversizedPacketGetsAnError() {
        assertEquals("+" + frame("E22"), exchange(frame("X0,100:" + "a".repeat(2 * MAX))));
        assertEquals("+" + frame("OK"), exchange(frame("T1")));
    }

    @Test
    void interruptIsIgnored() {
        assertEquals("", exchange("\u0003"));
        assertEquals("+" + frame("OK"), exchange(frame("T1")));
    }

    @Test
    void monitorOutputPrecedesTheReply() {
        assertEquals("+" + frame("O" + Rsp.hexText("hi\n")) + frame("OK"),
            exchange(frame("qRcmd," + Rsp.hexText("echo hi"))));
    }

    @Test
    void aClientThatFloodsIsNotReadFromUntilItsRequestsAreAnswered() throws Exception {
        EventExecutor worker = new DefaultEventExecutor();
        try {
            EmbeddedChannel flooded = new EmbeddedChannel(new RspCodec(MAX, true),
                new GdbConnection(new PacketTable(new PacketHandlers(new SyntheticTarget(), MAX)), worker));
            CountDownLatch busy = new CountDownLatch(1);
            worker.execute(() -> {
                try {
                    busy.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            flooded.writeInbound(Unpooled.wrappedBuffer(frame("T1").repeat(40).getBytes(StandardCharsets.ISO_8859_1)));
            assertFalse(flooded.config().isAutoRead(), "stops reading while 16 requests wait");
            busy.countDown();
            worker.submit(() -> { }).get(10, TimeUnit.SECONDS);
            assertTrue(flooded.config().isAutoRead(), "reads again once they are answered");
            flooded.finishAndReleaseAll();
        } finally {
            worker.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void detachClosesTheConnectionAfterTheReply() {
        assertEquals("+" + frame("OK"), exchange(frame("D")));
        assertFalse(channel.isOpen());
    }

    @Test
    void killClosesTheConnectionWithoutReply() {
        assertEquals("+", exchange(frame("k")));
        assertFalse(channel.isOpen());
    }
}
