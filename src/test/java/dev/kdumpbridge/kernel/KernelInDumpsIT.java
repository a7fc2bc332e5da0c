package dev.kdumpbridge.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.Dumps;
import dev.kdumpbridge.dump.VmcoreInfo;
import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.kernel.btf.BtfType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fixture vmlinux against the kernel that ran it, in every fixture dump: KASLR-shifted
 * symbols against the guest's own /proc/kallsyms and the kernel's VMCOREINFO, BTF layouts
 * against VMCOREINFO's OFFSET/SIZE/LENGTH entries, and the kernel's in-memory copy of its BTF,
 * banner and build id against the image's.
 */
class KernelInDumpsIT {
    /**
     * Linux's __START_KERNEL_map: the x86-64 kernel image is mapped at it plus phys_base, which
     * is how these tests reach image bytes without the memory layer's page-table walk.
     */
    private static final long START_KERNEL_MAP = 0xffffffff80000000L;
    /**
     * Entries whose value is not the symbol's address: with SPARSEMEM_EXTREME mem_section is a
     * pointer and VMCOREINFO_SYMBOL_ARRAY prints its value (kernel/vmcore_info.c).
     */
    private static final List<String> SYMBOL_VALUES = List.of("mem_section");
    private static final Pattern KEY = Pattern.compile("(SYMBOL|OFFSET|SIZE|LENGTH)\\((\\w+)(?:\\.(\\w+))?\\)");

    private static Vmlinux vmlinux;
    private static Symbols linked;
    private static Btf btf;

    static List<Dump> dumps() {
        return Fixtures.dumps();
    }

    @BeforeAll
    static void open() throws Exception {
        vmlinux = Vmlinux.open(Fixtures.vmlinux());
        linked = vmlinux.symbols();
        btf = vmlinux.btf().orElseThrow();
    }

    @AfterAll
    static void close() throws Exception {
        if (vmlinux != null) {
            vmlinux.close();
        }
    }

    private static Symbols shifted(DumpFile dump) {
        return linked.withKaslrOffset(dump.vmcoreInfo().orElseThrow().hex("KERNELOFFSET").orElseThrow());
    }

    /**
     * VMCOREINFO_SYMBOL(x) prints {@code &x} for a C expression, and two of them are macros on
     * x86-64 rather than linker symbols: {@code swapper_pg_dir} is {@code init_top_pgt}, and
     * {@code node_online_map} is {@code node_states[N_ONLINE]}, computed here from BTF.
     */
    private static long symbolAddress(Symbols symbols, String name) {
        return switch (name) {
            case "swapper_pg_dir" -> symbols.address("init_top_pgt").orElseThrow();
            case "node_online_map" -> symbols.address("node_states").orElseThrow()
                    + btf.enumerator("N_ONLINE").orElseThrow() * btf.sizeOf(btf.struct("nodemask_t").orElseThrow());
            default -> symbols.address(name).orElseThrow(() -> new AssertionError("no symbol " + name));
        };
    }

