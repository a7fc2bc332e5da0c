package dev.kdumpbridge.arch.x86_64;

import dev.kdumpbridge.arch.Paging;
import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.DumpKind;
import dev.kdumpbridge.dump.ElfNote;
import dev.kdumpbridge.dump.LoadSegment;
import dev.kdumpbridge.dump.MemoryFault;
import dev.kdumpbridge.dump.VmcoreInfo;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.AddressSpace;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.memory.PhysicalMemory;
import dev.kdumpbridge.memory.TranslationUnavailableException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * How an x86-64 kernel mapped its memory, worked out from what its dump says, and its memory
 * read through that mapping (reference 03 §3, 04 §1).
 *
 * <ul>
 *   <li>Paging levels: {@code NUMBER(pgtable_l5_enabled)}, else CR4.LA57 of a QEMU vCPU, else 4.
 *   <li>{@code phys_base}: {@code NUMBER(phys_base)} (a signed number: negative when the kernel
 *       runs below its link address), else the kernel-text PT_LOAD of an ELF dump. A QEMU
 *       kdump header's {@code phys_base} is not used: QEMU guesses it.
 *   <li>Page-table root: {@code SYMBOL(init_top_pgt)} (older: {@code init_level4_pgt},
 *       alias {@code swapper_pg_dir}) translated with the kernel-image formula
 *       {@code va - __START_KERNEL_map + phys_base}; without VMCOREINFO, the CR3 that QEMU saved
 *       for a vCPU.
 *   <li>Region bases, randomized by KASLR (CONFIG_RANDOMIZE_MEMORY) and not in VMCOREINFO: the
 *       variables {@code page_offset_base}, {@code vmalloc_base}, {@code vmemmap_base} read from
 *       memory when a symbol table gives their addresses; else the direct map from an ELF RAM
 *       segment ({@code p_vaddr - p_paddr}) or from a scan of the page tables, vmalloc from
 *       {@code NUMBER(VMALLOC_START)} (6.9+).
 * </ul>
 * The region bases are facts for people and for the kernel layer; translation never needs
 * them, it always walks the tables.
 */
public final class X86_64Paging implements Paging {
    /** Where the kernel image is mapped, plus phys_base and the KASLR offset (Documentation/arch/x86/x86_64/mm.rst). */
    public static final long START_KERNEL_MAP = 0xffffffff80000000L;
    /** CR4.LA57, bit 12: 57-bit linear addresses, 5-level paging (Intel SDM vol. 3A §2.5). */
    private static final long CR4_LA57 = 1L << 12;
    /**
     * CR3 bit 12 selects the user copy of a pgd under page-table isolation, which maps next to
     * nothing of the kernel; the kernel's own pgd is the page before (arch/x86/mm/pti.c,
     * PTI_USER_PGTABLE_BIT).
     */
    private static final long PTI_USER_PGD_BIT = 1L << 12;
    /** {@code QEMUCPUState} (reference 01 §11): {@code cr[0..4]} are u64 from offset 392. */
    private static final int QEMU_CR0 = 392;
    private static final int QEMU_CPU_STATE_SIZE = QEMU_CR0 + 5 * Long.BYTES;
    private static final int PAGE_SIZE = 4096;
    private static final int KERNEL_HALF_FIRST_ENTRY = 256;
    /**
     * Entries a direct-map scan may read: the kernel half of the top table and a few hundred
     * lower tables. Real tables need a few hundred entries; only corrupt ones reach this.
     */
    private static final int DIRECT_MAP_SCAN_BUDGET = 1 << 18;

    /** A value and where it came from, so that people can judge it. */
    public record Sourced(long value, String source) {
    }

    private final X86_64PageTables tables;
    private final String rootSource;
    private final Optional<Sourced> physBase;
    private final AddressSpace memory;
    private final Optional<Sourced> directMap;
    private final Optional<Sourced> vmalloc;
    private final Optional<Sourced> vmemmap;
    private final List<String> warnings;

    private X86_64Paging(X86_64PageTables tables, String rootSource, Optional<Sourced> physBase,
            AddressSpace memory, Optional<Sourced> directMap, Optional<Sourced> vmalloc, Optional<Sourced> vmemmap,
            List<String> warnings) {
        this.tables = tables;
        this.rootSource = rootSource;
        this.physBase = physBase;
        this.memory = memory;
        this.directMap = directMap;
        this.vmalloc = vmalloc;
        this.vmemmap = vmemmap;
        this.warnings = List.copyOf(warnings);
    }

