package dev.kdumpbridge.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.arch.x86_64.X86_64Paging;
import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.Dumps;
import dev.kdumpbridge.dump.VmcoreInfo;
import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.memory.KernelMemory;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Files;
import java.util.TreeSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Symbols and types from the dump's own memory, without the vmlinux, against the guest's
 * /proc/kallsyms (the running kernel's word) and against the fixture vmlinux shifted by
 * KERNELOFFSET: kallsyms must give the same addresses, per-CPU offsets and BTF.
 */
class KallsymsIT {
    /** The fixture kernel's per-CPU variables (6.1: current_task; pcpu_hot came in 6.2). */
    private static final List<String> PER_CPU = List.of("runqueues", "current_task", "fixed_percpu_data",
            "cpu_number", "__per_cpu_start");

    private static final Set<String> KALLSYMS_TABLES = Set.of("kallsyms_offsets", "kallsyms_relative_base",
            "kallsyms_num_syms", "kallsyms_names", "kallsyms_markers", "kallsyms_seqs_of_names",
            "kallsyms_token_table", "kallsyms_token_index");

    private static Vmlinux vmlinux;
    private static Symbols linked;
    private static Btf vmlinuxBtf;

    static List<Dump> dumps() {
        return Fixtures.dumps();
    }

    @BeforeAll
    static void open() throws Exception {
        vmlinux = Vmlinux.open(Fixtures.vmlinux());
        linked = vmlinux.symbols();
        vmlinuxBtf = vmlinux.btf().orElseThrow();
    }

    @AfterAll
    static void close() throws Exception {
        if (vmlinux != null) {
            vmlinux.close();
        }
    }

    /** kallsyms and the BTF from one dump, with how long each took. */
    private record FromMemory(Symbols symbols, long kallsymsMillis, Btf btf, long btfMillis, long kaslrOffset) {
    }

    private static FromMemory readFromMemory(Dump fixture) throws Exception {
        try (DumpFile dump = Dumps.open(fixture.files())) {
            VmcoreInfo info = dump.vmcoreInfo().orElseThrow();
            KernelMemory memory = X86_64Paging.discover(dump, info::symbol).memory();
            long t0 = System.nanoTime();
            Symbols symbols = Kallsyms.read(memory, info).orElseThrow();
            long t1 = System.nanoTime();
            Btf btf = InMemoryBtf.read(memory, symbols).orElseThrow();
            long t2 = System.nanoTime();
            return new FromMemory(symbols, (t1 - t0) / 1_000_000, btf, (t2 - t1) / 1_000_000,
                    info.hex("KERNELOFFSET").orElseThrow());
        }
    }

    /**
     * Every "function+0xoff/0xsize" the guest's kernel printed in /proc/PID/stack before the dump:
     * the symbolizer names that address the same way from the dump's kallsyms, and with the same
     * offset and size from the vmlinux, whose symbol table may name a global alias instead
     * (__x64_sys_pause for the kernel's __do_sys_pause).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void addressesAreNamedAsTheKernelsProcPidStackNamesThem(Dump fixture) throws Exception {
        FromMemory memory = readFromMemory(fixture);
        Symbols shifted = linked.withKaslrOffset(memory.kaslrOffset());
        Symbolizer fromKallsyms = new Symbolizer(memory.symbols());
        Symbolizer fromVmlinux = new Symbolizer(shifted);
        Set<String> printed = new TreeSet<>();
        for (String line : Files.readAllLines(fixture.guestFile("proc-tasks.txt"))) {
            if (line.startsWith("stack: [<0>] ")) {
                printed.add(line.substring("stack: [<0>] ".length()));
            }
        }
        assertTrue(printed.size() > 20, "the guest printed " + printed.size() + " distinct stack entries");
        for (String location : printed) {
            String name = location.substring(0, location.indexOf('+'));
            long offset = Long.parseLong(location.substring(location.indexOf("+0x") + 3, location.indexOf('/')), 16);
            List<Long> candidates = memory.symbols().lookupAll(name).stream().map(Symbol::address).toList();
            assertTrue(candidates.stream().anyMatch(a -> fromKallsyms.at(a + offset).orElseThrow().toString()
                .equals(location)), location + " from kallsyms");
            assertTrue(candidates.stream().anyMatch(a -> {
                Symbolizer.Location ours = fromVmlinux.at(a + offset).orElseThrow();
                // The same offset from the same address: ours names a symbol that starts there too.
                return ours.toString().equals(location.replace(name + "+", ours.function() + "+"));
            }), location + " from the vmlinux");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void kallsymsAgreesWithTheGuestAndTheVmlinux(Dump fixture) throws Exception {
        FromMemory m = readFromMemory(fixture);
        Symbols kallsyms = m.symbols();
        Symbols shifted = linked.withKaslrOffset(m.kaslrOffset());
        assertEquals(m.kaslrOffset(), kallsyms.kaslrOffset());

        // The running kernel's own /proc/kallsyms.
        Map<String, String> guest = new TreeMap<>();
        Map<String, String> ours = new TreeMap<>();
        Fixtures.guestSymbols(fixture).forEach((name, address) -> {
            guest.put(name, Long.toHexString(address));
            ours.put(name, kallsyms.address(name).stream().mapToObj(Long::toHexString).findFirst().orElse("none"));
        });
        assertEquals(guest, ours);

        // Every vmlinux symbol that kallsyms keeps, at its shifted address.
        List<String> missing = new ArrayList<>();
        int compared = 0;
        int functions = 0;
        for (Symbol v : shifted.all()) {
            if (omittedByKallsyms(v)) {
                continue;
            }
            compared++;
            functions += v.kind() == Symbol.Kind.TEXT && v.global() ? 1 : 0;
            if (kallsyms.lookupAll(v.name()).stream().noneMatch(s -> s.address() == v.address())) {
                missing.add(v + ": " + kallsyms.lookupAll(v.name()));
            }
        }
        // And the other way: every kallsyms symbol is a vmlinux symbol at the same address, of
        // the same kind except where the ELF table calls an image address per-CPU: the linker
        // puts __per_cpu_load and __init_begin, which mark the per-CPU template's place in the
        // image, in the .data..percpu section.
        List<String> unknown = new ArrayList<>();
        for (Symbol s : kallsyms.all()) {
            List<Symbol> same = shifted.lookupAll(s.name()).stream().filter(v -> v.address() == s.address()).toList();
            boolean kindAgrees = same.stream().anyMatch(v -> v.kind() == s.kind() || v.kind() == Symbol.Kind.PER_CPU
                    && v.address() != v.linkAddress() && s.kind() == Symbol.Kind.DATA);
            if (!kindAgrees) {
                unknown.add(s + ": " + shifted.lookupAll(s.name()));
            }
        }
        // Addresses inside functions: both tables find a symbol that starts at the same place
        // (which name among several there is each table's preference).
        List<String> nearest = new ArrayList<>();
        int probes = 0;
        for (int i = 0; i < kallsyms.size(); i += 50) {
            Symbol s = kallsyms.all().get(i);
            if (s.kind() != Symbol.Kind.TEXT) {
                continue;
            }
            probes++;
            long probe = s.address() + 1;
            long fromKallsyms = kallsyms.at(probe).orElseThrow().symbol().address();
            long fromVmlinux = shifted.at(probe).orElseThrow().symbol().address();
            if (fromKallsyms != fromVmlinux) {
                nearest.add(String.format("0x%x: %s, vmlinux %s", probe, kallsyms.at(probe).get(),
                        shifted.at(probe).get()));
            }
        }
        System.out.printf("KallsymsIT: %s: %d kallsyms symbols decoded in %d ms, in-memory BTF of %d types parsed in"
                + " %d ms; %d vmlinux symbols compared (%d global functions)%n", fixture, kallsyms.size(),
                m.kallsymsMillis(), m.btf().typeCount(), m.btfMillis(), compared, functions);
        assertEquals(List.of(), missing.subList(0, Math.min(20, missing.size())), missing.size() + " missing");
        assertEquals(List.of(), unknown.subList(0, Math.min(20, unknown.size())), unknown.size() + " unknown");
        assertTrue(functions > 20_000 && compared > 80_000, compared + " compared, " + functions + " functions");
        assertEquals(List.of(), nearest);
        assertTrue(probes > 500, probes + " probes");

        for (String name : PER_CPU) {
            Symbol fromVmlinux = linked.lookup(name).orElseThrow();
            Symbol fromKallsyms = kallsyms.lookup(name).orElseThrow();
            assertEquals(Symbol.Kind.PER_CPU, fromKallsyms.kind(), name);
            assertEquals(fromVmlinux.linkAddress(), fromKallsyms.address(), name);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void theKernelsBtfIsTheVmlinuxBtf(Dump fixture) throws Exception {
        Btf btf = readFromMemory(fixture).btf();
        assertEquals(vmlinuxBtf.typeCount(), btf.typeCount());
        assertEquals(vmlinuxBtf.sizeOf(vmlinuxBtf.struct("task_struct").orElseThrow()),
                btf.sizeOf(btf.struct("task_struct").orElseThrow()));
        assertEquals(vmlinuxBtf.offsetOf("task_struct", "tasks"), btf.offsetOf("task_struct", "tasks"));
        assertEquals(vmlinuxBtf.field("task_struct", "thread.sp"), btf.field("task_struct", "thread.sp"));
    }

    /**
     * What scripts/kallsyms.c leaves out of the vmlinux symbol table, as this 6.1 kernel shows:
     * absolute symbols (phys_startup_64, text_size, init_per_cpu__*), its own tables, which it
     * cannot list while generating them, and EXPORT_SYMBOL's name strings, which the kernel build
     * feeds to it already filtered (as scripts/mksysmap filters System.map).
     */
    private static boolean omittedByKallsyms(Symbol v) {
        return v.kind() == Symbol.Kind.ABSOLUTE || KALLSYMS_TABLES.contains(v.name())
                || v.name().startsWith("__kstrtab_") || v.name().startsWith("__kstrtabns_");
    }
}
