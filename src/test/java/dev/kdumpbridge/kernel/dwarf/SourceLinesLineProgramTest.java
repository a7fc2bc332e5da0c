package dev.kdumpbridge.kernel.dwarf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The line table reader and its state machine, on line programs written byte by byte. */
class SourceLinesLineProgramTest {
    private static final int DW_LNCT_MD5 = 5;

    /** .debug_line_str: the compilation directory at 0, "include" at 5. */
    private static final byte[] LINE_STR = new DwarfWriter().string("/src").string("include").toByteArray();

    /**
     * A DWARF 5 table: directories "/src" (0) and "include" (1) in .debug_line_str; files
     * main.c (0, dir 0), util.h (1, dir 1), main.c (2, dir 0), with MD5s to step over.
     */
    private static byte[] version5(boolean dwarf64, DwarfWriter.Body program) {
        int offsetSize = dwarf64 ? 8 : 4;
        return new DwarfWriter().unit(dwarf64, u -> {
            u.u16(5).u8(8).u8(0);
            u.sized(offsetSize, h -> {
                h.lineParameters(5, DwarfWriter.OPCODE_BASE, DwarfWriter.STANDARD_OPCODE_LENGTHS);
                h.u8(1).uleb(LineTable.DW_LNCT_PATH).uleb(DwarfForm.LINE_STRP);
                h.uleb(2).fixed(0, offsetSize).fixed(5, offsetSize);
                h.u8(3).uleb(LineTable.DW_LNCT_PATH).uleb(DwarfForm.STRING)
                        .uleb(LineTable.DW_LNCT_DIRECTORY_INDEX).uleb(DwarfForm.UDATA)
                        .uleb(DW_LNCT_MD5).uleb(DwarfForm.DATA16);
                h.uleb(3);
                h.string("main.c").uleb(0).bytes(new byte[16]);
                h.string("util.h").uleb(1).bytes(new byte[16]);
                h.string("main.c").uleb(0).bytes(new byte[16]);
            });
            program.write(u);
        }).toByteArray();
    }

    /**
     * A table before DWARF 5: include directories "include" (1) and "/abs" (2); files main.c
     * (1, dir 0), util.h (2, dir 1), abs.h (3, dir 2). Opcode 13 is a vendor opcode with two
     * operands, so special opcodes start at 14.
     */
    private static byte[] version4(int version, DwarfWriter.Body program) {
        return new DwarfWriter().unit(false, u -> {
            u.u16(version);
            u.sized(4, h -> {
                int[] withVendorOpcode = {0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 2};
                h.lineParameters(version, DwarfWriter.OPCODE_BASE + 1, withVendorOpcode);
                h.string("include").string("/abs").string("");
                h.string("main.c").uleb(0).uleb(0).uleb(0);
                h.string("util.h").uleb(1).uleb(0).uleb(0);
                h.string("abs.h").uleb(2).uleb(0).uleb(0);
                h.string("");
            });
            program.write(u);
        }).toByteArray();
    }

    private static LineTable read(byte[] debugLine, Optional<String> compDir) throws Exception {
        DwarfForm.Strings strings = new DwarfForm.Strings(null, DwarfWriter.section(".debug_line_str", LINE_STR));
        return LineTable.read(DwarfWriter.section(".debug_line", debugLine), 0, compDir, strings);
    }

    private static Optional<SourceLine> line(String file, int line) {
        return Optional.of(new SourceLine(file, line));
    }

