package dev.kdumpbridge.kernel;

import static dev.kdumpbridge.kernel.ElfImageBuilder.ALLOC;
import static dev.kdumpbridge.kernel.ElfImageBuilder.EXEC;
import static dev.kdumpbridge.kernel.ElfImageBuilder.GLOBAL;
import static dev.kdumpbridge.kernel.ElfImageBuilder.LOCAL;
import static dev.kdumpbridge.kernel.ElfImageBuilder.SHN_ABS;
import static dev.kdumpbridge.kernel.ElfImageBuilder.SHT_NOTE;
import static dev.kdumpbridge.kernel.ElfImageBuilder.SHT_PROGBITS;
import static dev.kdumpbridge.kernel.ElfImageBuilder.STT_FILE;
import static dev.kdumpbridge.kernel.ElfImageBuilder.STT_FUNC;
import static dev.kdumpbridge.kernel.ElfImageBuilder.STT_NOTYPE;
import static dev.kdumpbridge.kernel.ElfImageBuilder.STT_OBJECT;
import static dev.kdumpbridge.kernel.ElfImageBuilder.STT_SECTION;
import static dev.kdumpbridge.kernel.ElfImageBuilder.WEAK;
import static dev.kdumpbridge.kernel.ElfImageBuilder.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.kernel.btf.BtfFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmlinuxTest {
    private static final long TEXT = 0xffffffff81000000L;
    private static final long RODATA = 0xffffffff82000000L;
    private static final long BSS = 0xffffffff83000000L;
    private static final long KASLR = 0x3a000000L;
    private static final String BANNER = "Linux version 6.1.0-test (gcc) #1 SMP\n";
    private static final byte[] BUILD_ID = {0x3b, 0x43, (byte) 0xfa, (byte) 0xd5, 0x03, 0x48, 0x74, 0x49};

    @TempDir
    Path dir;

    /** One INT named "long int": the smallest BTF that tells a pointer size. */
    private static byte[] tinyBtf() {
        byte[] name = "long int\0".getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(24 + 16 + 1 + name.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0xeb9f).put((byte) 1).put((byte) 0).putInt(24).putInt(0).putInt(16).putInt(16)
                .putInt(1 + name.length);
        b.putInt(1).putInt(1 << 24).putInt(8).putInt(1 << 24 | 64);
        b.put((byte) 0).put(name);
        return b.array();
    }

    private static ElfImageBuilder image(boolean withBtf) {
        ElfImageBuilder b = new ElfImageBuilder();
        int text = b.section(".text", SHT_PROGBITS, ALLOC | EXEC, TEXT, new byte[0x1000]);
        byte[] rodata = new byte[0x1000];
        byte[] banner = (BANNER + "\0").getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(banner, 0, rodata, 0x100, banner.length);
        int ro = b.section(".rodata", SHT_PROGBITS, ALLOC, RODATA, rodata);
        ByteBuffer notes = ByteBuffer.allocate(200);
        notes.put(ElfImageBuilder.note("Xen", 6, "linux\0".getBytes(StandardCharsets.ISO_8859_1)));
        notes.put(ElfImageBuilder.note("GNU", 3, BUILD_ID));
        b.section(".notes", SHT_NOTE, ALLOC, RODATA + 0x1000, java.util.Arrays.copyOf(notes.array(), notes.position()));
        if (withBtf) {
            b.section(".BTF", SHT_PROGBITS, ALLOC, RODATA + 0x2000, tinyBtf());
        }
        int percpu = b.section(".data..percpu", SHT_PROGBITS, ALLOC | WRITE, 0, new byte[0x2000]);
        int bss = b.nobits(".bss", ALLOC | WRITE, BSS, 0x1000);
        b.symbol("head_64.o", STT_FILE, LOCAL, SHN_ABS, 0, 0)
                .symbol("", STT_SECTION, LOCAL, text, TEXT, 0)
                .symbol("_text", STT_NOTYPE, GLOBAL, text, TEXT, 0)
                .symbol("startup_64", STT_NOTYPE, GLOBAL, text, TEXT, 0x40)
                .symbol("_stext", STT_NOTYPE, GLOBAL, text, TEXT, 0)
                .symbol("foo", STT_FUNC, LOCAL, text, TEXT + 0x100, 0x20)
                .symbol("foo", STT_FUNC, LOCAL, text, TEXT + 0x200, 0x20)
                .symbol("bar", STT_FUNC, LOCAL, text, TEXT + 0x300, 0x20)
                .symbol("bar", STT_FUNC, WEAK, text, TEXT + 0x400, 0x20)
                .symbol("label", STT_NOTYPE, LOCAL, text, TEXT + 0x400, 0)
                .symbol("linux_banner", STT_OBJECT, GLOBAL, ro, RODATA + 0x100, BANNER.length() + 1)
                .symbol("__per_cpu_start", STT_NOTYPE, GLOBAL, percpu, 0, 0)
                .symbol("runqueues", STT_OBJECT, GLOBAL, percpu, 0x1000, 0x100)
                .symbol("jiffies", STT_OBJECT, GLOBAL, bss, BSS, 8)
                .symbol("_end", STT_NOTYPE, GLOBAL, bss, BSS + 0x1000, 0)
                .symbol("init_per_cpu__gdt_page", STT_NOTYPE, GLOBAL, SHN_ABS, RODATA + 0x800, 0)
                .symbol("kexec_control_code_size", STT_NOTYPE, GLOBAL, SHN_ABS, 0x1ea, 0)
                .symbol("L4_PAGE_OFFSET", STT_NOTYPE, LOCAL, SHN_ABS, 0x111, 0)
                .symbol(".LC7", STT_NOTYPE, LOCAL, ro, RODATA + 0x110, 0)
                .symbol("$x", STT_NOTYPE, LOCAL, text, TEXT + 0x108, 0)
                .symbol("__crc_foo", STT_NOTYPE, GLOBAL, ro, RODATA + 0x120, 0);
        return b;
    }

    private Vmlinux open(byte[] bytes) throws IOException {
        Path file = dir.resolve("vmlinux");
        Files.write(file, bytes);
        return Vmlinux.open(file);
    }

    @Test
    void readsSectionsBuildIdBannerAndBtf() throws Exception {
        try (Vmlinux v = open(image(true).build())) {
            assertEquals(62, v.machine());
            assertEquals(ByteOrder.LITTLE_ENDIAN, v.byteOrder());
            assertEquals("", v.sections().get(0).name());
            ElfSection text = v.section(".text").orElseThrow();
            assertTrue(text.isAllocated() && text.isExecutable() && text.hasFileBytes());
            assertFalse(v.section(".bss").orElseThrow().hasFileBytes());
            assertEquals(Optional.of("3b43fad503487449"), v.buildId());
            assertEquals(Optional.of(BANNER), v.linuxBanner());
            Btf btf = v.btf().orElseThrow();
            assertEquals(8, btf.pointerSize());
            assertSame(btf, v.btf().orElseThrow());
            assertArrayEquals("Linux".getBytes(StandardCharsets.ISO_8859_1), v.readImage(RODATA + 0x100, 5));
            assertThrows(IOException.class, () -> v.readImage(BSS, 8));
        }
    }

    @Test
    void imageWithoutBtfHasNone() throws Exception {
        try (Vmlinux v = open(image(false).build())) {
            assertEquals(Optional.empty(), v.btf());
        }
    }

    @Test
    void looksUpSymbolsByName() throws Exception {
        try (Vmlinux v = open(image(true).build())) {
            Symbols s = v.symbols();
            assertSame(s, v.symbols());
            // File, section and local absolute symbols are not places in the kernel.
            assertEquals(15, s.size());
            assertTrue(s.lookup("head_64.o").isEmpty());
            assertTrue(s.lookup("L4_PAGE_OFFSET").isEmpty());
            // Neither System.map nor kallsyms has compiler labels, mapping symbols or CRCs.
            assertTrue(s.lookup(".LC7").isEmpty());
            assertTrue(s.lookup("$x").isEmpty());
            assertTrue(s.lookup("__crc_foo").isEmpty());
            assertEquals("linux_banner+0x14/0x27", s.at(RODATA + 0x114).orElseThrow().toString());
            assertEquals(OptionalLong.of(TEXT), s.address("_text"));
            assertEquals(Symbol.Kind.TEXT, s.lookup("_text").orElseThrow().kind());
            assertEquals(Symbol.Kind.DATA, s.lookup("jiffies").orElseThrow().kind());
            assertEquals(Symbol.Kind.PER_CPU, s.lookup("runqueues").orElseThrow().kind());
            assertEquals(Symbol.Kind.ABSOLUTE, s.lookup("kexec_control_code_size").orElseThrow().kind());
            // Two statics: the first; a static and a weak one: the weak (global) one.
            assertEquals(TEXT + 0x100, s.address("foo").getAsLong());
            assertEquals(List.of(TEXT + 0x100, TEXT + 0x200),
                    s.lookupAll("foo").stream().map(Symbol::address).toList());
            assertEquals(TEXT + 0x400, s.address("bar").getAsLong());
            assertTrue(s.lookup("bar").orElseThrow().global());
            assertEquals(OptionalLong.empty(), s.address("nothing"));
            assertEquals(List.of(), s.lookupAll("nothing"));
        }
    }

    @Test
    void findsTheSymbolAtAnAddress() throws Exception {
        try (Vmlinux v = open(image(true).build())) {
            Symbols s = v.symbols();
            // _text, _stext and startup_64 share an address: the sized one describes it best.
            assertEquals("startup_64+0x0/0x40", s.at(TEXT).orElseThrow().toString());
            SymbolOffset inFoo = s.at(TEXT + 0x110).orElseThrow();
            assertEquals("foo", inFoo.symbol().name());
            assertEquals(0x10, inFoo.offset());
            assertTrue(inFoo.inside());
            assertFalse(s.at(TEXT + 0x130).orElseThrow().inside());
            // A typed function wins over a label at the same address.
            assertEquals("bar", s.at(TEXT + 0x400).orElseThrow().symbol().name());
            assertEquals("jiffies+0x10/0x8", s.at(BSS + 0x10).orElseThrow().toString());
            assertEquals("_end", s.at(BSS + 0x1000).orElseThrow().symbol().name());
            assertEquals(Optional.empty(), s.at(TEXT - 1));
            assertEquals(Optional.empty(), s.at(BSS + 0x1001));
            // Per-CPU offsets are not addresses.
            assertEquals(Optional.empty(), s.at(0x1000));
        }
    }

    @Test
    void kaslrMovesImageSymbolsOnly() throws Exception {
        try (Vmlinux v = open(image(true).build())) {
            Symbols linked = v.symbols();
            Symbols s = linked.withKaslrOffset(KASLR);
            assertSame(s, s.withKaslrOffset(KASLR));
            assertEquals(KASLR, s.kaslrOffset());
            assertEquals(TEXT + KASLR, s.address("_text").getAsLong());
            assertEquals(TEXT, s.lookup("_text").orElseThrow().linkAddress());
            assertEquals(BSS + KASLR, s.address("jiffies").getAsLong());
            assertEquals(BSS + 0x1000 + KASLR, s.address("_end").getAsLong());
            assertEquals(0x1000, s.address("runqueues").getAsLong());
            assertEquals(0, s.address("__per_cpu_start").getAsLong());
            assertEquals(RODATA + 0x800 + KASLR, s.address("init_per_cpu__gdt_page").getAsLong());
            assertEquals(0x1ea, s.address("kexec_control_code_size").getAsLong());
            assertEquals("foo+0x10/0x20", s.at(TEXT + KASLR + 0x110).orElseThrow().toString());
            assertEquals(Optional.empty(), s.at(TEXT + 0x110));
            assertEquals(TEXT, linked.address("_text").getAsLong());
        }
    }

    @Test
    void perCpuSymbolsAtImageAddressesMove() throws Exception {
        // arm64 (and x86-64 once its per-CPU area stopped being zero-based) links the per-CPU
        // template inside the image: its symbols are addresses and KASLR moves them.
        long percpu = RODATA + 0x10000;
        ElfImageBuilder b = new ElfImageBuilder();
        b.section(".text", SHT_PROGBITS, ALLOC | EXEC, TEXT, new byte[0x100]);
        int section = b.section(".data..percpu", SHT_PROGBITS, ALLOC | WRITE, percpu, new byte[0x100]);
        b.symbol("runqueues", STT_OBJECT, GLOBAL, section, percpu + 0x40, 0x40);
        try (Vmlinux v = open(b.build())) {
            Symbol rq = v.symbols().withKaslrOffset(KASLR).lookup("runqueues").orElseThrow();
            assertEquals(Symbol.Kind.PER_CPU, rq.kind());
            assertEquals(percpu + 0x40 + KASLR, rq.address());
        }
    }

    @Test
    void refusesWhatIsNotAVmlinux() throws Exception {
        VmlinuxFormatException gzip = assertThrows(VmlinuxFormatException.class,
                () -> open(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                    0, 0, 0, 0, 0, 0, 0}));
        assertTrue(gzip.getMessage().contains("ELF magic"), gzip.getMessage());
        assertEquals(0, gzip.offset());

        assertThrows(VmlinuxFormatException.class, () -> open(new byte[10]));

        byte[] elf32 = image(true).build();
        elf32[4] = 1;
        assertEquals(4, assertThrows(VmlinuxFormatException.class, () -> open(elf32)).offset());

        VmlinuxFormatException core = assertThrows(VmlinuxFormatException.class,
                () -> open(image(true).elfType(4).build()));
        assertTrue(core.getMessage().contains("core dump"), core.getMessage());

        byte[] cut = image(true).build();
        byte[] truncated = java.util.Arrays.copyOf(cut, cut.length - 100);
        assertThrows(VmlinuxFormatException.class, () -> open(truncated));
    }

    @Test
    void refusesSectionsBeyondTheFile() throws Exception {
        byte[] bytes = image(true).build();
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = b.getLong(40);
        // Section 1 (.text): make its size run past the end.
        long sizeField = shoff + 64 + 32;
        b.putLong((int) sizeField, 1L << 40);
        VmlinuxFormatException e = assertThrows(VmlinuxFormatException.class, () -> open(bytes));
        assertEquals(shoff + 64 + 24, e.offset());
    }

    @Test
    void strippedImageSaysSo() throws Exception {
        try (Vmlinux v = open(image(true).stripped().build())) {
            VmlinuxFormatException e = assertThrows(VmlinuxFormatException.class, v::symbols);
            assertTrue(e.getMessage().contains("stripped"), e.getMessage());
        }
    }

    @Test
    void damagedBtfIsAFormatErrorNamingTheSection() throws Exception {
        ElfImageBuilder b = image(false);
        byte[] btf = tinyBtf();
        btf[0] = 0;
        b.section(".BTF", SHT_PROGBITS, ALLOC, RODATA + 0x2000, btf);
        try (Vmlinux v = open(b.build())) {
            BtfFormatException e = assertThrows(BtfFormatException.class, v::btf);
            assertTrue(e.getMessage().contains(".BTF"), e.getMessage());
        }
    }
}
