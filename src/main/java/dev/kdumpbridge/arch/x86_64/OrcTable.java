package dev.kdumpbridge.arch.x86_64;

import dev.kdumpbridge.kernel.ElfSection;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.kernel.Symbols;
import dev.kdumpbridge.kernel.Vmlinux;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The kernel image's ORC unwind table (reference 06 §1): for each code address where the frame
 * layout changes, an {@link OrcEntry}. Read from the vmlinux's {@code .orc_unwind_ip} and
 * {@code .orc_unwind} sections when there is one, else from the dump's memory between
 * {@code __start_orc_unwind_ip} and {@code __stop_orc_unwind_ip}: the same bytes.
 */
public final class OrcTable {
    /** A kernel's table has about 100,000 entries; far more means the bounds were misread. */
    private static final int MAX_ENTRIES = 4_000_000;
    /**
     * The kernel's own fallback entry for code without ORC data (6.x and backports): a
     * frame-pointer frame, {sp_reg BP, sp_offset 16, bp_reg PREV_SP, bp_offset -16, CALL}. Its
     * bytes tell which flags layout the kernel uses.
     */
    private static final String FP_ENTRY = "orc_fp_entry";

    private final OrcFormat format;
    /** Runtime code addresses, ascending. */
    private final long[] ips;
    /** Three 16-bit words per entry: sp_offset, bp_offset, flags. */
    private final short[] entries;

    private OrcTable(OrcFormat format, long[] ips, short[] entries) {
        this.format = format;
        this.ips = ips;
        this.entries = entries;
    }

    /**
     * The table of the kernel in {@code memory}, from the vmlinux if given, with the entry format
     * of its release checked against {@code orc_fp_entry}.
     *
     * @throws KernelDataException when the kernel has no ORC table (built with frame pointers),
     *                             is older than 4.14, or uses a layout this code does not know
     */
    public static OrcTable load(KernelMemory memory, Symbols symbols, Optional<Vmlinux> vmlinux, String release)
            throws KernelDataException, IOException {
        OrcFormat format = format(memory, symbols, release);
        if (vmlinux.isPresent()) {
            Optional<ElfSection> ip = vmlinux.get().section(".orc_unwind_ip");
            Optional<ElfSection> orc = vmlinux.get().section(".orc_unwind");
            if (ip.isPresent() && orc.isPresent()) {
                return fromImage(vmlinux.get(), ip.get(), orc.get(), symbols.kaslrOffset(), format);
            }
        }
        return fromMemory(memory, symbols, format);
    }

    private static OrcFormat format(KernelMemory memory, Symbols symbols, String release)
            throws KernelDataException, IOException {
        OrcFormat byRelease = OrcFormat.forRelease(release).orElseThrow(() -> new KernelDataException(
            "kernel " + release + " predates ORC unwind tables (Linux 4.14)"));
        Optional<short[]> probe = fpEntry(memory, symbols);
        if (probe.isEmpty() || isFramePointerEntry(byRelease, probe.get())) {
            return byRelease;
        }
        for (OrcFormat candidate : OrcFormat.values()) {
            if (isFramePointerEntry(candidate, probe.get())) {
                return candidate;
            }
        }
        throw new KernelDataException("this kernel's ORC entries use a layout this code does not know (its "
            + FP_ENTRY + " does not decode as a frame-pointer entry in any known format; Linux 7.1 renumbered"
            + " the registers)");
    }

    private static Optional<short[]> fpEntry(KernelMemory memory, Symbols symbols) throws IOException {
        var address = symbols.address(FP_ENTRY);
        if (address.isEmpty()) {
            return Optional.empty();
        }
        try {
            ByteBuffer bytes = ByteBuffer.wrap(memory.read(address.getAsLong(), OrcFormat.ENTRY_SIZE))
                .order(ByteOrder.LITTLE_ENDIAN);
            return Optional.of(new short[] {bytes.getShort(0), bytes.getShort(2), bytes.getShort(4)});
        } catch (AddressFault unreadable) {
            return Optional.empty();
        }
    }

    private static boolean isFramePointerEntry(OrcFormat format, short[] raw) {
        OrcEntry e = format.decode(raw[0], raw[1], raw[2]);
        return e.type() == OrcEntry.Type.CALL && e.spRegister() == OrcEntry.Register.BP && e.spOffset() == 16
            && e.bpRegister() == OrcEntry.Register.PREV_SP && e.bpOffset() == -16;
    }

    private static OrcTable fromImage(Vmlinux vmlinux, ElfSection ipSection, ElfSection orcSection, long kaslrOffset,
            OrcFormat format) throws KernelDataException, IOException {
        int count = count(ipSection.size(), orcSection.size(), vmlinux + " sections .orc_unwind_ip/.orc_unwind");
        ByteBuffer ip = vmlinux.readSection(ipSection, 0, count * Integer.BYTES);
        ByteBuffer orc = vmlinux.readSection(orcSection, 0, count * OrcFormat.ENTRY_SIZE);
        return build(format, ipSection.address() + kaslrOffset, ip, orc, count);
    }