    @Test
    void runsADwarf5Program() throws Exception {
        LineTable table = read(version5(false, p -> {
            p.setAddress(0x1000);
            p.advanceLine(9);
            p.copy();
            p.special(3, 1);
            p.setFile(0);
            p.advanceLine(5);
            p.copy();
            p.u8(8); // DW_LNS_const_add_pc: special opcode 255's advance, (255 - 13) / 14 = 17
            p.u8(9).u16(0x10); // DW_LNS_fixed_advance_pc
            p.setDiscriminator(3);
            p.advanceLine(-2);
            p.copy();
            p.advancePc(8);
            p.endSequence();
            p.setAddress(0x2000);
            p.setFile(2);
            p.advanceLine(99);
            p.copy();
            p.advancePc(4);
            p.endSequence();
        }), Optional.empty());

        assertEquals(Optional.empty(), table.lookup(0xfff));
        // The file register starts at 1 in DWARF 5 too (§6.2.2): util.h, not file 0.
        assertEquals(line("/src/include/util.h", 10), table.lookup(0x1000));
        assertEquals(line("/src/include/util.h", 10), table.lookup(0x1002));
        // Two rows at 0x1003: the later one describes the instruction there.
        assertEquals(line("/src/main.c", 16), table.lookup(0x1003));
        assertEquals(line("/src/main.c", 16), table.lookup(0x1023));
        assertEquals(line("/src/main.c", 14), table.lookup(0x1003 + 17 + 0x10));
        assertEquals(line("/src/main.c", 14), table.lookup(0x102b));
        assertEquals(Optional.empty(), table.lookup(0x102c), "end_sequence's address is past the sequence");
        assertEquals(line("/src/main.c", 100), table.lookup(0x2003));
        assertEquals(Optional.empty(), table.lookup(0x2004));
    }

    @Test
    void reads64BitDwarf() throws Exception {
        LineTable table = read(version5(true, p -> {
            p.setAddress(0xffffffff81000000L);
            p.copy();
            p.advancePc(2);
            p.endSequence();
        }), Optional.empty());

        assertEquals(line("/src/include/util.h", 1), table.lookup(0xffffffff81000001L));
        assertEquals(Optional.empty(), table.lookup(0xffffffff81000002L));
        assertEquals(Optional.empty(), table.lookup(0x1000));
    }

    @Test
    void runsAVersion4ProgramWithDefinedFilesAndAVendorOpcode() throws Exception {
        LineTable table = read(version4(4, p -> {
            p.setAddress(0x1000);
            p.copy();
            p.u8(13).uleb(300).uleb(7); // the vendor opcode's two operands
            p.setFile(2);
            p.advancePc(4);
            p.copy();
            p.setFile(3);
            p.advancePc(4);
            p.copy();
            p.u8(0).uleb(1 + 6 + 3).u8(3).string("gen.c").uleb(1).uleb(0).uleb(0); // DW_LNE_define_file
            p.setFile(4);
            p.advancePc(4);
            p.copy();
            p.advancePc(4);
            p.endSequence();
        }), Optional.of("/build"));

        assertEquals(line("/build/main.c", 1), table.lookup(0x1000), "files count from 1 before DWARF 5");
        assertEquals(line("/build/include/util.h", 1), table.lookup(0x1004));
        assertEquals(line("/abs/abs.h", 1), table.lookup(0x1008));
        assertEquals(line("/build/include/gen.c", 1), table.lookup(0x100c));
    }

    @Test
    void readsVersion3WithoutMaximumOperationsAndWithoutACompilationDirectory() throws Exception {
        LineTable table = read(version4(3, p -> {
            p.setAddress(0x1000);
            p.advanceLine(41);
            p.copy();
            p.advancePc(1);
            p.endSequence();
        }), Optional.empty());

        assertEquals(line("main.c", 42), table.lookup(0x1000));
    }

    @Test
    void dropsRowsAfterTheLastEndSequence() throws Exception {
        LineTable table = read(version5(false, p -> {
            p.setAddress(0x1000);
            p.copy();
            p.advancePc(4);
            p.copy();
        }), Optional.empty());

        assertEquals(Optional.empty(), table.lookup(0x1000));
    }

    @Test
    void overlappingSequencesResolveToTheOneStartingLast() throws Exception {
        LineTable table = read(version5(false, p -> {
            p.setAddress(0);
            p.copy();
            p.advancePc(0x100);
            p.endSequence();
            p.setAddress(0x10);
            p.setFile(0);
            p.copy();
            p.advancePc(0x10);
            p.endSequence();
        }), Optional.empty());

        assertEquals(line("/src/include/util.h", 1), table.lookup(0x8));
        assertEquals(line("/src/main.c", 1), table.lookup(0x18));
        assertEquals(line("/src/include/util.h", 1), table.lookup(0x20));
    }

