package dev.kdumpbridge.gdb;

import static dev.kdumpbridge.gdb.GdbClientIT.assertLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bad clients on raw sockets (random bytes, bad checksums, oversized packets, connections cut
 * in the middle of a packet) while a real gdb session goes on: none of it may reach the gdb.
 */
class GdbRobustnessIT {

    @RegisterExtension
    static final SyntheticServer server = new SyntheticServer();

    private static String frame(String payload) {
        return "$" + payload + "#" + String.format("%02x",
            Rsp.checksum(payload.getBytes(StandardCharsets.ISO_8859_1)));
    }

    private static Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", server.port());
        s.setSoTimeout(5000);
        return s;
    }

    /** Reads until {@code expected} has arrived or the socket times out; returns what came. */
    private static String readUntil(InputStream in, String expected) throws IOException {
        StringBuilder got = new StringBuilder();
        byte[] buf = new byte[4096];
        try {
            while (!got.toString().contains(expected)) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (SocketTimeoutException e) {
            // Return what came; the caller's assertion says what was missing.
        }
        return got.toString();
    }

    /** One bad client: each kind of abuse, then a check that its own connection still answers. */
    private static void abuse(int seed) throws IOException {
        Random random = new Random(seed);
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            byte[] noise = new byte[2000 + random.nextInt(5000)];
            random.nextBytes(noise);
            // Without '$' the noise is only skipped; with it, it is also partial packets.
            out.write(noise);
            out.write("#00$?#00$?#zz".getBytes(StandardCharsets.ISO_8859_1));
            out.write(frame("X0,4000:" + "A".repeat(3 * GdbServer.MAX_PAYLOAD)).getBytes(StandardCharsets.ISO_8859_1));
            out.write(frame("qC").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String got = readUntil(s.getInputStream(), frame("QC2"));
            assertTrue(got.contains(frame("QC2")), "no reply to qC after the noise, got: " + got);
        }
        try (Socket s = connect()) {
            // Cut off in the middle of a packet, with a reset rather than a clean close.
            s.getOutputStream().write("$qXfer:features:read:target.xml:0,".getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            s.setSoLinger(true, 0);
        }
        try (Socket s = connect()) {
            // Asks for a lot and leaves without reading it.
            for (int i = 0; i < 50; i++) {
                s.getOutputStream().write(frame("mffffffff81000000,2000").getBytes(StandardCharsets.ISO_8859_1));
            }
            s.getOutputStream().flush();
        }
    }

    @Test
    void badClientsDoNotDisturbAGdbSession() throws Exception {
        assumeTrue(Debuggers.installed("gdb"), "gdb is not installed");
        String[] commands = {"info threads", "shell sleep 1", "x/4gx 0xffffffff81000000",
            "shell sleep 1", "thread 3", "info registers rip", "shell sleep 1", "info threads"};
        String quiet = Debuggers.gdb(server.port(), commands);

        Debuggers.Running gdb = Debuggers.startGdb(server.port(), commands);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> abusers = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 8; i++) {
                int seed = round * 8 + i;
                abusers.add(pool.submit(() -> {
                    abuse(seed);
                    return null;
                }));
            }
        }
        for (Future<?> f : abusers) {
            f.get(2, TimeUnit.MINUTES);
        }
        pool.shutdown();
        String busy = gdb.finish();

        assertEquals(quiet, busy);
        assertLine(busy, "rip  0xffffffff81002000  0xffffffff81002000");
        assertLine(busy, "[Inferior 1 (Remote target) detached]");
        // And the server still takes new clients.
        assertLine(Debuggers.gdb(server.port(), "info registers rip"), "rip  0xffffffff81000010  0xffffffff81000010");
    }
}