    private static OrcTable fromMemory(KernelMemory memory, Symbols symbols, OrcFormat format)
            throws KernelDataException, IOException {
        long ipStart = require(symbols, "__start_orc_unwind_ip");
        long ipStop = require(symbols, "__stop_orc_unwind_ip");
        long orcStart = require(symbols, "__start_orc_unwind");
        long orcStop = symbols.address("__stop_orc_unwind").orElse(orcStart + (ipStop - ipStart) / 4 * 6);
        int count = count(ipStop - ipStart, orcStop - orcStart, "the kernel's __start/__stop_orc_unwind symbols");
        try {
            ByteBuffer ip = ByteBuffer.wrap(memory.read(ipStart, count * Integer.BYTES));
            ByteBuffer orc = ByteBuffer.wrap(memory.read(orcStart, count * OrcFormat.ENTRY_SIZE));
            return build(format, ipStart, ip, orc, count);
        } catch (AddressFault fault) {
            throw new KernelDataException("the ORC table is not in the dump: " + fault.getMessage());
        }
    }

    private static long require(Symbols symbols, String name) throws KernelDataException {
        return symbols.address(name).orElseThrow(() -> new KernelDataException("no symbol " + name
            + ": the kernel was built without the ORC unwinder (CONFIG_UNWINDER_ORC)"));
    }

    private static int count(long ipBytes, long orcBytes, String where) throws KernelDataException {
        long count = ipBytes / Integer.BYTES;
        if (ipBytes <= 0 || ipBytes % Integer.BYTES != 0 || orcBytes != count * OrcFormat.ENTRY_SIZE
                || count > MAX_ENTRIES) {
            throw new KernelDataException(where + " give an ORC table of " + ipBytes + " ip bytes and " + orcBytes
                + " entry bytes, which do not make 4- and 6-byte arrays of one length");
        }
        return (int) count;
    }

    /** Entry i covers code from {@code its own address + the s32 stored there} (PC-relative). */
    static OrcTable build(OrcFormat format, long ipBase, ByteBuffer ip, ByteBuffer orc, int count) {
        ip.order(ByteOrder.LITTLE_ENDIAN);
        orc.order(ByteOrder.LITTLE_ENDIAN);
        long[] ips = new long[count];
        short[] entries = new short[count * 3];
        boolean sorted = true;
        for (int i = 0; i < count; i++) {
            ips[i] = ipBase + (long) i * Integer.BYTES + ip.getInt(i * Integer.BYTES);
            sorted &= i == 0 || Long.compareUnsigned(ips[i - 1], ips[i]) <= 0;
            for (int w = 0; w < 3; w++) {
                entries[i * 3 + w] = orc.getShort(i * OrcFormat.ENTRY_SIZE + w * 2);
            }
        }
        return sorted ? new OrcTable(format, ips, entries) : sortedCopy(format, ips, entries);
    }

    /** Kernels before 4.20 sorted the table at boot, so an old vmlinux file may hold it unsorted. */
    private static OrcTable sortedCopy(OrcFormat format, long[] ips, short[] entries) {
        List<Integer> order = new ArrayList<>(ips.length);
        for (int i = 0; i < ips.length; i++) {
            order.add(i);
        }
        order.sort((a, b) -> Long.compareUnsigned(ips[a], ips[b]));
        long[] sortedIps = new long[ips.length];
        short[] sortedEntries = new short[entries.length];
        for (int i = 0; i < ips.length; i++) {
            int from = order.get(i);
            sortedIps[i] = ips[from];
            System.arraycopy(entries, from * 3, sortedEntries, i * 3, 3);
        }
        return new OrcTable(format, sortedIps, sortedEntries);
    }

    /**
     * The entry for code at {@code ip}: the last one at or below it, as the kernel's
     * {@code orc_find} chooses (section-end markers sort before real entries at the same ip).
     * Empty outside the table's code.
     */
    public Optional<OrcEntry> find(long ip) {
        if (ip == 0) {
            return Optional.of(OrcEntry.NULL_CALL);
        }
        if (ips.length == 0 || Long.compareUnsigned(ip, ips[0]) < 0) {
            return Optional.empty();
        }
        int low = 0;
        int high = ips.length - 1;
        while (low < high) {
            int mid = (low + high + 1) >>> 1;
            if (Long.compareUnsigned(ips[mid], ip) <= 0) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        return Optional.of(format.decode(entries[low * 3], entries[low * 3 + 1], entries[low * 3 + 2]));
    }

    public OrcFormat format() {
        return format;
    }

    public int size() {
        return ips.length;
    }

    @Override
    public String toString() {
        return "OrcTable[" + ips.length + " entries, format " + format + "]";
    }
}