    @Test
    void readsWindowsAcrossALargeSection() throws Exception {
        int rows = 50_000;
        byte[] table = version5(false, p -> {
            p.setAddress(0x10000);
            for (int i = 0; i < rows; i++) {
                p.special(1, 1);
            }
            p.advancePc(1);
            p.endSequence();
        });
        int padding = 3 << 19;
        byte[] section = new byte[padding + table.length];
        System.arraycopy(table, 0, section, padding, table.length);
        DwarfForm.Strings strings = new DwarfForm.Strings(null, DwarfWriter.section(".debug_line_str", LINE_STR));

        LineTable read =
                LineTable.read(DwarfWriter.section(".debug_line", section), padding, Optional.empty(), strings);

        assertTrue(section.length > DwarfSection.WHOLE_SECTION_BYTES);
        assertEquals(line("/src/include/util.h", 2), read.lookup(0x10001));
        assertEquals(line("/src/include/util.h", rows + 1), read.lookup(0x10000L + rows));
    }

    @Test
    void refusesALengthPastTheSection() {
        byte[] bytes = version5(false, p -> p.endSequence());
        bytes[0] += 1;

        DwarfFormatException e = assertThrows(DwarfFormatException.class, () -> read(bytes, Optional.empty()));
        assertEquals(".debug_line", e.section());
        assertEquals(0, e.offset());
        assertTrue(e.getMessage().startsWith("test: .debug_line offset 0x0: a unit of"), e.getMessage());
    }

    @Test
    void refusesARowInAFileThatDoesNotExist() {
        byte[] bytes = version5(false, p -> {
            p.setAddress(0x1000);
            p.setFile(3);
            p.copy();
        });

        DwarfFormatException e = assertThrows(DwarfFormatException.class, () -> read(bytes, Optional.empty()));
        assertEquals(bytes.length - 1, e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains("file 3 of a table with 3 files"), e.getMessage());
    }

    @Test
    void refusesAnExtendedOpcodeLongerThanTheUnit() {
        byte[] bytes = version5(false, p -> p.u8(0).uleb(100).u8(2));

        DwarfFormatException e = assertThrows(DwarfFormatException.class, () -> read(bytes, Optional.empty()));
        assertEquals(bytes.length - 3, e.offset(), e.getMessage());
    }

    @Test
    void refusesAProgramCutInsideAnOperand() {
        byte[] bytes = version5(false, p -> p.u8(2).u8(0x80));

        DwarfFormatException e = assertThrows(DwarfFormatException.class, () -> read(bytes, Optional.empty()));
        assertTrue(e.getMessage().contains("runs past the end of the unit"), e.getMessage());
    }

    @Test
    void refusesAFileCountTheHeaderCannotHold() {
        byte[] bytes = new DwarfWriter().unit(false, u -> {
            u.u16(5).u8(8).u8(0);
            u.sized(4, h -> {
                h.lineParameters(5, DwarfWriter.OPCODE_BASE, DwarfWriter.STANDARD_OPCODE_LENGTHS);
                h.u8(1).uleb(LineTable.DW_LNCT_PATH).uleb(DwarfForm.STRING).uleb(1).string("/src");
                h.u8(1).uleb(LineTable.DW_LNCT_PATH).uleb(DwarfForm.STRING).uleb(Integer.MAX_VALUE);
            });
        }).toByteArray();

        DwarfFormatException e = assertThrows(DwarfFormatException.class, () -> read(bytes, Optional.empty()));
        assertTrue(e.getMessage().contains("file entries cannot fit"), e.getMessage());
    }

    @Test
    void refusesALineRangeOfZero() {
        byte[] bytes = new DwarfWriter().unit(false, u -> {
            u.u16(4);
            u.sized(4, h -> h.u8(1).u8(1).u8(1).u8(DwarfWriter.LINE_BASE).u8(0).u8(1).string("").string(""));
        }).toByteArray();

        DwarfFormatException e = assertThrows(DwarfFormatException.class, () -> read(bytes, Optional.empty()));
        assertEquals(14, e.offset(), e.getMessage());
    }
}