    /**
     * Works out the paging of the kernel in {@code dump}.
     *
     * @param symbols runtime addresses of kernel-image symbols (vmlinux plus the KASLR offset),
     *                or nothing; used only for the region-base variables
     * @throws TranslationUnavailableException when there is neither VMCOREINFO with a page-table
     *                                         symbol and phys_base nor QEMU CPU state
     */
    public static X86_64Paging discover(DumpFile dump, Function<String, OptionalLong> symbols)
            throws IOException, TranslationUnavailableException {
        Optional<VmcoreInfo> info = dump.vmcoreInfo();
        List<String> warnings = new ArrayList<>();
        long smeMask = number(info, "NUMBER(sme_mask)").orElse(0);
        int levels = levels(dump, info);
        Optional<Sourced> physBase = physBase(dump, info);

        Optional<String> rootSymbol = Stream.of("init_top_pgt", "init_level4_pgt", "swapper_pg_dir")
                .filter(name -> info.map(v -> v.symbol(name).isPresent()).orElse(false))
                .findFirst();
        Sourced root;
        if (rootSymbol.isPresent() && physBase.isPresent()) {
            long va = info.get().symbol(rootSymbol.get()).getAsLong();
            root = new Sourced(va - START_KERNEL_MAP + physBase.get().value(), rootSymbol.get() + " (VMCOREINFO)");
        } else {
            root = rootFromQemu(dump, smeMask).orElseThrow(() -> new TranslationUnavailableException(
                    "cannot find the kernel's page tables: the dump has "
                    + (info.isEmpty() ? "no VMCOREINFO" : "no SYMBOL(init_top_pgt) or phys_base in its VMCOREINFO")
                    + " and no QEMU CPU state with a usable CR3"));
        }
        if ((root.value() & ~X86_64PageTables.ADDRESS_MASK) != 0) {
            throw new TranslationUnavailableException(String.format("the page-table root from %s, 0x%x,"
                    + " is not a page-aligned physical address; phys_base or the symbol is wrong",
                    root.source(), root.value()));
        }
        X86_64PageTables tables = new X86_64PageTables(root.value(), levels, smeMask);
        AddressSpace memory = AddressSpace.of(dump, tables);
        checkImageMapping(memory, info, physBase, warnings);

        Optional<Sourced> directMap = variable(memory, symbols, "page_offset_base", warnings)
                .or(() -> directMapFromSegments(dump))
                .or(() -> directMapFromTables(memory, tables));
        Optional<Sourced> vmalloc = variable(memory, symbols, "vmalloc_base", warnings)
                .or(() -> sourced(number(info, "NUMBER(VMALLOC_START)"), "NUMBER(VMALLOC_START) (VMCOREINFO)"));
        Optional<Sourced> vmemmap = variable(memory, symbols, "vmemmap_base", warnings)
                .or(() -> sourced(info.map(v -> v.symbol("vmemmap")).orElse(OptionalLong.empty()),
                        "SYMBOL(vmemmap) (VMCOREINFO)"));
        return new X86_64Paging(tables, root.source(), physBase, memory,
                directMap, vmalloc, vmemmap, warnings);
    }

    private static Optional<Sourced> sourced(OptionalLong value, String source) {
        return value.isPresent() ? Optional.of(new Sourced(value.getAsLong(), source)) : Optional.empty();
    }

    private static OptionalLong number(Optional<VmcoreInfo> info, String key) {
        return info.map(v -> v.number(key)).orElse(OptionalLong.empty());
    }

    private static int levels(DumpFile dump, Optional<VmcoreInfo> info) {
        OptionalLong l5 = number(info, "NUMBER(pgtable_l5_enabled)");
        if (l5.isPresent()) {
            return l5.getAsLong() == 1 ? 5 : 4;
        }
        List<long[]> cpus = qemuControlRegisters(dump);
        return !cpus.isEmpty() && (cpus.get(0)[4] & CR4_LA57) != 0 ? 5 : 4;
    }

    private static Optional<Sourced> physBase(DumpFile dump, Optional<VmcoreInfo> info) {
        OptionalLong number = number(info, "NUMBER(phys_base)");
        if (number.isPresent()) {
            return Optional.of(new Sourced(number.getAsLong(), "NUMBER(phys_base) (VMCOREINFO)"));
        }
        // makedumpfile's get_phys_base_x86_64: the kernel-text segment maps __START_KERNEL_map + x
        // to phys_base + x.
        return dump.loadSegments().stream()
                .filter(s -> Long.compareUnsigned(s.vaddr(), START_KERNEL_MAP) >= 0 && hasPhysicalAddress(dump, s))
                .findFirst()
                .map(s -> new Sourced(s.paddr() - (s.vaddr() - START_KERNEL_MAP), "kernel-text PT_LOAD"));
    }

