package dev.kdumpbridge.arch.arm64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.PageMapping;
import dev.kdumpbridge.memory.PageTableWalker;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Arm64PageTablesTest {
    private static final long TABLE = 0b11;
    private static final long BLOCK = 0b01;
    private static final long PAGE = 0b11;
    /** Attribute bits a real descriptor carries (AF, SH, AttrIndx, UXN/PXN), which the walk must ignore. */
    private static final long ATTRIBUTES = 1L << 10 | 3L << 8 | 4L << 2 | 3L << 53;

    private final Map<Long, Long> entries = new HashMap<>();
    private final PageTableWalker.EntryReader reader = (level, address) -> {
        Long entry = entries.get(address);
        if (entry == null) {
            throw AddressFault.notMapped(address, level, "no table there in the test");
        }
        return entry;
    };

    private void entry(long table, long index, long value) {
        entries.put(table + index * 8, value);
    }

    private static long index(long va, int shift, int bits) {
        return (va >>> shift) & ((1L << bits) - 1);
    }

    @Test
    void fourKilobytePagesWith48BitsWalkFourLevelsAndStopAtBlocks() throws Exception {
        long va = 0xffff_8000_1234_5678L;
        long pgd = 0x4000_0000L;
        long pud = 0x4000_1000L;
        long pmd = 0x4000_2000L;
        long pte = 0x4000_3000L;
        entry(pgd, index(va, 39, 9), pud | TABLE);
        entry(pud, index(va, 30, 9), pmd | TABLE);
        entry(pmd, index(va, 21, 9), pte | TABLE);
        entry(pte, index(va, 12, 9), 0x8_7654_3000L | PAGE | ATTRIBUTES);
        Arm64PageTables tables = new Arm64PageTables(pgd, 12, 48, false);
        assertEquals(4, tables.levels());
        assertEquals(new PageMapping(va & ~0xfffL, 0x8_7654_3000L, 12), tables.walk(va, reader));

        long blockVa = 0xffff_8000_4020_0000L + 0x1234;
        entry(pgd, index(blockVa, 39, 9), pud | TABLE);
        entry(pud, index(blockVa, 30, 9), pmd | TABLE);
        entry(pmd, index(blockVa, 21, 9), 0x1_2340_0000L | BLOCK | ATTRIBUTES);
        assertEquals(new PageMapping(0xffff_8000_4020_0000L, 0x1_2340_0000L, 21), tables.walk(blockVa, reader));
    }

    @Test
    void sixtyFourKilobytePagesWith52BitPhysicalAddressesTakeTheTopBitsFromBits15To12() throws Exception {
        long va = 0xfff0_0000_0001_2345L;
        long pgd = 0x8000_0000L;
        long pmd = 0x8001_0000L;
        long pte = 0x8002_0000L;
        Arm64PageTables tables = new Arm64PageTables(pgd, 16, 52, true);
        assertEquals(3, tables.levels());
        entry(pgd, index(va, 42, 10), pmd | TABLE);
        entry(pmd, index(va, 29, 13), pte | TABLE);
        // PA 0x000f_1234_5678_0000: bits 51:48 (0xf) in descriptor bits 15:12.
        entry(pte, index(va, 16, 13), 0x1234_5678_0000L | 0xfL << 12 | PAGE);
        assertEquals(0x000f_1234_5678_0000L, tables.walk(va, reader).physicalBase());
    }

    @Test
    void lpa2KeepsPhysicalBits51To50InDescriptorBits9And8() {
        Arm64PageTables tables = new Arm64PageTables(0x1000, 12, 52, true);
        assertEquals(5, tables.levels());
        assertEquals(0x000c_0001_2345_6000L, tables.outputAddress(0x0001_2345_6000L | 3L << 8 | PAGE, 12));
    }

    @Test
    void invalidEntriesUserAddressesAndMisplacedBlocksAreFaultsThatSayWhere() {
        Arm64PageTables tables = new Arm64PageTables(0x4000_0000L, 12, 48, false);
        long va = 0xffff_8000_0000_0000L;
        entry(0x4000_0000L, index(va, 39, 9), 0);
        AddressFault invalid = assertThrows(AddressFault.class, () -> tables.walk(va, reader));
        assertTrue(invalid.getMessage().contains("pgd entry 256"), invalid.getMessage());
        AddressFault user = assertThrows(AddressFault.class, () -> tables.walk(0x0000_7fff_0000_0000L, reader));
        assertTrue(user.getMessage().contains("not a kernel address"), user.getMessage());
        entry(0x4000_0000L, index(va, 39, 9), 0x8000_0000L | BLOCK);
        AddressFault block = assertThrows(AddressFault.class, () -> tables.walk(va, reader));
        assertTrue(block.getMessage().contains("cannot hold"), block.getMessage());
    }

    @Test
    void levelsFollowTheKernelsTableOfGranuleAndVirtualAddressBits() {
        assertEquals(3, new Arm64PageTables(0, 12, 39, false).levels());
        assertEquals(2, new Arm64PageTables(0, 14, 36, false).levels());
        assertEquals(3, new Arm64PageTables(0, 14, 47, false).levels());
        assertEquals(4, new Arm64PageTables(0, 14, 48, false).levels());
        assertEquals(2, new Arm64PageTables(0, 16, 42, false).levels());
        assertEquals(3, new Arm64PageTables(0, 16, 48, false).levels());
    }
}
