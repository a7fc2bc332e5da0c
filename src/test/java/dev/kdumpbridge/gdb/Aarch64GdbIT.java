package dev.kdumpbridge.gdb;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kdumpbridge.arch.arm64.Arm64Architecture;
import dev.kdumpbridge.target.Architecture;
import dev.kdumpbridge.target.DebugTarget;
import dev.kdumpbridge.target.MemoryRead;
import dev.kdumpbridge.target.RegisterSet;
import dev.kdumpbridge.target.StopReason;
import dev.kdumpbridge.target.TargetThread;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * gdb-multiarch and LLDB against the server on a one-thread aarch64 target: they accept our
 * aarch64 target description and read the registers where it says they are.
 */
class Aarch64GdbIT {

    /** One task on CPU 0, with x0 = 0x100, x29 = 0xffff800008003f00, sp, pc and cpsr set. */
    private static final class Arm64Target implements DebugTarget {
        @Override
        public Architecture architecture() {
            return Arm64Architecture.ARCHITECTURE;
        }

        @Override
        public List<TargetThread> threads() {
            return List.of(new TargetThread(1, "swapper/0", 0, "pid 0 swapper/0, running on CPU 0"));
        }

        @Override
        public long stopThread() {
            return 1;
        }

        @Override
        public StopReason stopReason() {
            return new StopReason(StopReason.Kind.PAUSED, "a synthetic arm64 target");
        }

        @Override
        public Optional<RegisterSet> registers(long threadId) {
            return Optional.of(RegisterSet.builder(Arm64Architecture.ARCHITECTURE)
                .set("x0", 0x100).set("x29", 0xffff800008003f00L).set("x30", 0xffff800008010230L)
                .set("sp", 0xffff800008003f00L).set("pc", 0xffff800008010200L).set("cpsr", 0x600003c5L).build());
        }

        @Override
        public MemoryRead readMemory(long address, byte[] dst, int offset, int length) {
            return MemoryRead.stopped(0, address, "no memory in this test");
        }
    }

    @Test
    void gdbMultiarchReadsTheAarch64Registers() throws Exception {
        assumeTrue(Debuggers.installed("gdb-multiarch"), "gdb-multiarch is not installed");
        try (GdbServer server = GdbServer.start(new Arm64Target(), "127.0.0.1", 0)) {
            String out = Debuggers.gdbMultiarch("aarch64", server.port(), "info registers x0 x29 sp pc cpsr", "info threads");
            assertTrue(out.contains("x0             0x100               256"), out);
            assertTrue(out.contains("sp             0xffff800008003f00  0xffff800008003f00"), out);
            assertTrue(out.contains("pc             0xffff800008010200  0xffff800008010200"), out);
            assertTrue(out.matches("(?s).*cpsr +0x600003c5 +\\[ EL=1 SP D A I F Z C \\].*")
                || out.matches("(?s).*cpsr +0x600003c5 .*"), out);
            assertTrue(out.contains("swapper/0"), out);
        }
    }

    @Test
    void lldbTakesTheAarch64TripleAndRegisters() throws Exception {
        assumeTrue(Debuggers.installed("lldb"), "lldb is not installed");
        try (GdbServer server = GdbServer.start(new Arm64Target(), "127.0.0.1", 0)) {
            String out = Debuggers.lldb(server.port(), "register read pc sp x0", "target list");
            assertTrue(out.contains("pc = 0xffff800008010200"), out);
            assertTrue(out.contains("x0 = 0x0000000000000100"), out);
            assertTrue(out.contains("aarch64"), out);
        }
    }
}
