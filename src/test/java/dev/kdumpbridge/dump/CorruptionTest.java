package dev.kdumpbridge.dump;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.dump.SyntheticDumps.Elf;
import dev.kdumpbridge.dump.SyntheticDumps.Kdump;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Dumps are corrupt by nature: whatever is cut or flipped, opening either fails with a
 * {@link DumpFormatException} or succeeds, and every read then gives bytes or a
 * {@link MemoryFault}. Nothing else may escape, and nothing may hang or exhaust memory
 * ({@link DamagedDumps}; RealDumpCorruptionIT does the same to the real fixtures).
 */
class CorruptionTest {
    private static final Duration PER_FILE = Duration.ofSeconds(5);
    /** A whole page read from every half page of the synthetic dumps' first 20 pages. */
    private static final List<DamagedDumps.Read> READS = LongStream.range(0, 0x14000 / 0x800)
            .mapToObj(i -> new DamagedDumps.Read(i * 0x800, 4096)).toList();

    @TempDir
    Path dir;

    static Stream<Arguments> images() {
        Supplier<byte[]> kdump = () -> Kdump.standard().build();
        return Stream.of(
                Arguments.of("kdump", kdump.get()),
                Arguments.of("flattened", SyntheticDumps.flatten(kdump.get(), 11, 3, true)),
                Arguments.of("elf", Elf.standard().build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void truncatedAnywhere(String kind, byte[] image) throws Exception {
        for (int len = 0; len < image.length; len += len < 600 ? 1 : 97) {
            survive(kind + " cut at " + len, Arrays.copyOf(image, len));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void randomBytesFlipped(String kind, byte[] image) throws Exception {
        Random random = new Random(kind.hashCode());
        for (int i = 0; i < 400; i++) {
            byte[] bad = image.clone();
            int flips = 1 + random.nextInt(4);
            StringBuilder what = new StringBuilder(kind + " flipped at");
            for (int f = 0; f < flips; f++) {
                // Mostly in the headers, where one byte changes the most.
                int at = random.nextInt(4) == 0 ? random.nextInt(bad.length) : random.nextInt(Math.min(bad.length, 9000));
                bad[at] ^= (byte) (1 << random.nextInt(8));
                what.append(' ').append(at);
            }
            survive(what.toString(), bad);
        }
    }

    /** Header words that size or locate something, set to the values that break readers. */
    @Test
    void kdumpHeaderFieldsSetToExtremes() throws Exception {
        int[] mainFields = {8, 424, 428, 432, 436, 440, 460};
        int[] subFields = {0, 8, 12, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96};
        long[] values = {0, 1, -1, 0x7fffffff, 0x80000000L, 0xffffffffL, Long.MAX_VALUE, Long.MIN_VALUE, 4096, 65};
        byte[] image = Kdump.standard().build();
        for (long value : values) {
            for (int field : mainFields) {
                byte[] bad = image.clone();
                ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putInt(field, (int) value);
                survive("main header " + field + " = " + value, bad);
            }
            for (int field : subFields) {
                byte[] bad = image.clone();
                ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putLong(4096 + field, value);
                survive("sub header " + field + " = " + value, bad);
            }
            // Each page descriptor's offset, size and flags.
            for (int desc = 0; desc < 10; desc++) {
                for (int word : new int[] {0, 8, 12}) {
                    byte[] bad = image.clone();
                    ByteBuffer b = ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN);
                    int at = 4 * 4096 + desc * 24 + word;
                    if (word == 0) {
                        b.putLong(at, value);
                    } else {
                        b.putInt(at, (int) value);
                    }
                    survive("descriptor " + desc + " +" + word + " = " + value, bad);
                }
            }
        }
    }

    @Test
    void elfHeaderFieldsSetToExtremes() throws Exception {
        int[] shortFields = {16, 18, 52, 54, 56, 58, 60};
        int[] longFields = {24, 32, 40};
        long[] values = {0, 1, -1, 0xffff, 0x7fffffff, Long.MAX_VALUE, Long.MIN_VALUE, 56, 64};
        byte[] image = Elf.standard().build();
        for (long value : values) {
            for (int field : shortFields) {
                byte[] bad = image.clone();
                ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putShort(field, (short) value);
                survive("e_hdr " + field + " = " + value, bad);
            }
            for (int field : longFields) {
                byte[] bad = image.clone();
                ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putLong(field, value);
                survive("e_hdr " + field + " = " + value, bad);
            }
            for (int ph = 0; ph < 3; ph++) {
                for (int word = 8; word <= 40; word += 8) {
                    byte[] bad = image.clone();
                    ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putLong(64 + ph * 56 + word, value);
                    survive("phdr " + ph + " +" + word + " = " + value, bad);
                }
            }
            for (int note = 0; note < 3; note++) {
                byte[] bad = image.clone();
                // n_namesz / n_descsz of the notes that start the note segment.
                int at = 64 + 3 * 56 + note * (12 + 8 + 336);
                ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putInt(at + 4, (int) value);
                survive("note " + note + " descsz = " + value, bad);
            }
        }
    }

    @Test
    void hugeBitmapClaimIsExplainedWithSizes() throws Exception {
        byte[] bad = Kdump.standard().build();
        ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putInt(436, -1);
        Path file = Files.write(dir.resolve("vmcore.kdump"), bad);
        DumpFormatException e = assertThrows(DumpFormatException.class, () -> Dumps.open(file));
        assertTrue(e.getMessage().matches(".*vmcore\\.kdump: offset 436: bitmap_blocks 4294967295 would need 16 TiB, "
                + "but the file is \\d+ KiB"), e.getMessage());
    }

    /**
     * A flattened stream can claim any file size with one record's offset; with the header's
     * bitmaps grown to match, every header check against that size passes, and listing RAM would
     * scan 128 GiB of never-written bitmap (found by RealDumpCorruptionIT).
     */
    @Test
    void aFlattenedStreamCannotClaimBitmapsItDoesNotHold() throws Exception {
        byte[] plain = Kdump.standard().build();
        ByteBuffer b = ByteBuffer.wrap(plain).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(436, -1);
        b.putLong(4096 + 96, 1L << 40);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(SyntheticDumps.flatten(plain, 5, 0, false));
        SyntheticDumps.writeRecord(stream, 1L << 50, new byte[1]);
        stream.writeBytes(ByteBuffer.allocate(16).putLong(-1).putLong(-1).array());
        Path file = Files.write(dir.resolve("vmcore.flat"), stream.toByteArray());
        DumpFormatException e = assertThrows(DumpFormatException.class, () -> Dumps.open(file));
        assertTrue(e.getMessage().matches(".*vmcore\\.flat: offset 4192: max_mapnr 1099511627776 needs a bitmap of "
                + "128 GiB, but the flattened stream holds only \\d+ KiB of the file it stands for"), e.getMessage());
        survive("flattened stream claiming a petabyte", stream.toByteArray());
    }

    private void survive(String what, byte[] bytes) throws Exception {
        DamagedDumps.survive(what, Files.write(dir.resolve("corrupt"), bytes), READS, PER_FILE);
    }
}
