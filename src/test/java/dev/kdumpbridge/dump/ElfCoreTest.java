package dev.kdumpbridge.dump;

import static dev.kdumpbridge.dump.SyntheticDumps.pageContent;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.dump.SyntheticDumps.Elf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElfCoreTest {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    @TempDir
    Path dir;

    private DumpFile open(String name, byte[] bytes) throws Exception {
        return Dumps.open(Files.write(dir.resolve(name), bytes));
    }

    @Test
    void readsSegmentsByPhysicalAddress() throws Exception {
        try (DumpFile dump = open("vmcore", Elf.standard().build())) {
            assertArrayEquals(pageContent(1, 4096), dump.read(0x1000, 4096));
            byte[] across = dump.read(0x1ff0, 32);
            assertArrayEquals(Arrays.copyOfRange(pageContent(1, 4096), 4096 - 16, 4096), Arrays.copyOf(across, 16));
            assertArrayEquals(Arrays.copyOf(pageContent(2, 4096), 16), Arrays.copyOfRange(across, 16, 32));
            assertArrayEquals(pageContent(16, 4096), dump.read(0x10000, 4096));
            assertEquals(List.of(new PhysRange(0x1000, 0x3000), new PhysRange(0x10000, 0x13000)), dump.physicalRanges());
        }
    }

    @Test
    void memoryBeyondFileSizeIsExcludedAndGapsAreNotInTheDump() throws Exception {
        try (DumpFile dump = open("vmcore", Elf.standard().build())) {
            KdumpCompressedTest.assertFault(dump, 0x11000, MemoryFault.Reason.EXCLUDED);
            KdumpCompressedTest.assertFault(dump, 0x3000, MemoryFault.Reason.NOT_IN_DUMP);
            KdumpCompressedTest.assertFault(dump, 0, MemoryFault.Reason.NOT_IN_DUMP);
            MemoryFault fault = assertThrows(MemoryFault.class, () -> dump.read(0x10ff0, 32));
            assertEquals(0x11000, fault.address());
            assertEquals(MemoryFault.Reason.EXCLUDED, dump.probe(0x12fff).orElseThrow().reason());
        }
    }

    @Test
    void notesGiveRegistersAndVmcoreinfo() throws Exception {
        try (DumpFile dump = open("vmcore", Elf.standard().build())) {
            DumpInfo info = dump.info();
            assertEquals(DumpKind.ELF_VMCORE, info.kind());
            assertEquals("ELF vmcore", info.formatName());
            assertEquals("x86_64", info.machine());
            assertEquals(4096, info.pageSize());
            assertFalse(info.incomplete());
            assertEquals(List.of(101, 202), dump.prstatus().stream().map(n -> n.descriptorBuffer().getInt(32)).toList());
            VmcoreInfo vi = dump.vmcoreInfo().orElseThrow();
            assertEquals(436207616L, vi.number("NUMBER(phys_base)").orElseThrow());
            assertEquals(0xffffffff82a0a000L, vi.symbol("swapper_pg_dir").orElseThrow());
            assertEquals(2, dump.loadSegments().size());
            assertTrue(dump.liveVirtualMemory().isEmpty());
        }
    }

    @Test
    void aTruncatedFileFaultsWhereTheBytesEnd() throws Exception {
        byte[] whole = Elf.standard().build();
        byte[] cut = Arrays.copyOf(whole, whole.length - 4096 - 100);
        try (DumpFile dump = open("cut", cut)) {
            assertTrue(dump.info().incomplete());
            assertFalse(dump.info().warnings().isEmpty());
            assertArrayEquals(pageContent(1, 4096), dump.read(0x1000, 4096));
            MemoryFault fault = assertThrows(MemoryFault.class, () -> dump.read(0x2000, 4096));
            assertEquals(MemoryFault.Reason.TRUNCATED, fault.reason());
            assertEquals(0x2000 + 4096 - 100, fault.address());
            KdumpCompressedTest.assertFault(dump, 0x10000, MemoryFault.Reason.TRUNCATED);
        }
    }

    @Test
    void makedumpfileIncompleteFlagIsReported() throws Exception {
        Elf e = Elf.standard();
        e.flags = ElfHeader.FLAG_INCOMPLETE;
        try (DumpFile dump = open("incomplete", e.build())) {
            assertTrue(dump.info().incomplete());
            assertEquals(1, dump.info().elfHeader().orElseThrow().flags());
        }
    }

    @Test
    void qemuPnXnumHeadersAreFollowed() throws Exception {
        Elf e = Elf.standard();
        e.pnXnum = true;
        try (DumpFile dump = open("xnum", e.build())) {
            assertEquals(3, dump.info().elfHeader().orElseThrow().programHeaders());
            assertArrayEquals(pageContent(16, 4096), dump.read(0x10000, 4096));
        }
    }

    @Test
    void qemuDumpsTreatTheTailAsBeyondRam() throws Exception {
        Elf e = new Elf().notes(List.of(SyntheticDumps.note("CORE", 1, new byte[336], LE),
                SyntheticDumps.note("QEMU", 0, new byte[432], LE)));
        e.load(0, 0, pageContent(0, 4096), 0x2000);
        try (DumpFile dump = open("qemu.elf", e.build())) {
            assertEquals("ELF vmcore (QEMU dump-guest-memory)", dump.info().formatName());
            assertEquals(1, dump.notes(ElfNote.QEMU, 0).size());
            KdumpCompressedTest.assertFault(dump, 0x1000, MemoryFault.Reason.NOT_IN_DUMP);
        }
    }

    @Test
    void overlappingKernelTextSegmentReadsTheSameRam() throws Exception {
        Elf e = Elf.standard();
        // Kernel text mapped at 0xffffffff81000000 covering physical 0x2000 (inside RAM).
        e.load(0xffffffff81000000L, 0x2000, pageContent(2, 4096), 0x1000);
        try (DumpFile dump = open("text", e.build())) {
            assertArrayEquals(pageContent(2, 4096), dump.read(0x2000, 4096));
            assertArrayEquals(pageContent(1, 4096), dump.read(0x1000, 4096));
            assertEquals(List.of(new PhysRange(0x1000, 0x3000), new PhysRange(0x10000, 0x13000)), dump.physicalRanges());
        }
    }

    @Test
    void kcoreIsRecognisedByItsNotesAndReadVirtually() throws Exception {
        byte[] prpsinfo = new byte[136];
        ByteBuffer.wrap(prpsinfo).put(40, "vmlinux".getBytes());
        Elf e = new Elf().notes(List.of(SyntheticDumps.note("CORE", 1, new byte[336], LE),
                SyntheticDumps.note("CORE", 3, prpsinfo, LE),
                SyntheticDumps.note("CORE", 4, new byte[64], LE)));
        e.load(0xffffffff81000000L, 0x1000000, pageContent(1, 4096), 4096);      // text
        e.load(0xffffc90000000000L, -1, pageContent(2, 4096), 4096);             // vmalloc
        e.load(0xffff888001000000L, 0x1000000, pageContent(1, 4096), 4096);      // direct map
        try (DumpFile dump = open("kcore-copy", e.build())) {
            assertEquals(DumpKind.KCORE, dump.info().kind());
            assertTrue(dump.prstatus().isEmpty(), "kcore's prstatus is all zeros");
            VirtualMemory vm = dump.liveVirtualMemory().orElseThrow();
            assertEquals(3, vm.segments().size());
            byte[] buf = new byte[4096];
            vm.read(0xffffc90000000000L, buf, 0, 4096);
            assertArrayEquals(pageContent(2, 4096), buf);
            MemoryFault f = assertThrows(MemoryFault.class, () -> vm.read(0xffffc90000001000L, buf, 0, 1));
            assertEquals(MemoryFault.Reason.NOT_IN_DUMP, f.reason());
            assertArrayEquals(pageContent(1, 4096), dump.read(0x1000000, 4096));
            assertEquals(List.of(new PhysRange(0x1000000, 0x1001000)), dump.physicalRanges());
        }
    }

    @Test
    void aNonCoreElfIsRefused() throws Exception {
        Elf e = Elf.standard();
        e.type = 2;
        DumpFormatException ex = assertThrows(DumpFormatException.class, () -> open("a.out", e.build()));
        assertTrue(ex.getMessage().contains("offset 16: e_type 2"), ex.getMessage());
    }

    @Test
    void aWildProgramHeaderCountIsRefusedBeforeReading() throws Exception {
        byte[] bytes = Elf.standard().build();
        ByteBuffer.wrap(bytes).order(LE).putShort(56, (short) 0xfffe);
        DumpFormatException ex = assertThrows(DumpFormatException.class, () -> open("phnum", bytes));
        assertTrue(ex.getMessage().contains("65534 program headers"), ex.getMessage());
    }

    @Test
    void bigEndianCoresAreReadInTheirOrder() throws Exception {
        Elf e = new Elf();
        e.order = ByteOrder.BIG_ENDIAN;
        e.machine = 22;
        e.notes(SyntheticDumps.standardNotes(ByteOrder.BIG_ENDIAN));
        e.load(0x4000, 0x4000, pageContent(4, 4096), 4096);
        try (DumpFile dump = open("s390", e.build())) {
            assertEquals("s390x", dump.info().machine());
            assertEquals(202, dump.prstatus().get(1).descriptorBuffer().getInt(32));
            assertArrayEquals(pageContent(4, 4096), dump.read(0x4000, 4096));
        }
    }
}
