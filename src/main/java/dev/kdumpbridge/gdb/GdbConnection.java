package dev.kdumpbridge.gdb;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: hands each {@link Frame} to the {@link PacketTable} and writes the
 * reply.
 *
 * <p>Answering can take long (recovering a sleeping task's registers, decompressing dump
 * pages), so it happens on a worker thread of the connection's own, never on a network thread
 * that other connections share. The worker is single-threaded, so one connection's requests are
 * answered in order. A client that sends faster than it is answered, or does not read its
 * replies, is simply not read from until it catches up: the server queues at most
 * {@link #MAX_QUEUED} of its requests.
 */
final class GdbConnection extends SimpleChannelInboundHandler<Frame> {

    private static final Logger LOG = LoggerFactory.getLogger("gdb");

    /** gdb and LLDB wait for each reply, so more than one queued request is already unusual. */
    private static final int MAX_QUEUED = 16;

    private final PacketTable table;
    private final EventExecutor worker;
    private final AtomicInteger queued = new AtomicInteger();
    private Session session;

    GdbConnection(PacketTable table, EventExecutor worker) {
        this.table = table;
        this.worker = worker;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        session = new Session(ctx::writeAndFlush);
        LOG.info("client {} connected", ctx.channel().remoteAddress());
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        LOG.info("client {} disconnected", ctx.channel().remoteAddress());
        ctx.fireChannelInactive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
        if (frame instanceof Frame.Interrupt) {
            // Nothing ever runs, so there is nothing to stop and no stop to report.
            return;
        }
        if (queued.incrementAndGet() >= MAX_QUEUED) {
            ctx.channel().config().setAutoRead(false);
        }
        worker.execute(() -> {
            try {
                respond(ctx, frame);
            } finally {
                queued.decrementAndGet();
                resumeReading(ctx);
            }
        });
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            resumeReading(ctx);
        } else {
            ctx.channel().config().setAutoRead(false);
        }
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * Reads again once the queue is short and the replies are flowing. Whichever of the two
     * stopped reading, the event that ends it (a request answered, the socket writable again)
     * comes here.
     */
    private void resumeReading(ChannelHandlerContext ctx) {
        if (queued.get() < MAX_QUEUED && ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void respond(ChannelHandlerContext ctx, Frame frame) {
        Reply reply;
        if (frame instanceof Frame.Data data) {
            reply = answer(ctx, data.payload());
        } else {
            LOG.debug("unusable packet from {}: {}", ctx.channel().remoteAddress(), ((Frame.Unusable) frame).why());
            reply = Reply.text(PacketHandlers.INVALID);
        }
        var written = ctx.writeAndFlush(reply);
        if (reply.after() == Reply.After.CLOSE) {
            LOG.info("client {} detached", ctx.channel().remoteAddress());
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * A target that fails on one request (a corrupt structure in the dump) answers that request
     * with an error; the session goes on.
     */
    private Reply answer(ChannelHandlerContext ctx, byte[] payload) {
        try {
            return table.handle(payload, session);
        } catch (RuntimeException e) {
            LOG.warn("request from {} failed: {}", ctx.channel().remoteAddress(), Rsp.printable(payload), e);
            return Reply.text(PacketHandlers.TARGET_FAILED);
        }
    }

    /**
     * A failure here is this client's alone: drop its connection. A socket error is the client
     * going away (a reset rather than a close), not a fault of ours.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            LOG.info("client {} lost: {}", ctx.channel().remoteAddress(), cause.getMessage());
        } else {
            LOG.warn("closing connection to {}", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
