package dev.kdumpbridge.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.Dumps;
import dev.kdumpbridge.dump.MemoryFault;
import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import dev.kdumpbridge.fixtures.RdOracle;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.AddressSpace;
import dev.kdumpbridge.memory.KernelMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our kernel-virtual and physical reads of every fixture dump equal what crash 8.0.6 read at the
 * same addresses (oracle/crash/ID/rd.txt), or drgn 0.0.31 for the dumps crash cannot open
 * (oracle/drgn/ID/rd.txt): the kernel image, per-CPU areas, every task_struct, every stack and
 * its guard page, vmemmap, physical pages. Where they could not read, we fault at the same
 * address for the same kind of reason; their vtop translations are ours.
 *
 * <p>A dump that has no record of its own (neither tool opens qemu-kdump-zlib; convert-x86_64.sh
 * records nothing for kdump-snappy-d31) is compared with the record of another dump of the same
 * boot, except on physical pages whose contents differ between the two dumps: QEMU wrote its two
 * dumps of a running guest one after the other.
 */
class TranslationOracleIT {
    private static final int PAGE = 4096;

    static List<Dump> dumps() {
        return Fixtures.dumps();
    }

    /** The record to compare with, and the dump it was recorded on when that is another one. */
    private record Reference(RdOracle oracle, Optional<Dump> recordedOn) {
    }