    /** Kernel image bytes at a runtime address, through the image mapping (see START_KERNEL_MAP). */
    private static byte[] readImage(DumpFile dump, long address, int length) throws Exception {
        long physBase = dump.vmcoreInfo().orElseThrow().number("NUMBER(phys_base)").orElseThrow();
        return dump.read(address - START_KERNEL_MAP + physBase, length);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void shiftedSymbolsMatchTheGuestKallsyms(Dump fixture) throws Exception {
        Map<String, Long> kallsyms = Fixtures.guestSymbols(fixture);
        // The names issue 4 lists must be among the guest's.
        assertTrue(kallsyms.keySet().containsAll(List.of("_text", "_stext", "linux_banner", "jiffies", "init_task",
                "init_top_pgt", "phys_base", "page_offset_base")), kallsyms.keySet().toString());
        try (DumpFile dump = Dumps.open(fixture.files())) {
            Symbols symbols = shifted(dump);
            Map<String, String> ours = new TreeMap<>();
            Map<String, String> guest = new TreeMap<>();
            kallsyms.forEach((name, address) -> {
                guest.put(name, Long.toHexString(address));
                ours.put(name, Long.toHexString(symbols.address(name).orElseThrow()));
            });
            assertEquals(guest, ours);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void vmcoreInfoAgreesWithSymbolsAndTypes(Dump fixture) throws Exception {
        try (DumpFile dump = Dumps.open(fixture.files())) {
            VmcoreInfo info = dump.vmcoreInfo().orElseThrow();
            Symbols symbols = shifted(dump);
            List<String> wrong = new ArrayList<>();
            int compared = 0;
            for (Map.Entry<String, String> e : info.entries().entrySet()) {
                Matcher m = KEY.matcher(e.getKey());
                if (!m.matches()) {
                    continue;
                }
                String kind = m.group(1);
                String name = m.group(2);
                String member = m.group(3);
                long expected = kind.equals("SYMBOL") ? info.hex(e.getKey()).orElseThrow()
                        : info.number(e.getKey()).orElseThrow();
                long actual;
                if (kind.equals("SYMBOL")) {
                    if (SYMBOL_VALUES.contains(name)) {
                        continue;
                    }
                    actual = symbolAddress(symbols, name);
                } else if (kind.equals("OFFSET")) {
                    actual = btf.offsetOf(name, member);
                } else if (kind.equals("SIZE")) {
                    actual = btf.sizeOf(btf.struct(name).orElseThrow());
                } else if (member != null) {
                    actual = ((BtfType.Array) btf.resolve(btf.field(name, member).type())).length();
                } else {
                    // LENGTH(mem_section), LENGTH(printk_info_subsystem): constants, not types.
                    continue;
                }
                compared++;
                if (actual != expected) {
                    wrong.add(e.getKey() + "=" + e.getValue() + " but ours is " + actual + " (0x"
                            + Long.toHexString(actual) + ")");
                }
            }
            assertEquals(List.of(), wrong);
            assertTrue(compared >= 80, compared + " VMCOREINFO entries compared");
            System.out.println("KernelInDumpsIT: " + fixture + ": " + compared + " VMCOREINFO entries compared");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void theKernelsOwnBtfIsTheImagesAndParsesTheSame(Dump fixture) throws Exception {
        try (DumpFile dump = Dumps.open(fixture.files())) {
            Symbols symbols = shifted(dump);
            long start = symbols.address("__start_BTF").orElseThrow();
            long stop = symbols.address("__stop_BTF").orElseThrow();
            byte[] inMemory = readImage(dump, start, Math.toIntExact(stop - start));
            ElfSection section = vmlinux.section(".BTF").orElseThrow();
            assertEquals(section.size(), inMemory.length);
            assertArrayEquals(vmlinux.readImage(section.address(), (int) section.size()), inMemory);
            Btf fromMemory = Btf.parse(ByteBuffer.wrap(inMemory), "memory at 0x" + Long.toHexString(start));
            assertEquals(btf.typeCount(), fromMemory.typeCount());
            for (String path : List.of("thread.sp", "thread_info.cpu", "__state", "comm", "tasks")) {
                assertEquals(btf.field("task_struct", path), fromMemory.field("task_struct", path), path);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void bannerAndBuildIdMatchTheDump(Dump fixture) throws Exception {
        String banner = vmlinux.linuxBanner().orElseThrow();
        try (DumpFile dump = Dumps.open(fixture.files())) {
            long address = shifted(dump).address("linux_banner").orElseThrow();
            byte[] bytes = readImage(dump, address, banner.length());
            assertEquals(banner, new String(bytes, StandardCharsets.ISO_8859_1));
            assertEquals(dump.vmcoreInfo().orElseThrow().get("BUILD-ID"), vmlinux.buildId());
        }
    }
}
