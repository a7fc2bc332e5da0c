package dev.kdumpbridge.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.DumpInfo;
import dev.kdumpbridge.dump.DumpKind;
import dev.kdumpbridge.dump.ElfNote;
import dev.kdumpbridge.dump.LoadSegment;
import dev.kdumpbridge.dump.MemoryFault;
import dev.kdumpbridge.dump.PhysRange;
import dev.kdumpbridge.dump.VirtualMemory;
import dev.kdumpbridge.dump.VmcoreInfo;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PageCensusTest {

    /** A dump that only answers probes: page n is stored, excluded or missing by n % 4. */
    private static final class ProbedDump implements DumpFile {
        final List<PhysRange> ranges;
        final List<Long> probed = new ArrayList<>();

        ProbedDump(List<PhysRange> ranges) {
            this.ranges = ranges;
        }

        @Override
        public DumpInfo info() {
            return new DumpInfo("synthetic", DumpKind.KDUMP_COMPRESSED, List.of(Path.of("synthetic")), false,
                    Set.of(), OptionalInt.of(31), 4096, OptionalInt.of(6), false, "x86_64",
                    ByteOrder.LITTLE_ENDIAN, List.of(), Optional.empty(), List.of());
        }

        @Override
        public List<PhysRange> physicalRanges() {
            return ranges;
        }

        @Override
        public Optional<MemoryFault> probe(long physAddr) {
            probed.add(physAddr);
            return switch ((int) (physAddr / 4096 % 4)) {
                case 0 -> Optional.empty();
                case 1 -> Optional.of(new MemoryFault(physAddr, MemoryFault.Reason.EXCLUDED, "excluded"));
                case 2 -> Optional.of(new MemoryFault(physAddr, MemoryFault.Reason.TRUNCATED, "incomplete"));
                default -> Optional.of(new MemoryFault(physAddr, MemoryFault.Reason.NOT_IN_DUMP, "hole"));
            };
        }

        @Override
        public List<ElfNote> notes() {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<ElfNote> prstatus() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<VmcoreInfo> vmcoreInfo() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void read(long physAddr, byte[] dst, int off, int len) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<LoadSegment> loadSegments() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<VirtualMemory> liveVirtualMemory() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void countsEveryPageOnceByWhatTheDumpSaysOfIt() throws Exception {
        // Two ELF-like ranges that share page 2 (one ends and the other starts inside it).
        ProbedDump dump = new ProbedDump(List.of(new PhysRange(0, 0x2800), new PhysRange(0x2c00, 0x8000)));

        PageCensus census = PageCensus.count(dump, 100).orElseThrow();
        assertEquals(new PageCensus(4096, 8, 2, 2, 2, 2), census);
        assertEquals(List.of(0L, 0x1000L, 0x2000L, 0x3000L, 0x4000L, 0x5000L, 0x6000L, 0x7000L), dump.probed);
    }

    @Test
    void aDumpLargerThanTheLimitIsNotProbed() throws Exception {
        ProbedDump dump = new ProbedDump(List.of(new PhysRange(0, 1L << 40)));

        assertEquals(Optional.empty(), PageCensus.count(dump, 1 << 20));
        assertEquals(List.of(), dump.probed);
    }
}
