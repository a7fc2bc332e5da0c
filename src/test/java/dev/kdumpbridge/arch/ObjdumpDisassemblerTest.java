package dev.kdumpbridge.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kdumpbridge.target.Disassembler;
import java.util.List;
import org.junit.jupiter.api.Test;

class ObjdumpDisassemblerTest {
    private static final long AT = 0xffffffff81000000L;
    /** mov %rsp,%rbp; call .+5; ret; then the first byte of a two-byte opcode. */
    private static final byte[] CODE = {0x48, (byte) 0x89, (byte) 0xe5, (byte) 0xe8, 0, 0, 0, 0, (byte) 0xc3, 0x0f};

    @Test
    void instructionsComeWithAddressesBytesAndAttSyntaxAndACutOffOneIsLeftOut() throws Exception {
        Disassembler objdump = ObjdumpDisassembler.find("objdump", "i386:x86-64").orElse(null);
        assumeTrue(objdump != null, "binutils' objdump is not installed");
        List<Disassembler.Instruction> decoded = objdump.decode(AT, CODE, 100);
        assertEquals(List.of(AT, AT + 3, AT + 8), decoded.stream().map(Disassembler.Instruction::address).toList());
        assertEquals("mov    %rsp,%rbp", decoded.get(0).text());
        assertEquals("call   0xffffffff81000008", decoded.get(1).text());
        assertArrayEquals(new byte[] {(byte) 0xc3}, decoded.get(2).bytes());
        assertEquals(2, objdump.decode(AT, CODE, 2).size());
    }

    @Test
    void parsingKeepsOnlyInstructionLines() {
        String output = "\n/tmp/x:     file format binary\n\nDisassembly of section .data:\n\n"
            + "ffffffff81000000 <.data>:\n"
            + "ffffffff81000000:\t48 89 e5             \tmov    %rsp,%rbp\n"
            + "ffffffff81000003:\tc3                   \tret\n";
        List<Disassembler.Instruction> decoded = ObjdumpDisassembler.parse(output, AT, 4, 10);
        assertEquals(2, decoded.size());
        assertEquals("ret", decoded.get(1).text());
    }

    /** arm64's cross objdump lists each instruction as one little-endian word; its bytes are memory's. */
    @Test
    void arm64InstructionsAreWordsWhoseBytesAreInMemoryOrder() throws Exception {
        byte[] code = {0x1f, 0x20, 0x03, (byte) 0xd5, (byte) 0xc0, 0x03, 0x5f, (byte) 0xd6};
        long at = 0xffff800008010000L;
        String output = "ffff800008010000 <.data>:\n"
            + "ffff800008010000:\td503201f \tnop\n"
            + "ffff800008010004:\td65f03c0 \tret\n";
        List<Disassembler.Instruction> parsed = ObjdumpDisassembler.parse(output, at, code.length, 10);
        assertEquals(List.of("nop", "ret"), parsed.stream().map(Disassembler.Instruction::text).toList());
        assertArrayEquals(new byte[] {0x1f, 0x20, 0x03, (byte) 0xd5}, parsed.get(0).bytes());
        Disassembler objdump = ObjdumpDisassembler.find("aarch64-linux-gnu-objdump", "aarch64").orElse(null);
        assumeTrue(objdump != null, "binutils-aarch64-linux-gnu is not installed");
        assertEquals(List.of("nop", "ret"), objdump.decode(at, code, 10).stream().map(Disassembler.Instruction::text).toList());
    }
}
