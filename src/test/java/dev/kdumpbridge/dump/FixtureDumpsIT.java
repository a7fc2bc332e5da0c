package dev.kdumpbridge.dump;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every real fixture dump opens and is recognised as what its producer was told to write
 * (manifest.tsv), and holds the kernel's own banner where the guest said it was.
 */
class FixtureDumpsIT {
    /** Linux's __START_KERNEL_map: the kernel image is mapped at it plus phys_base. */
    private static final long START_KERNEL_MAP = 0xffffffff80000000L;

    static List<Dump> dumps() {
        return Fixtures.dumps();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void headerMatchesTheProducer(Dump fixture) throws Exception {
        try (DumpFile dump = Dumps.open(fixture.files())) {
            DumpInfo info = dump.info();
            boolean isElf = fixture.format().equals("elf");
            assertEquals(isElf ? DumpKind.ELF_VMCORE : DumpKind.KDUMP_COMPRESSED, info.kind());
            assertEquals(fixture.format().equals("flattened"), info.flattened(), "flattened");
            assertEquals(fixture.format().equals("split") ? 2 : isElf ? 0 : 1,
                    info.kdumpHeaders().size(), "kdump-compressed headers");
            assertEquals(expectedCompressions(fixture), info.compressions());
            // An ELF dump has no field for the dump level its producer filtered with.
            assertEquals(isElf ? OptionalInt.empty() : fixture.dumpLevel(), info.dumpLevel());
            assertEquals("x86_64", info.machine());
            assertEquals(4096, info.pageSize());
            assertFalse(info.incomplete(), "incomplete");
            // Both boots ran with -smp 3 and every CPU saved its registers.
            assertEquals(3, dump.prstatus().size(), "NT_PRSTATUS notes");
            String release = Files.readString(fixture.guestFile("uname.txt")).split(" ")[2];
            assertEquals(release, dump.vmcoreInfo().orElseThrow().get("OSRELEASE").orElseThrow());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void holdsTheBannerWhereTheGuestSaidItWas(Dump fixture) throws Exception {
        long banner = Fixtures.guestSymbols(fixture).get("linux_banner");
        String uname = Files.readString(fixture.guestFile("uname.txt")).strip();
        try (DumpFile dump = Dumps.open(fixture.files())) {
            long physBase = dump.vmcoreInfo().orElseThrow().number("NUMBER(phys_base)").orElseThrow();
            byte[] bytes = dump.read(banner - START_KERNEL_MAP + physBase, 512);
            String text = new String(bytes, StandardCharsets.US_ASCII);
            // uname -a: "Linux (none) RELEASE VERSION x86_64 GNU/Linux"; the banner is
            // "Linux version RELEASE (builder) (compiler) VERSION".
            String[] field = uname.split(" ");
            String version = uname.substring(uname.indexOf('#'), uname.lastIndexOf(" x86_64"));
            assertTrue(text.startsWith("Linux version " + field[2] + " "), text);
            assertTrue(text.contains(version), text);
        }
    }

    private static Set<Compression> expectedCompressions(Dump fixture) {
        return switch (fixture.compression()) {
            case "none" -> EnumSet.noneOf(Compression.class);
            case "zlib" -> EnumSet.of(Compression.ZLIB);
            case "lzo" -> EnumSet.of(Compression.LZO);
            case "zstd" -> EnumSet.of(Compression.ZSTD);
            case "snappy" -> EnumSet.of(Compression.SNAPPY);
            default -> throw new IllegalArgumentException("manifest compression " + fixture.compression());
        };
    }
}
