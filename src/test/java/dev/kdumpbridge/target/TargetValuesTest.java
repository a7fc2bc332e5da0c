package dev.kdumpbridge.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TargetValuesTest {

    @Test
    void threadIdsLeaveRoomForAnyAndAll() {
        assertThrows(IllegalArgumentException.class, () -> new TargetThread(0, "swapper/0", 0, ""));
        assertThrows(IllegalArgumentException.class, () -> new TargetThread(-1, "x", 0, ""));
        assertThrows(IllegalArgumentException.class, () -> new TargetThread(1, "x", -2, ""));
        assertTrue(new TargetThread(1, "x", 3, "").hasCore());
        assertTrue(!new TargetThread(1, "x", TargetThread.NO_CORE, "").hasCore());
    }

    @Test
    void memoryReadTellsWhereItStopped() {
        assertEquals(Optional.empty(), MemoryRead.complete(8).fault());
        MemoryRead partial = MemoryRead.stopped(3, 0x1003, "excluded by makedumpfile");
        assertEquals(3, partial.length());
        assertEquals(new MemoryRead.Fault(0x1003, "excluded by makedumpfile"), partial.fault().orElseThrow());
        assertThrows(IllegalArgumentException.class, () -> MemoryRead.complete(-1));
    }

    @Test
    void sectionOffsetsOfASingleSlide() {
        assertEquals(new SectionOffsets(0x1e000000, 0x1e000000), SectionOffsets.slide(0x1e000000));
    }

    @Test
    void defaultThreadLookupAndOptionalCapabilities() {
        List<TargetThread> threads = List.of(new TargetThread(5, "a", 0, ""), new TargetThread(9, "b", 1, ""));
        DebugTarget target = new DebugTarget() {
            @Override
            public Architecture architecture() {
                return dev.kdumpbridge.arch.x86_64.X86_64Architecture.ARCHITECTURE;
            }

            @Override
            public List<TargetThread> threads() {
                return threads;
            }

            @Override
            public long stopThread() {
                return 9;
            }

            @Override
            public StopReason stopReason() {
                return new StopReason(StopReason.Kind.PANIC, "Kernel panic - not syncing: sysrq");
            }

            @Override
            public Optional<RegisterSet> registers(long threadId) {
                return Optional.empty();
            }

            @Override
            public MemoryRead readMemory(long address, byte[] dst, int offset, int length) {
                return MemoryRead.complete(length);
            }
        };
        assertEquals("b", target.thread(9).orElseThrow().name());
        assertTrue(target.thread(6).isEmpty());
        assertTrue(target.sectionOffsets().isEmpty());
        assertTrue(target.monitorCommands().isEmpty());
        target.refreshThreads();
        assertEquals(threads, target.threads());
    }
}
