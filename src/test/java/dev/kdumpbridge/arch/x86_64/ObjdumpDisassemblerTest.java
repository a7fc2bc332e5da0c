package dev.kdumpbridge.arch.x86_64;

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
        Disassembler objdump = ObjdumpDisassembler.find().orElse(null);
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
}
