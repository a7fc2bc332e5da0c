package dev.kdumpbridge.gdb;

import dev.kdumpbridge.target.DebugTarget;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one {@link DebugTarget} to gdb and LLDB over TCP, any number of clients at once, each
 * with its own connection state. A client's bad input or disconnect ends at most its own
 * connection.
 *
 * <pre>{@code
 * try (GdbServer server = GdbServer.start(target, "127.0.0.1", 0)) {
 *     log.info("gdb: target remote 127.0.0.1:{}", server.port());
 *     server.awaitClosed();
 * }
 * }</pre>
 */
public final class GdbServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("gdb");

    /**
     * Largest packet accepted, advertised as PacketSize. gdb sizes its m reads and qXfer
     * requests by it: 16 KiB lets an m read bring two 4 KiB pages in hex at once.
     */
    static final int MAX_PAYLOAD = 0x4000;

    /**
     * Threads answering requests, each serving the connections it was given in turn: several, so
     * that one slow request holds up few others.
     */
    private static final int WORKERS = Math.max(4, Runtime.getRuntime().availableProcessors());

    private final EventLoopGroup acceptor;
    private final EventLoopGroup network;
    private final EventExecutorGroup workers;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Channel listener;
    private final AtomicBoolean closed = new AtomicBoolean();

    private GdbServer(DebugTarget target, String host, int port) throws IOException {
        acceptor = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        network = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        workers = new DefaultEventExecutorGroup(WORKERS);
        PacketTable table = new PacketTable(new PacketHandlers(target, MAX_PAYLOAD));
        ServerBootstrap bootstrap = new ServerBootstrap()
            .group(acceptor, network)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    channels.add(ch);
                    ch.pipeline()
                        .addLast("rsp", new RspCodec(MAX_PAYLOAD, true))
                        .addLast("gdb", new GdbConnection(table, workers.next()));
                }
            });
        try {
            listener = bootstrap.bind(host, port).sync().channel();
        } catch (Exception e) {
            shutDown();
            throw new IOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        channels.add(listener);
        LOG.info("gdb server listening on {}", listener.localAddress());
    }

    /**
     * Starts listening.
     *
     * @param host address to bind, such as "127.0.0.1"
     * @param port TCP port, 0 for any free one (see {@link #port()})
     * @throws IOException if the address cannot be bound
     */
    public static GdbServer start(DebugTarget target, String host, int port) throws IOException {
        return new GdbServer(target, host, port);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** The port actually bound, also when 0 was asked for. */
    public int port() {
        return address().getPort();
    }

    /** Blocks until {@link #close()} is called from elsewhere. */
    public void awaitClosed() throws InterruptedException {
        listener.closeFuture().sync();
    }

    /** Stops listening, closes every client connection and stops the server's threads. */
    @Override
    public void close() {
        // Both the shutdown hook and the owner's try-with-resources close the server.
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        channels.close().awaitUninterruptibly();
        shutDown();
        LOG.info("gdb server stopped");
    }

    private void shutDown() {
        acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        network.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
