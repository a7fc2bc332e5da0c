package dev.kdumpbridge.dap;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * One DAP session over a pair of streams, the way editors start adapters: requests on stdin,
 * responses and events on stdout (so logs must go to stderr). It ends at the client's disconnect
 * or when stdin closes.
 */
public final class DapStdio {
    private DapStdio() {
    }

    /** Serves one session until it disconnects or the input ends. */
    public static void serve(TargetProvider targets, InputStream in, OutputStream out) throws IOException {
        CountDownLatch disconnected = new CountDownLatch(1);
        DapSession session = new DapSession(targets, disconnected::countDown);
        DapEndpoint endpoint = new DapEndpoint(json -> write(out, json), session);
        Thread reader = new Thread(() -> {
            try {
                String json;
                while ((json = next(in)) != null) {
                    endpoint.receive(json);
                }
            } catch (IOException | IllegalArgumentException e) {
                session.tell("kdump-bridge stops reading: " + e.getMessage());
            }
            disconnected.countDown();
        }, "dap-stdin");
        reader.setDaemon(true);
        reader.start();
        try {
            disconnected.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        endpoint.close();
        out.flush();
    }

    private static void write(OutputStream out, String json) {
        synchronized (out) {
            try {
                out.write(ContentLength.frame(json.getBytes(StandardCharsets.UTF_8)));
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("writing to the DAP client", e);
            }
        }
    }

    /** The next message's JSON, or null at the end of the input. */
    static String next(InputStream in) throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                if (header.size() == 0) {
                    return null;
                }
                throw new IOException("the input ended inside a message header");
            }
            header.write(b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
            if (header.size() > ContentLength.MAX_HEADER) {
                throw new IllegalArgumentException("no end of header within " + ContentLength.MAX_HEADER + " bytes");
            }
        }
        int length = ContentLength.parse(header.toString(StandardCharsets.US_ASCII));
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw new IOException("the input ended inside a message body");
        }
        return new String(body, StandardCharsets.UTF_8);
    }
}
