package dev.kdumpbridge.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.kernel.KallsymsImage.Built;
import dev.kdumpbridge.kernel.KallsymsImage.Encoding;
import dev.kdumpbridge.memory.AddressFault;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class KallsymsTest {
    private static final long TEXT = 0xffffffffa1000000L;
    private static final long DATA = 0xffffffffa2000000L;
    private static final long KASLR = 0x20000000L;
    private static final String LONG_NAME = "rust_" + "x".repeat(200);

    /** An x86-64 6.1 table: zero-based per-CPU symbols made absolute, image symbols relative. */
    private static KallsymsImage x86() {
        return new KallsymsImage(Encoding.ABSOLUTE_PERCPU).kaslr(KASLR)
                .sym('A', "__per_cpu_start", 0)
                .sym('A', "fixed_percpu_data", 0)
                .sym('A', "runqueues", 0x2a000)
                .sym('A', "__per_cpu_end", 0x2c000)
                .sym('T', "_text", TEXT)
                .sym('T', "startup_64", TEXT)
                .sym('T', "_stext", TEXT + 0x1000)
                .sym('t', "sched_task_helper", TEXT + 0x1100)
                .sym('T', "kallsyms_lookup_name", TEXT + 0x1200)
                .sym('W', "arch_weak_hook", TEXT + 0x1300)
                .sym('t', LONG_NAME, TEXT + 0x1400)
                .sym('R', "linux_banner", DATA)
                .sym('D', "jiffies", DATA + 0x100)
                .sym('V', "weak_object", DATA + 0x180)
                .sym('b', "static_counter", DATA + 0x200)
                .sym('b', "static_counter", DATA + 0x300)
                .sym('B', "_end", DATA + 0x1000);
    }

    private static Symbols read(Built built) throws Exception {
        return Kallsyms.read(built.kernelMemory(), built.info()).orElseThrow();
    }

    @Test
    void decodesAnX86TableToTheVmlinuxView() throws Exception {
        Built built = x86().build();
        ArrayMemory memory = built.kernelMemory();
        Symbols s = Kallsyms.read(memory, built.info()).orElseThrow();
        assertEquals(17, s.size());
        assertEquals(KASLR, s.kaslrOffset());
        // Image symbols: runtime addresses, link addresses KERNELOFFSET below.
        Symbol stext = s.lookup("_stext").orElseThrow();
        assertEquals(TEXT + 0x1000, stext.address());
        assertEquals(TEXT + 0x1000 - KASLR, stext.linkAddress());
        assertEquals(new Symbol("jiffies", DATA + 0x100, DATA + 0x100 - KASLR, 0, Symbol.Kind.DATA, true),
                s.lookup("jiffies").orElseThrow());
        // Per-CPU offsets stay as they are, as the ELF table keeps them.
        assertEquals(new Symbol("runqueues", 0x2a000, 0x2a000, 0, Symbol.Kind.PER_CPU, true),
                s.lookup("runqueues").orElseThrow());
        assertEquals(Symbol.Kind.PER_CPU, s.lookup("__per_cpu_end").orElseThrow().kind());
        assertEquals(OptionalLong.of(0), s.address("fixed_percpu_data"));
        // Type letters: case is binding, the letter is the kind.
        assertEquals(Symbol.Kind.TEXT, s.lookup("sched_task_helper").orElseThrow().kind());
        assertEquals(false, s.lookup("sched_task_helper").orElseThrow().global());
        assertEquals(Symbol.Kind.TEXT, s.lookup("arch_weak_hook").orElseThrow().kind());
        assertEquals(Symbol.Kind.DATA, s.lookup("weak_object").orElseThrow().kind());
        assertEquals(Symbol.Kind.DATA, s.lookup("linux_banner").orElseThrow().kind());
        assertEquals(OptionalLong.of(TEXT + 0x1200), s.address("kallsyms_lookup_name"));
        // A name of more than 127 compressed bytes has the two-byte length of 6.1+.
        assertEquals(OptionalLong.of(TEXT + 0x1400), s.address(LONG_NAME));
        assertEquals(List.of(DATA + 0x200, DATA + 0x300),
                s.lookupAll("static_counter").stream().map(Symbol::address).toList());
        // A few large reads, not one per symbol or byte.
        assertTrue(memory.reads() <= 8, memory.reads() + " reads");
    }

    @Test
    void findsTheNearestSymbolWithoutSizes() throws Exception {
        Symbols s = read(x86().build());
        assertEquals("sched_task_helper+0x10", s.at(TEXT + 0x1110).orElseThrow().toString());
        // Among symbols at one address, kallsyms' own order: the name the kernel prints.
        assertEquals("_text", s.at(TEXT).orElseThrow().symbol().name());
        assertEquals("_end", s.at(DATA + 0x1000).orElseThrow().symbol().name());
        assertEquals(Optional.empty(), s.at(TEXT - 1));
        assertEquals(Optional.empty(), s.at(DATA + 0x1001));
        assertEquals(Optional.empty(), s.at(0x2a000));
        // The link-time view finds the same symbol at the link address.
        assertEquals("jiffies+0x8", s.withKaslrOffset(0).at(DATA + 0x108 - KASLR).orElseThrow().toString());
    }

    @Test
    void decodesAPerCpuTemplateInsideTheImage() throws Exception {
        // arm64: offsets from the base, per-CPU symbols are image addresses and move with it.
        Built built = new KallsymsImage(Encoding.BASE_RELATIVE).kaslr(KASLR)
                .sym('T', "_text", TEXT)
                .sym('T', "_stext", TEXT + 0x1000)
                .sym('D', "__per_cpu_start", DATA)
                .sym('d', "runqueues", DATA + 0x40)
                .sym('D', "__per_cpu_end", DATA + 0x100)
                .sym('B', "_end", DATA + 0x1000)
                .build();
        Symbols s = read(built);
        Symbol rq = s.lookup("runqueues").orElseThrow();
        assertEquals(Symbol.Kind.PER_CPU, rq.kind());
        assertEquals(DATA + 0x40, rq.address());
        assertEquals(DATA + 0x40 - KASLR, rq.linkAddress());
        assertEquals(Symbol.Kind.DATA, s.lookup("_end").orElseThrow().kind());
    }

    @Test
    void decodesPlaceRelativeOffsetsAndFullAddresses() throws Exception {
        for (Encoding encoding : List.of(Encoding.PLACE_RELATIVE, Encoding.ADDRESSES)) {
            Built built = new KallsymsImage(encoding).kaslr(KASLR)
                    .sym('T', "_text", TEXT)
                    .sym('T', "_stext", TEXT + 0x1000)
                    .sym('D', "jiffies", DATA)
                    .build();
            Symbols s = read(built);
            assertEquals(OptionalLong.of(DATA), s.address("jiffies"), encoding.name());
            assertEquals(DATA - KASLR, s.lookup("jiffies").orElseThrow().linkAddress(), encoding.name());
        }
    }

    @Test
    void readsANamesTableThatEndsWhereMemoryEnds() throws Exception {
        // No other table above the names: the reader's large read runs off the end of memory and
        // keeps what it got.
        Symbols s = read(x86().namesLast().build());
        assertEquals(OptionalLong.of(DATA + 0x1000), s.address("_end"));
    }

    @Test
    void withoutKallsymsInVmcoreinfoThereIsNothing() throws Exception {
        Built built = x86().info("SYMBOL(kallsyms_names)", null).build();
        assertEquals(Optional.empty(), Kallsyms.read(built.kernelMemory(), built.info()));
    }

    @Test
    void aMissingTableIsNamed() {
        Built built = x86().info("SYMBOL(kallsyms_token_index)", null).build();
        KernelMemoryFormatException e = assertThrows(KernelMemoryFormatException.class, () -> read(built));
        assertTrue(e.getMessage().contains("kallsyms_token_index"), e.getMessage());
    }

    @Test
    void refusesASymbolCountBeyondAnyKernel() {
        Built built = x86().build();
        built.at(built.layout().numSyms()).putInt(0x7fffffff);
        KernelMemoryFormatException e = assertThrows(KernelMemoryFormatException.class, () -> read(built));
        assertEquals(built.layout().numSyms(), e.address());
        assertTrue(e.getMessage().contains("2147483647"), e.getMessage());
    }

    @Test
    void refusesANameRunningPastItsTable() {
        Built built = x86().build();
        // The last entry claims 100 bytes; the token table begins after fewer.
        long last = built.layout().names();
        for (int i = 0; i < 16; i++) {
            last += KallsymsImage.encodeName(x86Names().get(i)).length;
        }
        built.at(last).put((byte) 100);
        KernelMemoryFormatException e = assertThrows(KernelMemoryFormatException.class, () -> read(built));
        assertEquals(last, e.address());
        assertTrue(e.getMessage().contains("entry 16 of 17") && e.getMessage().contains("table ends"),
                e.getMessage());
    }

    private static List<String> x86Names() {
        return List.of("A__per_cpu_start", "Afixed_percpu_data", "Arunqueues", "A__per_cpu_end", "T_text",
                "Tstartup_64", "T_stext", "tsched_task_helper", "Tkallsyms_lookup_name", "Warch_weak_hook",
                "t" + LONG_NAME, "Rlinux_banner", "Djiffies", "Vweak_object", "bstatic_counter", "bstatic_counter",
                "B_end");
    }

    @Test
    void refusesAnEmptyEntryAndAMissingTypeLetter() {
        Built empty = x86().build();
        empty.at(empty.layout().names()).put((byte) 0);
        KernelMemoryFormatException e = assertThrows(KernelMemoryFormatException.class, () -> read(empty));
        assertTrue(e.getMessage().contains("length 0"), e.getMessage());

        Built noLetter = x86().build();
        // Entry 0 is "A__per_cpu_start": its first token becomes '1'.
        noLetter.at(noLetter.layout().names() + 1).put((byte) '1');
        e = assertThrows(KernelMemoryFormatException.class, () -> read(noLetter));
        assertEquals(noLetter.layout().names(), e.address());
        assertTrue(e.getMessage().contains("type letter"), e.getMessage());
    }

    @Test
    void refusesATokenOutsideItsTable() {
        Built built = x86().build();
        built.at(built.layout().tokenIndex() + 2 * 'A').putShort((short) 0xfff0);
        KernelMemoryFormatException e = assertThrows(KernelMemoryFormatException.class, () -> read(built));
        assertEquals(built.layout().tokenIndex() + 2 * 'A', e.address());
    }

    @Test
    void refusesAnAddressOutsideTheImage() {
        Built built = x86().build();
        // Entry 12 (jiffies) as the most negative offset: 2 GiB above the base.
        long entry = built.layout().addresses() + 12 * 4;
        built.at(entry).putInt(Integer.MIN_VALUE);
        KernelMemoryFormatException e = assertThrows(KernelMemoryFormatException.class, () -> read(built));
        assertEquals(entry, e.address());
        assertTrue(e.getMessage().contains("jiffies") && e.getMessage().contains("inside the 0x40000000-byte"),
                e.getMessage());
    }

    @Test
    void refusesTablesThatDisagreeWithVmcoreinfo() {
        Built built = x86().info("SYMBOL(_stext)", Long.toHexString(TEXT + 0x2000)).build();
        KernelMemoryFormatException e = assertThrows(KernelMemoryFormatException.class, () -> read(built));
        assertTrue(e.getMessage().contains("SYMBOL(_stext)"), e.getMessage());
    }

    @Test
    void aTableOutsideTheDumpIsAnAddressFault() {
        Built built = x86().info("SYMBOL(kallsyms_num_syms)", "ffffffff90000000").build();
        AddressFault fault = assertThrows(AddressFault.class, () -> read(built));
        assertEquals(0xffffffff90000000L, fault.address());
    }
}