    /**
     * The page-table root in a QEMU dump without VMCOREINFO: the CR3 of a vCPU. Every process's
     * pgd shares the kernel half, so any vCPU's will do, except the user copy that PTI switches
     * to in user mode. That copy (CR3 bit 12 set) maps next to nothing of the kernel, and the
     * few entries it has are copies of the kernel pgd's; the page before it is taken instead
     * when it maps more and shares such an entry (a pgd without PTI can sit on an odd page too).
     */
    static Optional<Sourced> rootFromQemu(DumpFile dump, long smeMask) throws IOException {
        return rootFromCr3(qemuControlRegisters(dump).stream().map(cr -> cr[3]).toList(), smeMask, dump::read);
    }

    /** {@link #rootFromQemu}'s choice among the vCPUs' CR3 values, in vCPU order. */
    static Optional<Sourced> rootFromCr3(List<Long> cr3s, long smeMask, PhysicalMemory physical) throws IOException {
        for (int cpu = 0; cpu < cr3s.size(); cpu++) {
            long cr3 = cr3s.get(cpu) & X86_64PageTables.ADDRESS_MASK & ~smeMask;
            String source = "CR3 of vCPU " + cpu + " (QEMU CPU state)";
            Optional<long[]> half = kernelHalf(physical, cr3);
            if (half.isEmpty()) {
                continue;
            }
            if ((cr3 & PTI_USER_PGD_BIT) != 0) {
                Optional<long[]> kernel = kernelHalf(physical, cr3 & ~PTI_USER_PGD_BIT);
                if (kernel.isPresent() && present(kernel.get()) > present(half.get())
                        && sharesAnEntry(half.get(), kernel.get())) {
                    return Optional.of(new Sourced(cr3 & ~PTI_USER_PGD_BIT, source + ", PTI user bit cleared"));
                }
            }
            if (present(half.get()) > 0) {
                return Optional.of(new Sourced(cr3, source));
            }
        }
        return Optional.empty();
    }

    /** The kernel-half entries of the top-level table at {@code table}, if the dump has it. */
    private static Optional<long[]> kernelHalf(PhysicalMemory physical, long table) throws IOException {
        byte[] page = new byte[PAGE_SIZE];
        try {
            physical.read(table, page, 0, page.length);
        } catch (MemoryFault unreadable) {
            return Optional.empty();
        }
        ByteBuffer entries = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        long[] half = new long[PAGE_SIZE / Long.BYTES - KERNEL_HALF_FIRST_ENTRY];
        for (int i = 0; i < half.length; i++) {
            half[i] = entries.getLong((KERNEL_HALF_FIRST_ENTRY + i) * Long.BYTES);
        }
        return Optional.of(half);
    }

    private static int present(long[] entries) {
        int n = 0;
        for (long e : entries) {
            n += (int) (e & 1);
        }
        return n;
    }

    private static boolean sharesAnEntry(long[] a, long[] b) {
        for (int i = 0; i < a.length; i++) {
            if ((a[i] & 1) != 0 && a[i] == b[i]) {
                return true;
            }
        }
        return false;
    }

    /** {@code cr[0..4]} of every vCPU, in vCPU order, from QEMU's notes. */
    private static List<long[]> qemuControlRegisters(DumpFile dump) {
        List<long[]> out = new ArrayList<>();
        for (ElfNote note : dump.notes(ElfNote.QEMU, 0)) {
            if (note.descriptorSize() < QEMU_CPU_STATE_SIZE) {
                continue;
            }
            ByteBuffer state = note.descriptorBuffer().order(ByteOrder.LITTLE_ENDIAN);
            long[] cr = new long[5];
            for (int i = 0; i < cr.length; i++) {
                cr[i] = state.getLong(QEMU_CR0 + i * Long.BYTES);
            }
            out.add(cr);
        }
        return out;
    }

