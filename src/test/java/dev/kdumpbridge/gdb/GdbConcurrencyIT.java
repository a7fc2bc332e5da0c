package dev.kdumpbridge.gdb;

import static dev.kdumpbridge.gdb.GdbClientIT.assertLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Many gdb clients at once, each with its own selected thread: no one sees another's state. */
class GdbConcurrencyIT {

    private static final int CLIENTS = 12;
    private static final String[] RIP = {"0xffffffff81000100", "0xffffffff81000010", "0xffffffff81002000"};

    @RegisterExtension
    static final SyntheticServer server = new SyntheticServer();

    @Test
    void clientsAtOnceGetTheSameAnswers() {
        assumeTrue(Debuggers.installed("gdb"), "gdb is not installed");
        List<Debuggers.Running> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            int thread = i % 3 + 1;
            clients.add(Debuggers.startGdb(server.port(), "info threads", "thread " + thread,
                "info registers rip", "x/64gx 0xffffffff81000000", "thread " + thread,
                "info registers rip", "monitor ps"));
        }
        List<String> outputs = clients.stream().map(Debuggers.Running::finish).toList();
        for (int i = 0; i < CLIENTS; i++) {
            String out = outputs.get(i);
            assertEquals(outputs.get(i % 3), out, "client " + i + " differs from client " + i % 3);
            assertLine(out, "rip  " + RIP[i % 3] + "  " + RIP[i % 3]);
            assertLine(out, "0xffffffff810001f0:\t0xf7f6f5f4f3f2f1f0\t0xfffefdfcfbfaf9f8");
            assertLine(out, "3 pid 57 comm kworker/u8:2 state I");
            assertLine(out, "[Inferior 1 (Remote target) detached]");
        }
    }
}
