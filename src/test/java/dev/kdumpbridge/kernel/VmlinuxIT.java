package dev.kdumpbridge.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.kernel.btf.Btf;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fixture's debug vmlinux (Debian 6.1, 590 MB) against its System.map from the same -dbg
 * package, an oracle written by the kernel build's own nm run, not by us.
 */
class VmlinuxIT {
    /** System.map types that name places in the image: text, data, bss, read-only data. */
    private static final Set<String> PLACES = Set.of("T", "t", "D", "d", "B", "b", "R", "r");
    /**
     * CPU time allowed for opening the image and reading its symbols and BTF. About 0.15 s on
     * the fixture machine; the bound is the start-up budget, "well under a second or two".
     */
    private static final long BUDGET_CPU_MILLIS = 2000;

    /**
     * EXPORT_SYMBOL's name strings ({@code __ksymtab_strings}): in the symbol table and in
     * kallsyms, but filtered out of System.map by scripts/mksysmap.
     */
    private static final Pattern EXPORT_STRINGS = Pattern.compile("__kstrtab(ns)?_");

    private record MapEntry(long address, String type, String name) {
    }

    private static List<MapEntry> systemMap;

    @BeforeAll
    static void readSystemMap() throws IOException {
        systemMap = Files.readAllLines(Fixtures.vmlinux().resolveSibling("System.map")).stream()
                .map(line -> line.split(" "))
                .map(f -> new MapEntry(Long.parseUnsignedLong(f[0], 16), f[1], f[2]))
                .toList();
    }

    @Test
    void opensQuicklyWithoutReadingDwarf() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long wall0 = System.nanoTime();
        try (Vmlinux v = Vmlinux.open(Fixtures.vmlinux())) {
            long wall1 = System.nanoTime();
            Symbols symbols = v.symbols();
            long wall2 = System.nanoTime();
            Btf btf = v.btf().orElseThrow();
            long wall3 = System.nanoTime();
            btf.struct("task_struct").orElseThrow();
            long wall4 = System.nanoTime();
            long cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1_000_000;
            System.out.printf("VmlinuxIT: open %d ms, %d symbols %d ms, BTF %d types %d ms, BTF name index %d ms"
                    + " (wall); %d ms CPU in all%n", (wall1 - wall0) / 1_000_000, symbols.size(),
                    (wall2 - wall1) / 1_000_000, btf.typeCount(), (wall3 - wall2) / 1_000_000,
                    (wall4 - wall3) / 1_000_000, cpu);
            assertTrue(cpu < BUDGET_CPU_MILLIS, cpu + " ms CPU");
        }
    }

    @Test
    void everySystemMapSymbolHasItsAddress() throws Exception {
        try (Vmlinux v = Vmlinux.open(Fixtures.vmlinux())) {
            Symbols symbols = v.symbols();
            List<String> wrong = new ArrayList<>();
            int compared = 0;
            for (MapEntry e : systemMap) {
                if (!PLACES.contains(e.type())) {
                    continue;
                }
                compared++;
                boolean found = symbols.lookupAll(e.name()).stream().anyMatch(s -> s.linkAddress() == e.address());
                if (!found) {
                    wrong.add(e.name() + " " + Long.toHexString(e.address()) + ": " + symbols.lookupAll(e.name()));
                }
            }
            System.out.println("VmlinuxIT: " + compared + " System.map symbols compared");
            assertEquals(List.of(), wrong);
            assertTrue(compared > 80_000, compared + " compared");
        }
    }

    @Test
    void addressesResolveToTheNearestSystemMapSymbol() throws Exception {
        // Every System.map entry inside the image (weak and absolute ones too, which the table
        // keeps as well): address -> the names at that address.
        TreeMap<Long, Set<String>> byAddress = new TreeMap<>(Long::compareUnsigned);
        for (MapEntry e : systemMap) {
            if (e.address() < 0) {
                byAddress.computeIfAbsent(e.address(), a -> new TreeSet<>()).add(e.name());
            }
        }
        long first = byAddress.firstKey();
        long span = byAddress.lastKey() - first;
        try (Vmlinux v = Vmlinux.open(Fixtures.vmlinux())) {
            Symbols symbols = v.symbols();
            Random random = new Random(42);
            List<String> wrong = new ArrayList<>();
            List<Long> probes = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                probes.add(first + (long) (random.nextDouble() * span));
            }
            // Exact symbol addresses too: the preference among names at one address is ours to
            // choose, but it must be one of them.
            List<Long> exact = new ArrayList<>(byAddress.keySet());
            for (int i = 0; i < 100; i++) {
                probes.add(exact.get(random.nextInt(exact.size())));
            }
            int exportStrings = 0;
            for (long address : probes) {
                Map.Entry<Long, Set<String>> expected = byAddress.floorEntry(address);
                SymbolOffset found = symbols.at(address).orElse(null);
                if (found != null && EXPORT_STRINGS.matcher(found.symbol().name()).lookingAt()
                        && Long.compareUnsigned(found.symbol().linkAddress(), expected.getKey()) > 0
                        && found.offset() == address - found.symbol().linkAddress()) {
                    // Closer than System.map can say: scripts/mksysmap drops these names.
                    exportStrings++;
                    continue;
                }
                if (found == null || found.symbol().linkAddress() != expected.getKey()
                        || !expected.getValue().contains(found.symbol().name())
                        || found.offset() != address - expected.getKey()) {
                    wrong.add(Long.toHexString(address) + ": " + found + ", System.map " + expected.getValue()
                            + " at " + Long.toHexString(expected.getKey()));
                }
            }
            System.out.println("VmlinuxIT: " + probes.size() + " address lookups compared with System.map, "
                    + exportStrings + " of them inside an EXPORT_SYMBOL name string");
            assertEquals(List.of(), wrong);
        }
    }
}
