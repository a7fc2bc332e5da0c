package dev.kdumpbridge.arch.arm64;

import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.VmcoreInfo;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.AddressSpace;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.memory.TranslationUnavailableException;
import dev.kdumpbridge.arch.Paging;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The paging of an arm64 kernel, from its VMCOREINFO (reference 04 §2): the granule
 * ({@code PAGESIZE}), the runtime VA bits ({@code 64 - TCR_EL1_T1SZ}, else {@code VA_BITS}),
 * 52-bit physical addresses ({@code MAX_PHYSMEM_BITS}), and the root, {@code swapper_pg_dir}
 * translated through {@code kimage_voffset}. The walk is checked once: {@code swapper_pg_dir}'s
 * own address must lead back to the root.
 */
public final class Arm64Paging implements Paging {
    private final Arm64PageTables tables;
    private final KernelMemory memory;
    private final long physOffset;
    private final long kimageVoffset;

    private Arm64Paging(Arm64PageTables tables, KernelMemory memory, long physOffset, long kimageVoffset) {
        this.tables = tables;
        this.memory = memory;
        this.physOffset = physOffset;
        this.kimageVoffset = kimageVoffset;
    }

    /**
     * @throws TranslationUnavailableException when VMCOREINFO is missing or lacks what the walk
     *                                         needs, or its values do not lead to the tables
     */
    public static Arm64Paging discover(DumpFile dump) throws IOException, TranslationUnavailableException {
        VmcoreInfo info = dump.vmcoreInfo().orElseThrow(() -> new TranslationUnavailableException(
            "this arm64 dump has no VMCOREINFO, which says where the kernel's page tables are"
            + " (a QEMU dump needs -device vmcoreinfo and the guest's qemu_fw_cfg driver)"));
        long pageSize = require(info, "PAGESIZE", info.number("PAGESIZE"));
        long kimageVoffset = require(info, "NUMBER(kimage_voffset)", info.number("NUMBER(kimage_voffset)"));
        long physOffset = require(info, "NUMBER(PHYS_OFFSET)", info.number("NUMBER(PHYS_OFFSET)"));
        long swapper = require(info, "SYMBOL(swapper_pg_dir)", info.symbol("swapper_pg_dir"));
        OptionalLong t1sz = info.number("NUMBER(TCR_EL1_T1SZ)");
        long vaBits = t1sz.isPresent() ? 64 - t1sz.getAsLong()
            : require(info, "NUMBER(VA_BITS)", info.number("NUMBER(VA_BITS)"));
        boolean physical52 = info.number("NUMBER(MAX_PHYSMEM_BITS)").orElse(48) == 52;
        int pageShift = Long.numberOfTrailingZeros(pageSize);
        if (Long.bitCount(pageSize) != 1 || (pageShift != 12 && pageShift != 14 && pageShift != 16)) {
            throw new TranslationUnavailableException("VMCOREINFO's PAGESIZE " + pageSize + " is not 4, 16 or 64 KiB");
        }
        if (vaBits < 36 || vaBits > 52) {
            throw new TranslationUnavailableException("VMCOREINFO gives " + vaBits + " virtual-address bits; arm64"
                + " kernels use 36 to 52");
        }
        long root = swapper - kimageVoffset;
        Arm64PageTables tables = new Arm64PageTables(root, pageShift, (int) vaBits, physical52);
        AddressSpace memory = AddressSpace.of(dump, tables);
        try {
            long found = memory.translate(swapper).physical(swapper);
            if (found != root) {
                throw new TranslationUnavailableException(String.format("the page tables at 0x%x map"
                    + " swapper_pg_dir (0x%x) to 0x%x, not to themselves: kimage_voffset or the tables are wrong",
                    root, swapper, found));
            }
        } catch (AddressFault fault) {
            throw new TranslationUnavailableException(String.format("the page tables at 0x%x (swapper_pg_dir -"
                + " kimage_voffset) do not map swapper_pg_dir: %s", root, fault.getMessage()));
        }
        return new Arm64Paging(tables, memory, physOffset, kimageVoffset);
    }

    private static long require(VmcoreInfo info, String key, OptionalLong value) throws TranslationUnavailableException {
        if (value.isEmpty()) {
            throw new TranslationUnavailableException("this arm64 dump's VMCOREINFO has no " + key);
        }
        return value.getAsLong();
    }

    @Override
    public KernelMemory memory() {
        return memory;
    }

    public Arm64PageTables pageTables() {
        return tables;
    }

    /** Where RAM starts ({@code PHYS_OFFSET}, randomized with the linear map). */
    public long physOffset() {
        return physOffset;
    }

    @Override
    public Map<String, String> facts() {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("PAGE TABLES", tables + " (swapper_pg_dir - kimage_voffset)");
        facts.put("PHYS_OFFSET", String.format("0x%x (NUMBER(PHYS_OFFSET), VMCOREINFO)", physOffset));
        facts.put("VOFFSET", String.format("0x%x (NUMBER(kimage_voffset), VMCOREINFO)", kimageVoffset));
        return facts;
    }

    @Override
    public List<String> warnings() {
        return List.of();
    }

    @Override
    public String toString() {
        return tables.toString();
    }
}
