package dev.kdumpbridge.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.dump.MemoryFault;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.AddressSpace;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.memory.PageMapping;
import dev.kdumpbridge.memory.PageTableWalker;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class X86_64PageTablesTest {
    private static final long TEXT = 0xffffffff81000000L;
    private static final long DIRECT = 0xffff888000000000L;
    private static final long VMALLOC = 0xffffc90000000000L;

    /** Reads entries straight from the synthetic memory, as X86_64Paging's scan does from a dump. */
    private static PageTableWalker.EntryReader entries(SyntheticPageTables tables) {
        return (level, address) -> {
            byte[] entry = new byte[8];
            try {
                tables.read(address, entry, 0, 8);
            } catch (MemoryFault e) {
                throw new AssertionError("these tests exclude no table", e);
            }
            return ByteBuffer.wrap(entry).order(ByteOrder.LITTLE_ENDIAN).getLong();
        };
    }

    private static KernelMemory memory(SyntheticPageTables tables, int levels, long smeMask) {
        return AddressSpace.paged(tables, ByteOrder.LITTLE_ENDIAN, new X86_64PageTables(tables.root, levels, smeMask));
    }

    @ParameterizedTest(name = "{0}-level")
    @ValueSource(ints = {4, 5})
    void mapsFourKilobytePages(int levels) throws Exception {
        SyntheticPageTables tables = new SyntheticPageTables(levels);
        tables.map(VMALLOC + 0x5000, 0x7654000, 12);
        tables.fill(0x7654ff7, "stack end".getBytes(StandardCharsets.US_ASCII));

        KernelMemory memory = memory(tables, levels, 0);
        assertEquals(new PageMapping(VMALLOC + 0x5000, 0x7654000, 12), memory.translate(VMALLOC + 0x5123));
        assertEquals("stack end", new String(memory.read(VMALLOC + 0x5ff7, 9), StandardCharsets.US_ASCII));
        // One entry per level, no more.
        assertEquals(levels, tables.reads);
    }

    @Test
    void mapsTwoMegabytePagesAndIgnoresTheirPatBit() throws Exception {
        SyntheticPageTables tables = new SyntheticPageTables(4);
        tables.map(TEXT, 0x1000000, 21);
        long pmd = tables.tableAt(TEXT, 2);
        int index = (int) (TEXT >>> 21) & 511;
        // Bit 12 of a large-page entry is PAT, not an address bit.
        tables.setEntry(pmd, index, tables.entry(pmd, index) | 1L << 12);

        PageMapping page = memory(tables, 4, 0).translate(TEXT + 0x1abcde);
        assertEquals(new PageMapping(TEXT, 0x1000000, 21), page);
        assertEquals(0x11abcde, page.physical(TEXT + 0x1abcde));
    }

    @Test
    void mapsOneGigabytePages() throws Exception {
        SyntheticPageTables tables = new SyntheticPageTables(4);
        tables.map(DIRECT, 0, 30);
        tables.map(DIRECT + (1L << 30), 0x80000000L, 30);

        KernelMemory memory = memory(tables, 4, 0);
        assertEquals(0x3fffffffL, memory.translate(DIRECT + 0x3fffffffL).physical(DIRECT + 0x3fffffffL));
        assertEquals(0x80000010L, memory.translate(DIRECT + (1L << 30) + 0x10).physical(DIRECT + (1L << 30) + 0x10));
    }

    @Test
    void aReadAcrossPagesOfDifferentSizesTranslatesEach() throws Exception {
        SyntheticPageTables tables = new SyntheticPageTables(4);
        // A 4 KiB page right below a 2 MiB page, backed by unrelated physical memory.
        tables.map(DIRECT + 0x1ff000, 0x9000, 12);
        tables.map(DIRECT + 0x200000, 0x4000000, 21);
        tables.fill(0x9ffc, new byte[] {1, 2, 3, 4});
        tables.fill(0x4000000, new byte[] {5, 6, 7, 8});

        byte[] bytes = memory(tables, 4, 0).read(DIRECT + 0x1ffffc, 8);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, bytes);
    }

    @ParameterizedTest(name = "missing {0}")
    @ValueSource(strings = {"pgd", "pud", "pmd", "pte"})
    void aMissingEntryNamesTheVirtualAddressAndTheLevel(String level) throws Exception {
        SyntheticPageTables tables = new SyntheticPageTables(4);
        long va = VMALLOC + 0x123456789L;
        tables.map(va & -4096, 0x5000, 12);
        int depth = List.of("pgd", "pud", "pmd", "pte").indexOf(level);
        long table = tables.tableAt(va, depth);
        tables.setEntry(table, (int) (va >>> (12 + 9 * (3 - depth))) & 511, 0);

        AddressFault fault = assertThrows(AddressFault.class, () -> memory(tables, 4, 0).read(va, 8));
        assertEquals(va, fault.address());
        assertEquals(AddressFault.Space.VIRTUAL, fault.space());
        assertEquals(AddressFault.Reason.NOT_MAPPED, fault.reason());
        assertEquals(Optional.of(level), fault.level());
        assertTrue(fault.getMessage().startsWith(String.format("virtual 0x%x: not mapped: %s entry", va, level)),
                fault.getMessage());
    }

    @Test
    void anExcludedTablePageIsReportedAsExcludedAtItsLevel() throws Exception {
        SyntheticPageTables tables = new SyntheticPageTables(4);
        tables.map(VMALLOC, 0x5000, 12);
        long pmd = tables.tableAt(VMALLOC, 2);
        tables.exclude(pmd);

        AddressFault fault = assertThrows(AddressFault.class, () -> memory(tables, 4, 0).read(VMALLOC + 8, 8));
        assertEquals(VMALLOC + 8, fault.address());
        assertEquals(AddressFault.Reason.EXCLUDED, fault.reason());
        assertEquals(Optional.of("pmd"), fault.level());
        assertEquals(OptionalLong.of(pmd), fault.physicalAddress());
    }

    @Test
    void nonCanonicalAddressesAreNotMappedWithoutAWalk() {
        SyntheticPageTables tables = new SyntheticPageTables(4);
        long va = 0xff11000000000000L;

        AddressFault fault = assertThrows(AddressFault.class, () -> memory(tables, 4, 0).read(va, 1));
        assertEquals(AddressFault.Reason.NOT_MAPPED, fault.reason());
        assertEquals(Optional.empty(), fault.level());
        assertEquals(0, tables.reads);
        assertFalse(new X86_64PageTables(tables.root, 4, 0).canonical(va));
        // The 5-level direct map's default base is canonical there.
        assertTrue(new X86_64PageTables(tables.root, 5, 0).canonical(va));
    }

    @Test
    void fiveLevelTablesTranslateAddressesBeyondFourLevels() throws Exception {
        SyntheticPageTables tables = new SyntheticPageTables(5);
        long va = 0xff11000000000000L;
        tables.map(va, 0x2000000, 21);

        PageMapping page = memory(tables, 5, 0).translate(va + 0x100);
        assertEquals(0x2000100, page.physical(va + 0x100));
        // pgd, p4d, pud, pmd.
        assertEquals(4, tables.reads);
    }

    @Test
    void theSmeEncryptionBitIsNotPartOfTheAddress() throws Exception {
        long sme = 1L << 47;
        SyntheticPageTables tables = new SyntheticPageTables(4);
        tables.map(VMALLOC, 0x5000, 12);
        long pte = tables.tableAt(VMALLOC, 3);
        tables.setEntry(pte, 0, tables.entry(pte, 0) | sme);
        long pmd = tables.tableAt(VMALLOC, 2);
        tables.setEntry(pmd, 0, tables.entry(pmd, 0) | sme);

        assertEquals(0x5000, memory(tables, 4, sme).translate(VMALLOC).physicalBase());
    }

    @Test
    void aPageSizeBitInTheTopLevelIsReservedAndFaults() {
        SyntheticPageTables tables = new SyntheticPageTables(4);
        tables.setEntry(tables.root, 511, 0x40000000L | SyntheticPageTables.PRESENT_WRITABLE | SyntheticPageTables.PS);

        AddressFault fault = assertThrows(AddressFault.class, () -> memory(tables, 4, 0).translate(TEXT));
        assertEquals(AddressFault.Reason.NOT_MAPPED, fault.reason());
        assertEquals(Optional.of("pgd"), fault.level());
    }

    @Test
    void aSelfReferencingTableEndsAfterOneEntryPerLevel() throws Exception {
        SyntheticPageTables tables = new SyntheticPageTables(4);
        // The recursive mapping trick: the last pgd entry points at the pgd itself, so the walk of
        // an address made of that index at every level keeps coming back to the same table.
        tables.setEntry(tables.root, 511, tables.root | SyntheticPageTables.PRESENT_WRITABLE);
        long va = 0xfffffffffffff000L;

        PageMapping page = memory(tables, 4, 0).translate(va);
        assertEquals(new PageMapping(va, tables.root, 12), page);
        assertEquals(4, tables.reads);
    }

    @Test
    void theDirectMapIsTheLowestGigabyteThatStartsWithPhysicalZero() throws Exception {
        long base = 0xffff9a4b40000000L;
        SyntheticPageTables tables = new SyntheticPageTables(4);
        // Below it, something that maps other memory (an LDT remap, say).
        tables.map(0xffff880000000000L, 0x7000, 12);
        // The direct map, its first 2 MiB in 4 KiB pages from physical page 1 on (page 0 is
        // reserved and may be unmapped), the rest in 2 MiB pages.
        for (long page = 0x1000; page < 0x200000; page += 0x1000) {
            tables.map(base + page, page, 12);
        }
        tables.map(base + 0x200000, 0x200000, 21);
        // The kernel image maps physical 0x1000000, vmalloc some page; both are higher.
        tables.map(TEXT, 0x1000000, 21);
        tables.map(VMALLOC, 0, 12);

        X86_64PageTables walker = new X86_64PageTables(tables.root, 4, 0);
        assertEquals(OptionalLong.of(base), walker.findDirectMap(entries(tables), 1 << 16));
    }

    @Test
    void aDirectMapScanStopsWhenItsBudgetIsSpent() throws Exception {
        SyntheticPageTables tables = new SyntheticPageTables(4);
        tables.map(DIRECT, 0, 30);
        X86_64PageTables walker = new X86_64PageTables(tables.root, 4, 0);

        // The direct map is behind the 18th entry of the kernel half: 17 reads do not get there.
        assertEquals(OptionalLong.empty(), walker.findDirectMap(entries(tables), 17));
        assertEquals(17, tables.reads);
    }
}