    /**
     * The walk and the kernel-image formula must agree on {@code _stext}; if they do not, the
     * root or phys_base is wrong and every read will be garbage, which people should hear about.
     */
    private static void checkImageMapping(KernelMemory memory, Optional<VmcoreInfo> info,
            Optional<Sourced> physBase, List<String> warnings) throws IOException {
        OptionalLong stext = info.map(v -> v.symbol("_stext")).orElse(OptionalLong.empty());
        if (stext.isEmpty() || physBase.isEmpty()) {
            return;
        }
        long va = stext.getAsLong();
        long expected = va - START_KERNEL_MAP + physBase.get().value();
        try {
            long walked = memory.translate(va).physical(va);
            if (walked != expected) {
                warnings.add(String.format("the page tables map _stext 0x%x to physical 0x%x, but"
                        + " phys_base says 0x%x: the page-table root or phys_base is wrong", va, walked, expected));
            }
        } catch (AddressFault fault) {
            warnings.add("the page tables do not map _stext: " + fault.getMessage()
                    + "; the page-table root or phys_base is wrong");
        }
    }

    private static Optional<Sourced> variable(KernelMemory memory, Function<String, OptionalLong> symbols,
            String name, List<String> warnings) {
        OptionalLong address = symbols.apply(name);
        if (address.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Sourced(memory.readLong(address.getAsLong()), name + " (read from memory)"));
        } catch (AddressFault | IOException e) {
            warnings.add("cannot read " + name + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * makedumpfile's get_page_offset_x86_64: a RAM segment of a kdump ELF or kcore maps
     * {@code page_offset_base + pa} to {@code pa}; it takes the last one, because 4.19's kcore
     * had other segments first.
     */
    private static Optional<Sourced> directMapFromSegments(DumpFile dump) {
        LoadSegment ram = null;
        for (LoadSegment s : dump.loadSegments()) {
            if (s.vaddr() < 0 && Long.compareUnsigned(s.vaddr(), START_KERNEL_MAP) < 0 && hasPhysicalAddress(dump, s)) {
                ram = s;
            }
        }
        return Optional.ofNullable(ram).map(s -> new Sourced(s.vaddr() - s.paddr(), "PT_LOAD p_vaddr - p_paddr"));
    }

    /**
     * Whether {@code p_paddr} means something: kcore writes -1 for segments that are not RAM or
     * text, and before 4.19 wrote 0 for all (reference 02 §2.3).
     */
    private static boolean hasPhysicalAddress(DumpFile dump, LoadSegment segment) {
        return segment.paddr() != -1 && !(dump.info().kind() == DumpKind.KCORE && segment.paddr() == 0);
    }

    private static Optional<Sourced> directMapFromTables(AddressSpace memory, X86_64PageTables tables) {
        try {
            OptionalLong base = tables.findDirectMap((level, address) -> {
                byte[] entry = new byte[Long.BYTES];
                memory.readPhysical(address, entry, 0, entry.length);
                return ByteBuffer.wrap(entry).order(ByteOrder.LITTLE_ENDIAN).getLong();
            }, DIRECT_MAP_SCAN_BUDGET);
            return sourced(base, "lowest mapping of physical 0 (page-table scan)");
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public KernelMemory memory() {
        return memory;
    }

    public X86_64PageTables pageTables() {
        return tables;
    }

    /** Where the page-table root came from. */
    public String rootSource() {
        return rootSource;
    }

    public Optional<Sourced> physBase() {
        return physBase;
    }

    /** {@code page_offset_base}: where physical 0 is mapped. */
    public Optional<Sourced> directMap() {
        return directMap;
    }

    public Optional<Sourced> vmalloc() {
        return vmalloc;
    }

    public Optional<Sourced> vmemmap() {
        return vmemmap;
    }

    /** Inconsistencies found while working the mapping out; reads may be wrong when there are any. */
    @Override
    public List<String> warnings() {
        return warnings;
    }

    /** phys_base, the page tables and the region bases, each with where it came from. */
    @Override
    public Map<String, String> facts() {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("PHYS_BASE", physBase.map(b -> "0x" + Long.toHexString(b.value())
            + (b.value() < 0 ? String.format(" (-0x%x)", -b.value()) : "") + " (" + b.source() + ")").orElse("(unknown)"));
        facts.put("PAGE TABLES", String.format("%d-level, root at physical 0x%x (%s)", tables.levels(), tables.root(),
            rootSource));
        facts.put("DIRECT MAP", sourced(directMap));
        facts.put("VMALLOC", sourced(vmalloc));
        facts.put("VMEMMAP", sourced(vmemmap));
        return facts;
    }

    private static String sourced(Optional<Sourced> value) {
        return value.map(v -> "0x" + Long.toHexString(v.value()) + " (" + v.source() + ")").orElse("(unknown; --vmlinux helps)");
    }
}
