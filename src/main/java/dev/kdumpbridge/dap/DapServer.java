package dev.kdumpbridge.dap;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves DAP over TCP: any number of sessions at once, each on its own connection with its own
 * {@link DapSession}. A session's disconnect or bad input ends that connection only; the server
 * goes on accepting.
 */
public final class DapServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("dap");

    private final EventLoopGroup acceptor;
    private final EventLoopGroup network;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Channel listener;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DapServer(TargetProvider targets, String host, int port) throws IOException {
        acceptor = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        network = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap()
            .group(acceptor, network)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    channels.add(ch);
                    DapSession session = new DapSession(targets, () -> ch.close());
                    DapEndpoint endpoint = new DapEndpoint(json -> ch.writeAndFlush(Unpooled.wrappedBuffer(
                        ContentLength.frame(json.getBytes(StandardCharsets.UTF_8)))), session);
                    ch.closeFuture().addListener(f -> endpoint.close());
                    ch.pipeline()
                        .addLast("frames", new DapFrameDecoder())
                        .addLast("session", new SimpleChannelInboundHandler<String>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, String json) {
                                endpoint.receive(json);
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                LOG.warn("closing DAP connection {}: {}", ctx.channel().remoteAddress(), cause.getMessage());
                                ctx.close();
                            }
                        });
                    LOG.info("DAP client connected from {}", ch.remoteAddress());
                }
            });
        try {
            listener = bootstrap.bind(host, port).sync().channel();
        } catch (Exception e) {
            shutDown();
            throw new IOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        channels.add(listener);
        LOG.info("DAP server listening on {}", listener.localAddress());
    }

    /**
     * @param port TCP port, 0 for any free one (see {@link #port()})
     * @throws IOException if the address cannot be bound
     */
    public static DapServer start(TargetProvider targets, String host, int port) throws IOException {
        return new DapServer(targets, host, port);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    public void awaitClosed() throws InterruptedException {
        listener.closeFuture().sync();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        channels.close().awaitUninterruptibly();
        shutDown();
        LOG.info("DAP server stopped");
    }

    private void shutDown() {
        acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        network.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
