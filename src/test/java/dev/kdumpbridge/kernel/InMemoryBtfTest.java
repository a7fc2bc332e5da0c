package dev.kdumpbridge.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.kernel.btf.BtfFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InMemoryBtfTest {
    private static final long RODATA = 0xffffffff82000000L;
    private static final long KASLR = 0x1000000L;
    /** Beyond the largest BTF allowed, so that every bound in these tests is an image address. */
    private static final long IMAGE_SIZE = 0x10000000L;

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

    /** Link-time symbols, shifted like a dump's: the BTF bounds at {@code start} and {@code stop}. */
    private static Symbols symbols(Long start, Long stop) {
        Symbols.Builder b = new Symbols.Builder(4);
        b.add("_text", RODATA - 0x1000 - KASLR, 0, Symbol.Kind.TEXT, true, 0);
        if (start != null) {
            b.add("__start_BTF", start - KASLR, 0, Symbol.Kind.DATA, true, 0);
        }
        if (stop != null) {
            b.add("__stop_BTF", stop - KASLR, 0, Symbol.Kind.DATA, true, 0);
        }
        b.add("_end", RODATA + IMAGE_SIZE - KASLR, 0, Symbol.Kind.DATA, true, 0);
        return b.build(RODATA - 0x1000 - KASLR, RODATA + IMAGE_SIZE - KASLR).withKaslrOffset(KASLR);
    }

    @Test
    void parsesTheKernelsCopyNamingItsRange() throws Exception {
        byte[] btf = tinyBtf();
        ArrayMemory memory = new ArrayMemory(RODATA, btf);
        Btf parsed = InMemoryBtf.read(memory, symbols(RODATA, RODATA + btf.length)).orElseThrow();
        assertEquals(8, parsed.pointerSize());
        assertTrue(parsed.toString().contains(String.format("0x%x-0x%x", RODATA, RODATA + btf.length)),
                parsed.toString());
        assertEquals(1, memory.reads());
    }

    @Test
    void aKernelWithoutBtfHasNone() throws Exception {
        assertEquals(Optional.empty(), InMemoryBtf.read(new ArrayMemory(RODATA, new byte[0]), symbols(null, null)));
    }

    @Test
    void refusesBoundsThatCannotBeTrue() {
        ArrayMemory memory = new ArrayMemory(RODATA, tinyBtf());
        KernelMemoryFormatException backwards = assertThrows(KernelMemoryFormatException.class,
                () -> InMemoryBtf.read(memory, symbols(RODATA + 0x100, RODATA)));
        assertEquals(RODATA + 0x100, backwards.address());
        KernelMemoryFormatException huge = assertThrows(KernelMemoryFormatException.class,
                () -> InMemoryBtf.read(memory, symbols(RODATA, RODATA + InMemoryBtf.MAX_BTF_BYTES + 1)));
        assertTrue(huge.getMessage().contains("expected 1 to 67108864"), huge.getMessage());
        KernelMemoryFormatException half = assertThrows(KernelMemoryFormatException.class,
                () -> InMemoryBtf.read(memory, symbols(RODATA, null)));
        assertTrue(half.getMessage().contains("__stop_BTF"), half.getMessage());
    }

    @Test
    void damagedBytesAreABtfErrorNamingTheRange() {
        byte[] btf = tinyBtf();
        btf[0] = 0;
        BtfFormatException e = assertThrows(BtfFormatException.class,
                () -> InMemoryBtf.read(new ArrayMemory(RODATA, btf), symbols(RODATA, RODATA + btf.length)));
        assertTrue(e.getMessage().contains("__start_BTF to __stop_BTF"), e.getMessage());
    }
}
