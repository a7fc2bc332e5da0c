package dev.kdumpbridge.kernel.printk;

import dev.kdumpbridge.dump.VmcoreInfo;
import dev.kdumpbridge.kernel.KernelDataException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

/**
 * The VMCOREINFO entries a log reader needs, each required one failing with a message naming
 * it, and the decoding of the raw structures they describe.
 */
final class VmcoreLayout {
    /**
     * Larger offsets or sizes than this are not a printk structure's: the biggest, printk_info,
     * is under 100 bytes. Bounding them keeps a damaged VMCOREINFO from sizing huge reads.
     */
    private static final long MAX_STRUCT_BYTES = 1 << 12;

    private final VmcoreInfo info;

    VmcoreLayout(VmcoreInfo info) {
        this.info = info;
    }

    /** {@code OFFSET(...)}, {@code SIZE(...)} or {@code LENGTH(...)} that the reader cannot do without. */
    int required(String key) throws KernelDataException {
        OptionalLong value = info.number(key);
        if (value.isEmpty()) {
            throw new KernelDataException("VMCOREINFO has no " + key + ", which reading the kernel log needs");
        }
        return checked(key, value.getAsLong());
    }

    /** An entry only some kernels export; -1 when absent. */
    int optional(String key) throws KernelDataException {
        OptionalLong value = info.number(key);
        return value.isEmpty() ? -1 : checked(key, value.getAsLong());
    }

    /** {@code SYMBOL(name)}, required. */
    long symbol(String name) throws KernelDataException {
        OptionalLong value = info.symbol(name);
        if (value.isEmpty()) {
            throw new KernelDataException("VMCOREINFO has no SYMBOL(" + name + "), which reading the kernel log needs");
        }
        return value.getAsLong();
    }

    private static int checked(String key, long value) throws KernelDataException {
        if (value < 0 || value > MAX_STRUCT_BYTES) {
            throw new KernelDataException("VMCOREINFO " + key + "=" + value + " is not the size or offset of a"
                + " printk structure (0 to " + MAX_STRUCT_BYTES + ")");
        }
        return (int) value;
    }

    /**
     * How a kernel of this word size and byte order stores its values. The word size follows
     * from where the kernel's symbols are: a 32-bit kernel has no address above 4 GiB, a 64-bit
     * one none below.
     */
    record Decoder(ByteOrder order, int wordSize) {

        static Decoder forSymbol(ByteOrder order, long symbolAddress) {
            return new Decoder(order, (symbolAddress >>> 32) != 0 ? Long.BYTES : Integer.BYTES);
        }

        /** An {@code unsigned long}, zero-extended. */
        long word(byte[] bytes, int offset) {
            return wordSize == Long.BYTES ? u64(bytes, offset) : Integer.toUnsignedLong(u32(bytes, offset));
        }

        /** All ones in the word's bits: what {@code unsigned long} arithmetic wraps at. */
        long wordMask() {
            return wordSize == Long.BYTES ? -1L : 0xffff_ffffL;
        }

        long u64(byte[] bytes, int offset) {
            return ByteBuffer.wrap(bytes).order(order).getLong(offset);
        }

        int u32(byte[] bytes, int offset) {
            return ByteBuffer.wrap(bytes).order(order).getInt(offset);
        }

        int u16(byte[] bytes, int offset) {
            return Short.toUnsignedInt(ByteBuffer.wrap(bytes).order(order).getShort(offset));
        }

        /**
         * Syslog facility and level from the byte of {@code facility} and the byte holding
         * {@code u8 flags:5, level:3}. GCC fills bit fields from the low bits on little-endian
         * machines and from the high bits on big-endian ones, so level sits at opposite ends.
         */
        PrintkRecord.Priority priority(byte[] bytes, int facilityOffset) {
            int flagsAndLevel = bytes[facilityOffset + 1] & 0xff;
            int level = order == ByteOrder.LITTLE_ENDIAN ? flagsAndLevel >>> 5 : flagsAndLevel & 0x7;
            return new PrintkRecord.Priority(bytes[facilityOffset] & 0xff, level);
        }

        /** A NUL-terminated string in a fixed array of {@code length} bytes. */
        static String cString(byte[] bytes, int offset, int length) {
            int end = offset;
            while (end < offset + length && bytes[end] != 0) {
                end++;
            }
            return new String(bytes, offset, end - offset, StandardCharsets.ISO_8859_1);
        }
    }
}
