package dev.kdumpbridge.kernel.dwarf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.kernel.Vmlinux;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole way from an address to its line, through {@code .debug_aranges}, a compile unit's
 * root DIE and its abbreviation, and the line table, on a small image written here: a DWARF 5
 * unit in 32-bit DWARF whose root DIE steps over most attribute forms, a DWARF 4 unit in 64-bit
 * DWARF, and a unit without a line table.
 */
class SourceLinesTest {
    private static final int DW_TAG_COMPILE_UNIT = 0x11;
    private static final int DW_TAG_SUBPROGRAM = 0x2e;
    private static final int DW_AT_NAME = 0x03;
    private static final int DW_AT_STMT_LIST = 0x10;
    private static final int DW_AT_LOW_PC = 0x11;
    private static final int DW_AT_HIGH_PC = 0x12;
    private static final int DW_AT_LANGUAGE = 0x13;
    private static final int DW_AT_COMP_DIR = 0x1b;
    private static final int DW_AT_PRODUCER = 0x25;
    private static final int DW_AT_DECL_FILE = 0x3a;
    /** Attributes from the user range, one for each form the root DIE steps over. */
    private static final int DW_AT_LO_USER = 0x2000;
    private static final int DW_UT_COMPILE = 0x01;
    private static final int DW_LANG_C11 = 0x1d;
    /** Where the DWARF 5 unit's root DIE starts: after a 12-byte header. */
    private static final int FIRST_DIE = 12;

    @TempDir
    Path directory;

