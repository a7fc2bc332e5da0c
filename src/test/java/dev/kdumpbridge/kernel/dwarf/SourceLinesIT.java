package dev.kdumpbridge.kernel.dwarf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kdumpbridge.fixtures.Addr2line;
import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.kernel.Symbol;
import dev.kdumpbridge.kernel.Symbols;
import dev.kdumpbridge.kernel.Vmlinux;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The fixture's debug vmlinux (Debian 6.1, DWARF 5 from GCC 12 and gas 2.40) against two line
 * readers that share no code with us or with each other: binutils' {@code addr2line} (BFD) and
 * LLVM's {@code llvm-addr2line}. Both run without {@code -i}, so they print the innermost row of
 * the line table, which is what {@code .debug_line} says and what we return; with {@code -i}
 * they would add the inlined callers from {@code .debug_info}.
 *
 * <p>binutils 2.40 differs from the DWARF 5 standard in two ways, both only in the file name,
 * never in the line: BFD's {@code decode_line_info} starts each DWARF 5 sequence in file 0
 * where §6.2.2 says file 1, so rows GCC leaves in the initial file (an inlined header function
 * at the start of a sequence) come out as the unit's {@code .c} file; and it doubles the slash
 * after a directory that ends in one. LLVM, gdb and we follow the standard. So lines are checked
 * against both tools, files against binutils where the two tools agree and against LLVM always.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SourceLinesIT {
    /** Kernel functions a backtrace of a panic or a sleeping task passes through. */
    private static final List<String> FUNCTIONS =
            List.of("__schedule", "schedule", "do_idle", "vfs_read", "ksys_write", "panic", "do_syscall_64");
    /** One text symbol in this many (about 4 600 of 46 000), at a random offset inside it. */
    private static final int SAMPLE_EVERY = 10;

    private static Path vmlinux;

    @BeforeAll
    static void fixture() {
        vmlinux = Fixtures.vmlinux();
        assumeTrue(Files.isRegularFile(vmlinux), vmlinux + " is not there");
    }

    /** First, so the first lookup it times runs in a JVM that has not read DWARF yet. */
    @Test
    @Order(1)
    void kernelFunctionsMatchAddr2line() throws Exception {
        try (Vmlinux image = Vmlinux.open(vmlinux)) {
            Symbols symbols = image.symbols();
            List<Long> addresses = new ArrayList<>();
            for (String name : FUNCTIONS) {
                Symbol function = symbols.lookup(name).orElseThrow();
                for (int third = 0; third < 3; third++) {
                    addresses.add(function.linkAddress() + function.size() * third / 3);
                }
            }
            List<Optional<SourceLine>> expected = Addr2line.lines("addr2line", vmlinux, addresses);

            long opened = System.nanoTime();
            SourceLines lines = SourceLines.of(image).orElseThrow();
            long first = System.nanoTime();
            Optional<SourceLine> firstLine = lines.at(addresses.get(0));
            long firstDone = System.nanoTime();
            List<Optional<SourceLine>> actual = new ArrayList<>();
            for (long address : addresses) {
                actual.add(lines.at(address));
            }
            long rest = System.nanoTime();
            int warmLookups = 100_000;
            for (int i = 0; i < warmLookups; i++) {
                lines.at(addresses.get(i % addresses.size()));
            }
            long warm = System.nanoTime();
            System.out.printf("SourceLinesIT: of() %d µs; first lookup %.1f ms (aranges and one unit); the %d"
                    + " addresses (%d functions) %.1f ms; warm lookup %.2f µs%n", (first - opened) / 1000,
                    (firstDone - first) / 1e6, addresses.size(), FUNCTIONS.size(), (rest - firstDone) / 1e6,
                    (warm - rest) / 1e3 / warmLookups);

            assertEquals(actual.get(0), firstLine);
            for (int i = 0; i < addresses.size(); i++) {
                assertEquals(expected.get(i), actual.get(i), "0x" + Long.toHexString(addresses.get(i)));
                assertTrue(actual.get(i).isPresent(), "0x" + Long.toHexString(addresses.get(i)));
            }
        }
    }

    @Test
    void sampleOfAllTextMatchesBothTools() throws Exception {
        try (Vmlinux image = Vmlinux.open(vmlinux)) {
            Random random = new Random(42);
            List<Long> addresses = new ArrayList<>();
            for (Symbol s : image.symbols().all()) {
                if (s.kind() == Symbol.Kind.TEXT && s.size() > 0 && random.nextInt(SAMPLE_EVERY) == 0) {
                    addresses.add(s.linkAddress() + random.nextLong(s.size()));
                }
            }
            List<Optional<SourceLine>> binutils = Addr2line.lines("addr2line", vmlinux, addresses);
            List<Optional<SourceLine>> llvm = Addr2line.lines("llvm-addr2line", vmlinux, addresses);
            // Many threads on one fresh instance: the lazy aranges index and the cache are shared.
            SourceLines lines = SourceLines.of(image).orElseThrow();
            List<Optional<SourceLine>> actual = addresses.parallelStream().map(address -> {
                try {
                    return lines.at(address);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();

            int found = 0;
            int binutilsFileDiffers = 0;
            for (int i = 0; i < addresses.size(); i++) {
                String where = "0x" + Long.toHexString(addresses.get(i));
                assertEquals(llvm.get(i), actual.get(i), where);
                assertEquals(binutils.get(i).map(SourceLine::line), actual.get(i).map(SourceLine::line), where);
                if (actual.get(i).isPresent()) {
                    found++;
                    if (!binutils.get(i).equals(actual.get(i))) {
                        binutilsFileDiffers++;
                    }
                }
            }
            System.out.printf("SourceLinesIT: %d sampled addresses, %d with a line, all as llvm-addr2line says;"
                    + " addr2line's line always agrees, its file differs at %d (see the class comment)%n",
                    addresses.size(), found, binutilsFileDiffers);
            assertTrue(found > addresses.size() * 9 / 10, found + " of " + addresses.size());
        }
    }

    @Test
    void everyCompileUnitsLineTableReads() throws Exception {
        try (Vmlinux image = Vmlinux.open(vmlinux)) {
            SourceLines lines = SourceLines.of(image).orElseThrow();
            DwarfSection info = SourceLines.section(image, ".debug_info").orElseThrow();
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            System.gc();
            long heapBefore = memory.getHeapMemoryUsage().getUsed();
            long started = System.nanoTime();
            List<LineTable> tables = new ArrayList<>();
            for (long offset = 0; offset < info.size(); offset = info.cursor(offset, info.size()).unitLength().end()) {
                tables.add(lines.table(offset));
            }
            long elapsed = System.nanoTime() - started;
            System.gc();
            long retained = memory.getHeapMemoryUsage().getUsed() - heapBefore;
            System.out.printf("SourceLinesIT: %d units' line tables read in %d ms, %d MB on the heap"
                    + " (%d KB a unit)%n", tables.size(), elapsed / 1_000_000, retained >> 20,
                    retained / tables.size() >> 10);
            assertTrue(tables.size() > 1000, tables.size() + " units");
        }
    }
}