    private static Reference reference(Dump fixture) {
        Optional<RdOracle> own = RdOracle.of(fixture);
        if (own.isPresent()) {
            return new Reference(own.get(), Optional.empty());
        }
        for (Dump sibling : Fixtures.dumps()) {
            Optional<RdOracle> theirs = RdOracle.of(sibling);
            if (sibling.source().equals(fixture.source()) && theirs.isPresent()) {
                return new Reference(theirs.get(), Optional.of(sibling));
            }
        }
        return fail("no rd oracle for " + fixture + " or any dump of its boot: run protocol-tests/fixtures/oracles.sh");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void readsWhatTheOracleRead(Dump fixture) throws Exception {
        Reference reference = reference(fixture);
        try (DumpFile dump = Dumps.open(fixture.files())) {
            X86_64Paging paging = X86_64Paging.discover(dump, name -> OptionalLong.empty());
            assertEquals(List.of(), paging.warnings());
            compare(fixture, dump, paging.memory(), reference);
        }
    }

    /** Without VMCOREINFO a QEMU dump's vCPU CR3 is the root; it must read the same. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void aQemuVcpusCr3ReadsTheSame(Dump fixture) throws Exception {
        try (DumpFile dump = Dumps.open(fixture.files())) {
            Optional<X86_64Paging.Sourced> root = X86_64Paging.rootFromQemu(dump, 0);
            if (!fixture.source().toString().equals("qemu")) {
                assertEquals(Optional.empty(), root, "a kdump has no QEMU CPU state");
                return;
            }
            KernelMemory memory = AddressSpace.of(dump, new X86_64PageTables(root.orElseThrow().value(), 4, 0));
            long banner = Fixtures.guestSymbols(fixture).get("linux_banner");
            assertTrue(new String(memory.read(banner, 14), StandardCharsets.US_ASCII).startsWith("Linux version "));
            compare(fixture, dump, memory, reference(fixture));
        }
    }

    /**
     * The region bases: derived without symbols (ELF segments or the page-table scan) and read
     * from the variables the guest's kallsyms locates, both equal to what the oracle read there.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void regionBasesAreTheKernelsVariables(Dump fixture) throws Exception {
        RdOracle oracle = reference(fixture).oracle();
        Map<String, Long> guest = Fixtures.guestSymbols(fixture);
        try (DumpFile dump = Dumps.open(fixture.files())) {
            X86_64Paging derived = X86_64Paging.discover(dump, name -> OptionalLong.empty());
            X86_64Paging read = X86_64Paging.discover(dump,
                    name -> guest.containsKey(name) ? OptionalLong.of(guest.get(name)) : OptionalLong.empty());

            long pageOffsetBase = value(oracle, guest.get("page_offset_base"));
            assertEquals(pageOffsetBase, derived.directMap().orElseThrow().value(), derived.directMap().get().source());
            assertEquals(pageOffsetBase, read.directMap().orElseThrow().value());
            assertEquals("page_offset_base (read from memory)", read.directMap().get().source());
            assertEquals(value(oracle, guest.get("vmalloc_base")), read.vmalloc().orElseThrow().value());
            assertEquals(value(oracle, guest.get("vmemmap_base")), read.vmemmap().orElseThrow().value());
            assertEquals(value(oracle, guest.get("phys_base")), read.physBase().orElseThrow().value());
        }
    }

    private static long value(RdOracle oracle, long address) {
        byte[] word = oracle.words().get(address);
        assertTrue(word != null, () -> String.format("%s has no word at 0x%x", oracle.file(), address));
        return ByteBuffer.wrap(word).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static void compare(Dump fixture, DumpFile dump, KernelMemory memory, Reference reference)
            throws Exception {
        RdOracle oracle = reference.oracle();
        SamePages same = reference.recordedOn().isPresent() ? new SamePages(dump, reference.recordedOn().get()) : null;
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        int skipped = 0;
        int excludedZeros = 0;
        try {
            for (Map.Entry<Long, byte[]> word : oracle.words().entrySet()) {
                long address = word.getKey();
                boolean physical = address >= 0;
                long pa = physical ? address : translate(memory, address, mismatches);
                if (pa == -1) {
                    continue;
                }
                if (same != null && !same.at(pa)) {
                    skipped++;
                    continue;
                }
                byte[] ours = new byte[8];
                try {
                    if (physical) {
                        memory.readPhysical(address, ours, 0, 8);
                    } else {
                        memory.read(address, ours, 0, 8);
                    }
                } catch (AddressFault fault) {
                    if (fault.reason() == AddressFault.Reason.EXCLUDED && fixture.format().equals("elf")
                            && Arrays.equals(word.getValue(), new byte[8])) {
                        // crash fills the pages makedumpfile -E left out with zeros
                        // (zero_fill in help -D); we say they are excluded.
                        excludedZeros++;
                    } else {
                        mismatches.add(fault.getMessage() + "; the oracle read " + hex(word.getValue()));
                    }
                    continue;
                }
                compared++;
                if (!Arrays.equals(word.getValue(), ours)) {
                    mismatches.add(String.format("0x%x: %s, the oracle read %s", address, hex(ours), hex(word.getValue())));
                }
            }
            for (RdOracle.Fault fault : oracle.faults()) {
                checkFault(memory, fault, same == null, mismatches);
            }
            for (Map.Entry<Long, OptionalLong> vtop : oracle.vtops().entrySet()) {
                checkTranslation(memory, vtop.getKey(), vtop.getValue(), mismatches);
            }
        } finally {
            if (same != null) {
                same.close();
            }
        }
        assertEquals(List.of(), mismatches.subList(0, Math.min(20, mismatches.size())),
                mismatches.size() + " differences from " + oracle.file());
        int total = oracle.words().size();
        // Another dump of the boot differs in a few pages at most; never skip most of the record.
        assertTrue(skipped + excludedZeros <= total / 10, skipped + excludedZeros + " of " + total + " words skipped");
        assertTrue(compared >= 1000, "only " + compared + " words compared with " + oracle.file());
        System.out.printf("%s: %d words equal to %s (%d skipped: different pages in the two dumps;"
                + " %d excluded where the oracle reads zeros), %d faults and %d translations agree%n", fixture, compared,
                oracle.file(), skipped, excludedZeros, oracle.faults().size(), oracle.vtops().size());
    }

    private static long translate(KernelMemory memory, long va, List<String> mismatches) throws IOException {
        try {
            return memory.translate(va).physical(va);
        } catch (AddressFault fault) {
            mismatches.add(fault.getMessage() + "; the oracle read it");
            return -1;
        }
    }

    /**
     * Where the oracle could not read, we cannot either, from the same address on: "not mapped"
     * where the tables say so (the same in every dump of a boot), otherwise a fault of the dump
     * (only compared on the dump the record is from).
     */
    private static void checkFault(KernelMemory memory, RdOracle.Fault fault, boolean sameDump, List<String> mismatches)
            throws IOException {
        if (!fault.notMapped() && !sameDump) {
            return;
        }
        try {
            if (fault.physical()) {
                memory.readPhysical(fault.address(), new byte[8], 0, 8);
            } else {
                memory.read(fault.address(), 8);
            }
            mismatches.add(String.format("0x%x: we read it, the oracle says %s", fault.address(), fault.reason()));
        } catch (AddressFault ours) {
            if (ours.address() != fault.address()) {
                mismatches.add(ours.getMessage() + "; the oracle's fault is at " + Long.toHexString(fault.address()));
            } else if (fault.notMapped() != (ours.reason() == AddressFault.Reason.NOT_MAPPED)
                    || fault.excluded() && ours.reason() != AddressFault.Reason.EXCLUDED) {
                mismatches.add(ours.getMessage() + "; the oracle says " + fault.reason());
            }
        }
    }

    private static void checkTranslation(KernelMemory memory, long va, OptionalLong expected, List<String> mismatches)
            throws IOException {
        try {
            long pa = memory.translate(va).physical(va);
            if (expected.isEmpty() || expected.getAsLong() != pa) {
                mismatches.add(String.format("vtop 0x%x: 0x%x, the oracle says %s", va, pa,
                        expected.isEmpty() ? "not mapped" : Long.toHexString(expected.getAsLong())));
            }
        } catch (AddressFault fault) {
            if (expected.isPresent() || fault.reason() != AddressFault.Reason.NOT_MAPPED) {
                mismatches.add("vtop: " + fault.getMessage() + "; the oracle says "
                        + (expected.isEmpty() ? "not mapped" : Long.toHexString(expected.getAsLong())));
            }
        }
    }

    private static String hex(byte[] word) {
        return Long.toHexString(ByteBuffer.wrap(word).order(ByteOrder.LITTLE_ENDIAN).getLong());
    }

    /** Whether a physical page has the same contents in this dump and in the one the record is from. */
    private static final class SamePages implements AutoCloseable {
        private final DumpFile ours;
        private final DumpFile theirs;
        private final Map<Long, Boolean> pages = new HashMap<>();

        SamePages(DumpFile ours, Dump recordedOn) throws IOException {
            this.ours = ours;
            this.theirs = Dumps.open(recordedOn.files());
        }

        boolean at(long physical) throws IOException {
            long page = physical & -PAGE;
            Boolean same = pages.get(page);
            if (same == null) {
                same = Arrays.equals(page(ours, page), page(theirs, page));
                pages.put(page, same);
            }
            return same;
        }

        private static byte[] page(DumpFile dump, long page) throws IOException {
            try {
                return dump.read(page, PAGE);
            } catch (MemoryFault fault) {
                return null;
            }
        }

        @Override
        public void close() throws IOException {
            theirs.close();
        }
    }
}