    /** The DWARF sections of the image, by name. */
    private static Map<String, byte[]> dwarf() {
        DwarfWriter str = new DwarfWriter();
        int producer = str.position();
        str.string("GNU C11 12.2.0 -g");
        int v4CompDir = str.position();
        str.string("/v4/build");

        DwarfWriter lineStr = new DwarfWriter();
        int v5CompDir = lineStr.position();
        lineStr.string("/v5/build");
        int lib = lineStr.position();
        lineStr.string("lib");
        int unitName = lineStr.position();
        lineStr.string("a.c");

        DwarfWriter line = new DwarfWriter();
        line.unit(false, u -> {
            u.u16(5).u8(8).u8(0);
            u.sized(4, h -> {
                h.lineParameters(5, DwarfWriter.OPCODE_BASE, DwarfWriter.STANDARD_OPCODE_LENGTHS);
                h.u8(1).uleb(LineTable.DW_LNCT_PATH).uleb(DwarfForm.LINE_STRP);
                h.uleb(2).u32(v5CompDir).u32(lib);
                h.u8(2).uleb(LineTable.DW_LNCT_PATH).uleb(DwarfForm.STRING)
                        .uleb(LineTable.DW_LNCT_DIRECTORY_INDEX).uleb(DwarfForm.DATA1);
                h.uleb(3).string("a.c").u8(0).string("a.c").u8(0).string("inline.h").u8(1);
            });
            u.setAddress(0x1000).advanceLine(9).copy();
            u.advancePc(0x40).setFile(2).advanceLine(100).copy();
            u.advancePc(0xc0).endSequence();
            u.setAddress(0x3000).advanceLine(19).copy();
            u.advancePc(0x10).endSequence();
        });
        int v4Line = line.position();
        line.unit(true, u -> {
            u.u16(4);
            u.sized(8, h -> {
                h.lineParameters(4, DwarfWriter.OPCODE_BASE, DwarfWriter.STANDARD_OPCODE_LENGTHS);
                h.string("lib").string("");
                h.string("b.c").uleb(1).uleb(0).uleb(0).string("");
            });
            u.setAddress(0x2000).advanceLine(4).copy();
            u.advancePc(0x100).endSequence();
        });

        DwarfWriter abbrev = new DwarfWriter();
        abbrev.uleb(2).uleb(DW_TAG_SUBPROGRAM).u8(0)
                .uleb(DW_AT_NAME).uleb(DwarfForm.STRING)
                .uleb(DW_AT_DECL_FILE).uleb(DwarfForm.IMPLICIT_CONST).sleb(1)
                .uleb(0).uleb(0);
        abbrev.uleb(1).uleb(DW_TAG_COMPILE_UNIT).u8(1)
                .uleb(DW_AT_PRODUCER).uleb(DwarfForm.STRP)
                .uleb(DW_AT_LANGUAGE).uleb(DwarfForm.DATA1)
                .uleb(DW_AT_NAME).uleb(DwarfForm.LINE_STRP)
                .uleb(DW_AT_DECL_FILE).uleb(DwarfForm.IMPLICIT_CONST).sleb(-7)
                .uleb(DW_AT_LOW_PC).uleb(DwarfForm.ADDR)
                .uleb(DW_AT_HIGH_PC).uleb(DwarfForm.DATA8);
        int[] steppedOver = {DwarfForm.DATA16, DwarfForm.BLOCK1, DwarfForm.EXPRLOC, DwarfForm.FLAG_PRESENT,
            DwarfForm.SDATA, DwarfForm.UDATA, DwarfForm.STRX1, DwarfForm.ADDRX, DwarfForm.REF4, DwarfForm.INDIRECT,
            DwarfForm.BLOCK, DwarfForm.REF_UDATA, DwarfForm.STRX4, DwarfForm.REF_ADDR, DwarfForm.REF_SIG8};
        for (int i = 0; i < steppedOver.length; i++) {
            abbrev.uleb(DW_AT_LO_USER + i).uleb(steppedOver[i]);
        }
        abbrev.uleb(DW_AT_COMP_DIR).uleb(DwarfForm.LINE_STRP)
                .uleb(DW_AT_STMT_LIST).uleb(DwarfForm.SEC_OFFSET)
                .uleb(DW_AT_LO_USER + steppedOver.length).uleb(DwarfForm.STRING)
                .uleb(0).uleb(0);
        abbrev.uleb(0);
        int v4Abbrev = abbrev.position();
        abbrev.uleb(1).uleb(DW_TAG_COMPILE_UNIT).u8(0)
                .uleb(DW_AT_PRODUCER).uleb(DwarfForm.STRING)
                .uleb(DW_AT_COMP_DIR).uleb(DwarfForm.STRP)
                .uleb(DW_AT_LOW_PC).uleb(DwarfForm.ADDR)
                .uleb(DW_AT_HIGH_PC).uleb(DwarfForm.DATA4)
                .uleb(DW_AT_STMT_LIST).uleb(DwarfForm.SEC_OFFSET)
                .uleb(0).uleb(0);
        abbrev.uleb(0);

        DwarfWriter info = new DwarfWriter();
        info.unit(false, u -> {
            u.u16(5).u8(DW_UT_COMPILE).u8(8).u32(0);
            u.uleb(1).u32(producer).u8(DW_LANG_C11).u32(unitName).u64(0x1000).u64(0x100);
            u.bytes(new byte[16]).u8(3).bytes(new byte[3]).uleb(2).bytes(new byte[2]);
            u.sleb(-300).uleb(300).u8(5).uleb(7).u32(0x20).uleb(DwarfForm.DATA2).u16(0xbeef);
            u.uleb(3).bytes(new byte[3]).uleb(5).u32(9).u32(0x40).u64(0x1234);
            u.u32(v5CompDir).u32(0).string("after stmt_list");
            u.uleb(0);
        });
        int v4Unit = info.position();
        info.unit(true, u -> {
            u.u16(4).u64(v4Abbrev).u8(8);
            u.uleb(1).string("GNU AS 2.40").u64(v4CompDir).u64(0x2000).u32(0x100).u64(v4Line);
        });
        int unitWithoutLines = info.position();
        info.unit(false, u -> u.u16(5).u8(DW_UT_COMPILE).u8(8).u32(0).uleb(2).string("data"));

        DwarfWriter aranges = new DwarfWriter();
        // Headers of 12 and 24 bytes, padded to the 16-byte tuples.
        aranges.unit(false, u -> u.u16(2).u32(0).u8(8).u8(0).u32(0)
                .u64(0x1000).u64(0x100).u64(0x3000).u64(0x10).u64(0).u64(0));
        aranges.unit(true, u -> u.u16(2).u64(v4Unit).u8(8).u8(0).u64(0)
                .u64(0x2000).u64(0x100).u64(0).u64(0));
        aranges.unit(false, u -> u.u16(2).u32(unitWithoutLines).u8(8).u8(0).u32(0)
                .u64(0x4000).u64(0x10).u64(0).u64(0));

        Map<String, byte[]> sections = new LinkedHashMap<>();
        sections.put(".debug_aranges", aranges.toByteArray());
        sections.put(".debug_info", info.toByteArray());
        sections.put(".debug_abbrev", abbrev.toByteArray());
        sections.put(".debug_line", line.toByteArray());
        sections.put(".debug_str", str.toByteArray());
        sections.put(".debug_line_str", lineStr.toByteArray());
        return sections;
    }

    /** Source lines over the sections as they are, without an image file around them. */
    private static SourceLines lines(Map<String, byte[]> sections) {
        return new SourceLines(section(sections, ".debug_aranges"), section(sections, ".debug_info"),
                section(sections, ".debug_abbrev"), section(sections, ".debug_line"),
                new DwarfForm.Strings(section(sections, ".debug_str"), section(sections, ".debug_line_str")));
    }

    private static DwarfSection section(Map<String, byte[]> sections, String name) {
        return DwarfWriter.section(name, sections.get(name));
    }

