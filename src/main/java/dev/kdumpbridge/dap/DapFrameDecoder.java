package dev.kdumpbridge.dap;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Netty decoder of {@link ContentLength} frames into their JSON text; a bad header closes the connection. */
final class DapFrameDecoder extends ByteToMessageDecoder {
    private static final byte[] END_OF_HEADER = {'\r', '\n', '\r', '\n'};

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int headerEnd = indexOf(in);
        if (headerEnd < 0) {
            if (in.readableBytes() > ContentLength.MAX_HEADER) {
                throw new CorruptedFrameException("no end of header within " + ContentLength.MAX_HEADER + " bytes");
            }
            return;
        }
        int length;
        try {
            length = ContentLength.parse(in.toString(in.readerIndex(), headerEnd - in.readerIndex(), StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new CorruptedFrameException(e.getMessage());
        }
        int bodyStart = headerEnd + END_OF_HEADER.length;
        if (in.writerIndex() - bodyStart < length) {
            return;
        }
        out.add(in.toString(bodyStart, length, StandardCharsets.UTF_8));
        in.readerIndex(bodyStart + length);
    }

    private static int indexOf(ByteBuf in) {
        int end = Math.min(in.writerIndex(), in.readerIndex() + ContentLength.MAX_HEADER + END_OF_HEADER.length);
        for (int i = in.readerIndex(); i + END_OF_HEADER.length <= end; i++) {
            if (in.getByte(i) == '\r' && in.getByte(i + 1) == '\n' && in.getByte(i + 2) == '\r' && in.getByte(i + 3) == '\n') {
                return i;
            }
        }
        return -1;
    }
}
