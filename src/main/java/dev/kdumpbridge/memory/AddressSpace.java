package dev.kdumpbridge.memory;

import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.MemoryFault;
import dev.kdumpbridge.dump.VirtualMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * {@link KernelMemory} over a dump: virtual reads walk the kernel's page tables (through the
 * architecture's {@link PageTableWalker}) and read the physical pages they lead to, one page at
 * a time, so a read that spans a 4 KiB page and a 2 MiB page translates each.
 *
 * <p>/proc/kcore is different: the kernel itself serves it by virtual address, so virtual reads
 * go straight to its segments, and translations, which change as the kernel runs, are not
 * cached. Its page tables can still be walked when kcore has physical addresses (Linux 4.19+).
 */
public final class AddressSpace implements KernelMemory {
    private final PhysicalMemory physical;
    private final ByteOrder order;
    private final PageTableWalker walker;
    /** Non-null for /proc/kcore only. */
    private final VirtualMemory live;
    /** Null for /proc/kcore. */
    private final TranslationCache cache;

    private AddressSpace(PhysicalMemory physical, ByteOrder order, PageTableWalker walker, VirtualMemory live) {
        this.physical = Objects.requireNonNull(physical);
        this.order = Objects.requireNonNull(order);
        this.walker = Objects.requireNonNull(walker);
        this.live = live;
        this.cache = live == null ? new TranslationCache(TranslationCache.DEFAULT_SLOTS, walker.pageShifts()) : null;
    }

    /** The kernel memory of {@code dump}, whatever kind it is. */
    public static AddressSpace of(DumpFile dump, PageTableWalker walker) {
        ByteOrder order = dump.info().byteOrder();
        return new AddressSpace(dump::read, order, walker, dump.liveVirtualMemory().orElse(null));
    }

    /** A dump's memory: every virtual read walks {@code walker}'s tables in {@code physical}. */
    public static AddressSpace paged(PhysicalMemory physical, ByteOrder order, PageTableWalker walker) {
        return new AddressSpace(physical, order, walker, null);
    }

    /** A live kernel's memory: virtual reads from {@code kcore}, physical ones from {@code physical}. */
    public static AddressSpace live(VirtualMemory kcore, PhysicalMemory physical, ByteOrder order,
            PageTableWalker walker) {
        return new AddressSpace(physical, order, walker, Objects.requireNonNull(kcore));
    }

    @Override
    public ByteOrder byteOrder() {
        return order;
    }

    @Override
    public void read(long virtualAddress, byte[] dst, int off, int len) throws AddressFault, IOException {
        Objects.checkFromIndexSize(off, len, dst.length);
        if (live != null) {
            readLive(virtualAddress, dst, off, len);
            return;
        }
        long at = virtualAddress;
        int done = 0;
        while (done < len) {
            PageMapping page = translate(at);
            long inPage = at - page.virtualBase();
            int n = (int) Math.min(len - done, page.size() - inPage);
            long pa = page.physical(at);
            try {
                physical.read(pa, dst, off + done, n);
            } catch (MemoryFault fault) {
                throw AddressFault.translated(fault, at + (fault.address() - pa), null);
            }
            done += n;
            at += n;
        }
    }

    private void readLive(long virtualAddress, byte[] dst, int off, int len) throws AddressFault, IOException {
        try {
            live.read(virtualAddress, dst, off, len);
        } catch (MemoryFault fault) {
            throw AddressFault.live(fault);
        }
    }

    @Override
    public void readPhysical(long physicalAddress, byte[] dst, int off, int len) throws AddressFault, IOException {
        Objects.checkFromIndexSize(off, len, dst.length);
        try {
            physical.read(physicalAddress, dst, off, len);
        } catch (MemoryFault fault) {
            throw AddressFault.physical(fault);
        }
    }

    @Override
    public PageMapping translate(long virtualAddress) throws AddressFault, IOException {
        if (cache != null) {
            PageMapping cached = cache.find(virtualAddress);
            if (cached != null) {
                return cached;
            }
        }
        PageMapping page = walker.walk(virtualAddress, (level, entryAddress) -> entry(virtualAddress, level, entryAddress));
        if (!page.contains(virtualAddress)) {
            throw new IllegalStateException(String.format("%s returned %s for 0x%x",
                    walker.getClass().getSimpleName(), page, virtualAddress));
        }
        if (cache != null) {
            cache.put(page);
        }
        return page;
    }

    private long entry(long virtualAddress, String level, long entryAddress) throws AddressFault, IOException {
        byte[] bytes = new byte[Long.BYTES];
        try {
            physical.read(entryAddress, bytes, 0, bytes.length);
        } catch (MemoryFault fault) {
            throw AddressFault.translated(fault, virtualAddress, level);
        }
        return ByteBuffer.wrap(bytes).order(order).getLong();
    }
}