    /**
     * A minimal ELF64 executable holding {@code sections} (as PROGBITS) and the section name
     * table: what {@link Vmlinux#open} needs to find them.
     */
    private Path elf(Map<String, byte[]> sections) throws Exception {
        DwarfWriter names = new DwarfWriter().string("");
        Map<String, Integer> nameOffsets = new LinkedHashMap<>();
        for (String name : sections.keySet()) {
            nameOffsets.put(name, names.position());
            names.string(name);
        }
        int shstrtabName = names.position();
        names.string(".shstrtab");
        Map<String, byte[]> contents = new LinkedHashMap<>(sections);
        contents.put(".shstrtab", names.toByteArray());

        int headerSize = 64;
        int dataSize = contents.values().stream().mapToInt(b -> b.length).sum();
        int sectionHeaders = headerSize + dataSize;
        DwarfWriter file = new DwarfWriter();
        file.bytes("\u007fELF".getBytes(StandardCharsets.ISO_8859_1)).u8(2).u8(1).u8(1).bytes(new byte[9]);
        file.u16(2).u16(62).u32(1).u64(0).u64(0).u64(sectionHeaders).u32(0).u16(headerSize).u16(0).u16(0)
                .u16(64).u16(contents.size() + 1).u16(contents.size());
        contents.values().forEach(file::bytes);
        file.bytes(new byte[64]);
        long offset = headerSize;
        for (Map.Entry<String, byte[]> e : contents.entrySet()) {
            boolean isNames = e.getKey().equals(".shstrtab");
            file.u32(isNames ? shstrtabName : nameOffsets.get(e.getKey())).u32(isNames ? 3 : 1).u64(0).u64(0)
                    .u64(offset).u64(e.getValue().length).u32(0).u32(0).u64(1).u64(0);
            offset += e.getValue().length;
        }
        Path path = directory.resolve("vmlinux");
        Files.write(path, file.toByteArray());
        return path;
    }

    @Test
    void findsLinesThroughTheImage() throws Exception {
        try (Vmlinux image = Vmlinux.open(elf(dwarf()))) {
            SourceLines lines = SourceLines.of(image).orElseThrow();

            assertEquals(Optional.of(new SourceLine("/v5/build/a.c", 10)), lines.at(0x1000));
            assertEquals(Optional.of(new SourceLine("/v5/build/lib/inline.h", 110)), lines.at(0x10ff));
            assertEquals(Optional.of(new SourceLine("/v5/build/a.c", 20)), lines.at(0x300f));
            assertEquals(Optional.of(new SourceLine("/v4/build/lib/b.c", 5)), lines.at(0x2080));
            assertEquals(Optional.empty(), lines.at(0xfff));
            assertEquals(Optional.empty(), lines.at(0x1100));
            assertEquals(Optional.empty(), lines.at(0x4000), "a unit without DW_AT_stmt_list");
            assertEquals(Optional.empty(), lines.at(0xffffffff81000000L));
        }
    }

    @Test
    void isEmptyForAnImageWithoutLineTables() throws Exception {
        Map<String, byte[]> sections = dwarf();
        sections.remove(".debug_line");

        try (Vmlinux image = Vmlinux.open(elf(sections))) {
            assertEquals(Optional.empty(), SourceLines.of(image));
        }
    }

    @Test
    void refusesAUnitOffsetBeyondDebugInfo() {
        Map<String, byte[]> sections = dwarf();
        sections.get(".debug_aranges")[9] = 0x7f;

        DwarfFormatException e = assertThrows(DwarfFormatException.class, () -> lines(sections).at(0x1000));
        assertEquals(".debug_info", e.section());
    }

    @Test
    void refusesAnAbbreviationCodeMissingFromTheTable() {
        Map<String, byte[]> sections = dwarf();
        sections.get(".debug_info")[FIRST_DIE] = 9;

        DwarfFormatException e = assertThrows(DwarfFormatException.class, () -> lines(sections).at(0x1000));
        assertEquals(".debug_info", e.section());
        assertEquals(FIRST_DIE, e.offset());
        assertTrue(e.getMessage().contains("abbreviation 9 is not in the table at .debug_abbrev offset 0x0"),
                e.getMessage());
    }

    @Test
    void refusesAnUnknownArangesVersion() {
        Map<String, byte[]> sections = dwarf();
        sections.get(".debug_aranges")[4] = 3;

        DwarfFormatException e = assertThrows(DwarfFormatException.class, () -> lines(sections).at(0x1000));
        assertEquals(".debug_aranges", e.section());
        assertEquals(4, e.offset());
    }

    @Test
    void refusesAnUnknownForm() throws Exception {
        DwarfCursor c = DwarfWriter.section(".debug_info", new byte[] {1}).cursor(0, 1);

        DwarfFormatException e = assertThrows(DwarfFormatException.class,
                () -> DwarfForm.skip(c, 0x7f, new DwarfForm.UnitFormat(5, 4, 8)));
        assertTrue(e.getMessage().endsWith("unknown attribute form 0x7f"), e.getMessage());
    }
}
