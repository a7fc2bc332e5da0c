package dev.kdumpbridge.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kdumpbridge.dump.LoadSegment;
import dev.kdumpbridge.dump.MemoryFault;
import dev.kdumpbridge.dump.VirtualMemory;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AddressSpaceTest {
    private static final long BASE = 0xffffc90000000000L;
    private static final long PAGE = 4096;

    /** Physical byte {@code pa} holds {@code pa * 7}, so every byte says where it came from. */
    private static byte content(long physical) {
        return (byte) (physical * 7);
    }

    /** Physical memory of {@link #content}, with one page missing from the dump. */
    private static final class Physical implements PhysicalMemory {
        final AtomicInteger reads = new AtomicInteger();
        long missingPage = -1;

        @Override
        public void read(long physicalAddress, byte[] dst, int off, int len) throws MemoryFault {
            reads.incrementAndGet();
            for (int i = 0; i < len; i++) {
                long at = physicalAddress + i;
                if ((at & -PAGE) == missingPage) {
                    throw new MemoryFault(at, MemoryFault.Reason.EXCLUDED, "excluded by makedumpfile (dump_level 31)");
                }
                dst[off + i] = content(at);
            }
        }
    }

    /**
     * Virtual page n of BASE maps physical page 100 + 3n (so neighbours are not contiguous); pages
     * from 512 on (BASE + 2 MiB) are 2 MiB pages; page 10 is not mapped; a walk reads one entry at physical 8 * n.
     */
    private static final class Walker implements PageTableWalker {
        final AtomicInteger walks = new AtomicInteger();

        @Override
        public PageMapping walk(long va, EntryReader tables) throws AddressFault, IOException {
            walks.incrementAndGet();
            long n = (va - BASE) / PAGE;
            tables.read("pte", 8 * n);
            if (n == 10) {
                throw AddressFault.notMapped(va, "pte", "entry is 0");
            }
            if (n >= 512) {
                long huge = va & -(1L << 21);
                return new PageMapping(huge, 0x40000000L + (huge - BASE), 21);
            }
            return new PageMapping(BASE + n * PAGE, (100 + 3 * n) * PAGE, 12);
        }

        @Override
        public int[] pageShifts() {
            return new int[] {12, 21};
        }
    }

    private static long physicalOf(long va) {
        long n = (va - BASE) / PAGE;
        return n >= 512 ? 0x40000000L + (va - BASE) : (100 + 3 * n) * PAGE + (va & (PAGE - 1));
    }

    private final Physical physical = new Physical();
    private final Walker walker = new Walker();
    private final AddressSpace memory = AddressSpace.paged(physical, ByteOrder.LITTLE_ENDIAN, walker);

    @Test
    void aReadAcrossPagesReadsEachPageWhereItIs() throws Exception {
        long va = BASE + 2 * PAGE - 5;
        byte[] bytes = memory.read(va, 10);
        for (int i = 0; i < bytes.length; i++) {
            assertEquals(content(physicalOf(va + i)), bytes[i], "byte " + i);
        }
    }

    @Test
    void anUnmappedPageStopsTheReadAtItsFirstVirtualByte() {
        long va = BASE + 10 * PAGE - 3;
        byte[] dst = new byte[8];

        AddressFault fault = assertThrows(AddressFault.class, () -> memory.read(va, dst, 0, 8));
        assertEquals(BASE + 10 * PAGE, fault.address());
        assertEquals(AddressFault.Reason.NOT_MAPPED, fault.reason());
        assertEquals(Optional.of("pte"), fault.level());
        assertArrayEquals(new byte[] {content(physicalOf(va)), content(physicalOf(va + 1)), content(physicalOf(va + 2))},
                Arrays.copyOf(dst, 3), "the bytes before the fault are filled");
    }

    @Test
    void aPageMissingFromTheDumpIsReportedAtTheVirtualAddress() {
        long va = BASE + 5 * PAGE + 100;
        physical.missingPage = physicalOf(BASE + 5 * PAGE);

        AddressFault fault = assertThrows(AddressFault.class, () -> memory.read(va, 16));
        assertEquals(va, fault.address());
        assertEquals(AddressFault.Space.VIRTUAL, fault.space());
        assertEquals(AddressFault.Reason.EXCLUDED, fault.reason());
        assertEquals(Optional.empty(), fault.level(), "the walk succeeded; the data page is missing");
        assertEquals(OptionalLong.of(physicalOf(va)), fault.physicalAddress());
        assertEquals(String.format("virtual 0x%x: maps to physical 0x%x: excluded by makedumpfile (dump_level 31)",
                va, physicalOf(va)), fault.getMessage());
    }

    @Test
    void aTableMissingFromTheDumpNamesItsLevel() {
        // The walker of page 6 reads its entry at physical 48, which lies in page 0.
        physical.missingPage = 0;

        AddressFault fault = assertThrows(AddressFault.class, () -> memory.read(BASE + 6 * PAGE, 1));
        assertEquals(BASE + 6 * PAGE, fault.address());
        assertEquals(AddressFault.Reason.EXCLUDED, fault.reason());
        assertEquals(Optional.of("pte"), fault.level());
        assertEquals(OptionalLong.of(48), fault.physicalAddress());
    }

    @Test
    void physicalReadsKeepThePhysicalAddress() {
        physical.missingPage = 0x3000;

        AddressFault fault = assertThrows(AddressFault.class, () -> memory.readPhysical(0x2ffe, new byte[4], 0, 4));
        assertEquals(0x3000, fault.address());
        assertEquals(AddressFault.Space.PHYSICAL, fault.space());
        assertEquals("physical 0x3000: excluded by makedumpfile (dump_level 31)", fault.getMessage());
    }

    @Test
    void translationsAreCachedPerPageAndHugePagesOnce() throws Exception {
        for (int i = 0; i < 100; i++) {
            memory.readLong(BASE + 3 * PAGE + 8 * (i % 16));
        }
        assertEquals(1, walker.walks.get());

        for (long va = BASE + (1 << 21); va < BASE + (2 << 21); va += PAGE) {
            memory.readLong(va);
        }
        assertEquals(2, walker.walks.get(), "one walk for the whole 2 MiB page");
    }

    @Test
    void valuesAreReadInTheDumpsByteOrder() throws Exception {
        long va = BASE + PAGE;
        long little = memory.readLong(va);
        long big = AddressSpace.paged(physical, ByteOrder.BIG_ENDIAN, walker).readLong(va);
        assertEquals(Long.reverseBytes(little), big);
        assertEquals(content(physicalOf(va)), (byte) little);
    }

    @Test
    void concurrentReadersSeeTheRightBytes() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> readers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                readers.add(pool.submit(() -> {
                    for (int i = 0; i < 2000; i++) {
                        long n = ThreadLocalRandom.current().nextLong(0, 1024);
                        if (n == 10) {
                            continue;
                        }
                        long va = BASE + n * PAGE + ThreadLocalRandom.current().nextLong(0, PAGE - 8);
                        byte[] bytes = memory.read(va, 8);
                        for (int b = 0; b < 8; b++) {
                            assertEquals(content(physicalOf(va + b)), bytes[b], () -> Long.toHexString(va));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> reader : readers) {
                reader.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aLiveKernelIsReadByVirtualAddressAndItsTranslationsAreNotKept() throws Exception {
        List<Long> asked = new ArrayList<>();
        VirtualMemory kcore = new VirtualMemory() {
            @Override
            public List<LoadSegment> segments() {
                return List.of();
            }

            @Override
            public void read(long vaddr, byte[] dst, int off, int len) throws MemoryFault {
                asked.add(vaddr);
                if (vaddr == BASE + 10 * PAGE) {
                    throw new MemoryFault(vaddr, MemoryFault.Reason.NOT_IN_DUMP, "no PT_LOAD segment covers this virtual address");
                }
                Arrays.fill(dst, off, off + len, (byte) 0x5a);
            }
        };
        AddressSpace live = AddressSpace.live(kcore, physical, ByteOrder.LITTLE_ENDIAN, walker);

        assertEquals(0x5a5a5a5a5a5a5a5aL, live.readLong(BASE + 3 * PAGE));
        assertEquals(List.of(BASE + 3 * PAGE), asked);
        assertEquals(0, walker.walks.get(), "reads do not walk");
        AddressFault fault = assertThrows(AddressFault.class, () -> live.read(BASE + 10 * PAGE, 8));
        assertEquals(AddressFault.Space.VIRTUAL, fault.space());
        assertEquals(AddressFault.Reason.NOT_IN_DUMP, fault.reason());

        live.translate(BASE + 3 * PAGE);
        live.translate(BASE + 3 * PAGE);
        assertEquals(2, walker.walks.get(), "a live kernel's tables change; nothing is cached");
    }
}
