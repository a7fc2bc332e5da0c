package dev.kdumpbridge.kernel;

import dev.kdumpbridge.dump.VmcoreInfo;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The kernel's own symbol table, kallsyms, decoded from a dump's memory: names and addresses for
 * a user who has the dump and no vmlinux. VMCOREINFO lists where the tables are on Linux 6.0+
 * (reference 03 §3).
 *
 * <p>The tables, as {@code scripts/kallsyms.c} writes them and {@code kernel/kallsyms.c} reads
 * them:
 * <ul>
 *   <li>{@code kallsyms_num_syms}: a 32-bit count.
 *   <li>{@code kallsyms_names}: one entry per symbol, in address order: a length, then that many
 *       token numbers. The length is one byte; since 6.1 ("support big kernel symbols") a first
 *       byte with the high bit set carries the low 7 bits and a second byte the next 8. Names
 *       were shorter than 128 bytes before that, so the high bit was never set and one rule reads
 *       both.
 *   <li>{@code kallsyms_token_table}: 256 NUL-terminated strings, and {@code kallsyms_token_index}
 *       the 16-bit offset of each. A name is the concatenation of its tokens' strings; its first
 *       character is the {@code nm} type letter.
 *   <li>Addresses, in one of three encodings, told apart by which tables VMCOREINFO names and by
 *       the data: {@code kallsyms_addresses}, one full address per symbol
 *       (no {@code CONFIG_KALLSYMS_BASE_RELATIVE}); {@code kallsyms_offsets}, 32 bits per symbol,
 *       with {@code kallsyms_relative_base}, the lowest image address; and {@code kallsyms_offsets}
 *       alone, each a place-relative offset from the entry itself (kernels that dropped the
 *       relative base). With a relative base, x86-64's {@code CONFIG_KALLSYMS_ABSOLUTE_PERCPU}
 *       stores the zero-based per-CPU offsets as they are (non-negative entries) and image
 *       addresses as {@code relative_base - 1 - entry} (negative entries); without it every entry
 *       is an unsigned offset from the base, so a negative entry, 2 GiB or more above the
 *       base, means the absolute-per-CPU scheme.
 * </ul>
 *
 * <p>kallsyms holds runtime addresses and no sizes. Image symbols are shifted back by VMCOREINFO
 * {@code KERNELOFFSET} and the table is returned with that KASLR offset, so that it answers with
 * the same runtime addresses as the vmlinux symbol table shifted by the same offset. Per-CPU
 * offsets and absolute values are not moved, as in the ELF table.
 *
 * <p>For 64-bit kernels: the relative base and full addresses are read as 64-bit values.
 *
 * <p>Dumps are damaged by nature: every count, length and offset is checked against a bound
 * before it is used, and a violation is a {@link KernelMemoryFormatException} naming the address.
 * The tables are read with a few large reads, not per symbol.
 */
public final class Kallsyms {
    /**
     * More symbols than any kernel has: an allyesconfig x86-64 build has under 300 000, a
     * distribution kernel about 120 000.
     */
    static final int MAX_SYMBOLS = 1 << 21;
    /**
     * Longest name accepted, type letter included: twice {@code KSYM_NAME_LEN} (512 since 6.1,
     * 128 before), whose longer names scripts/kallsyms.c leaves out.
     */
    static final int MAX_NAME_CHARS = 1024;
    /** Bound for the names table when no other kallsyms table above it ends it. */
    static final long MAX_NAMES_BYTES = 64L << 20;
    /** Bound for the token table when no other kallsyms table above it ends it; it is ~1 KiB. */
    static final long MAX_TOKEN_TABLE_BYTES = 64L << 10;
    /**
     * How far an image symbol may lie from {@code _stext} when VMCOREINFO gives no
     * {@code KERNEL_IMAGE_SIZE}: 64-bit kernels are built for a code model that keeps the whole
     * image within 2 GiB.
     */
    static final long DEFAULT_IMAGE_SPAN = 1L << 31;
    private static final int TOKENS = 256;
    private static final int READ_CHUNK = 1 << 20;
    private static final String TABLE_KEY_PREFIX = "SYMBOL(kallsyms_";

    private Kallsyms() {
    }

    /** How the addresses are stored; see the class comment. */
    private enum Encoding {
        ABSOLUTE, BASE_RELATIVE, ABSOLUTE_PERCPU, PLACE_RELATIVE
    }

    /**
     * Decodes the kallsyms tables that VMCOREINFO points at.
     *
     * @return empty when VMCOREINFO does not list them (kernels before 6.0, or built without
     *         {@code CONFIG_KALLSYMS})
     * @throws KernelMemoryFormatException when a table cannot be true, naming its address
     * @throws AddressFault                when a table's bytes are not in the dump
     */
    public static Optional<Symbols> read(KernelMemory memory, VmcoreInfo info) throws IOException, AddressFault {
        OptionalLong namesAt = info.symbol("kallsyms_names");
        if (namesAt.isEmpty()) {
            return Optional.empty();
        }
        long names = namesAt.getAsLong();
        long numSyms = required(info, "kallsyms_num_syms", names);
        long tokenTable = required(info, "kallsyms_token_table", names);
        long tokenIndex = required(info, "kallsyms_token_index", names);
        OptionalLong offsets = info.symbol("kallsyms_offsets");
        OptionalLong addresses = info.symbol("kallsyms_addresses");
        if (offsets.isEmpty() && addresses.isEmpty()) {
            throw new KernelMemoryFormatException(names, "VMCOREINFO lists kallsyms_names but neither"
                    + " SYMBOL(kallsyms_offsets) nor SYMBOL(kallsyms_addresses)");
        }

        long count = Integer.toUnsignedLong(memory.readInt(numSyms));
        if (count == 0 || count > MAX_SYMBOLS) {
            throw new KernelMemoryFormatException(numSyms, "kallsyms_num_syms is " + count
                    + "; expected 1 to " + MAX_SYMBOLS);
        }
        int n = (int) count;
        byte[][] tokens = tokens(memory, tokenTable, tokenIndex, end(info, tokenTable, MAX_TOKEN_TABLE_BYTES));
        Entries entries = names(memory, names, end(info, names, MAX_NAMES_BYTES), n, tokens);

        long[] values = new long[n];
        boolean[] moved = new boolean[n];
        long table = offsets.isPresent() ? offsets.getAsLong() : addresses.getAsLong();
        Encoding encoding = addresses(memory, info, table, offsets.isPresent(), entries, values, moved);
        return Optional.of(build(info, table, encoding, entries, values, moved));
    }

    private static long required(VmcoreInfo info, String table, long names) throws KernelMemoryFormatException {
        return info.symbol(table).orElseThrow(() -> new KernelMemoryFormatException(names,
                "VMCOREINFO lists kallsyms_names but not SYMBOL(" + table + ")"));
    }

    /**
     * Where the table at {@code start} must end: at the next kallsyms table above it, whose order
     * has changed between versions, else {@code bound} bytes on.
     */
    private static long end(VmcoreInfo info, long start, long bound) {
        long end = start + bound;
        for (Map.Entry<String, String> e : info.entries().entrySet()) {
            if (e.getKey().startsWith(TABLE_KEY_PREFIX)) {
                long other = info.hex(e.getKey()).orElse(start);
                if (Long.compareUnsigned(other, start) > 0 && Long.compareUnsigned(other, end) < 0) {
                    end = other;
                }
            }
        }
        return end;
    }

    /** The 256 token strings, as bytes. */
    private static byte[][] tokens(KernelMemory memory, long table, long index, long tableEnd)
            throws IOException, AddressFault {
        ByteBuffer offsets = ByteBuffer.wrap(memory.read(index, TOKENS * Short.BYTES)).order(memory.byteOrder());
        TableReader bytes = new TableReader(memory, table, tableEnd);
        byte[][] tokens = new byte[TOKENS][];
        byte[] scratch = new byte[MAX_NAME_CHARS];
        for (int t = 0; t < TOKENS; t++) {
            long start = table + Short.toUnsignedInt(offsets.getShort(t * Short.BYTES));
            int length = 0;
            for (long at = start; ; at++) {
                if (Long.compareUnsigned(at, tableEnd) >= 0 || length == MAX_NAME_CHARS) {
                    throw new KernelMemoryFormatException(index + (long) t * Short.BYTES, String.format(
                            "kallsyms_token_index entry %d points at 0x%x, a token with no NUL before 0x%x;"
                            + " expected a NUL-terminated string of at most %d bytes inside kallsyms_token_table",
                            t, start, Math.min(tableEnd, start + MAX_NAME_CHARS), MAX_NAME_CHARS));
                }
                int b = bytes.get(at);
                if (b == 0) {
                    break;
                }
                scratch[length++] = (byte) b;
            }
            tokens[t] = Arrays.copyOf(scratch, length);
        }
        return tokens;
    }

    /** Every symbol's name and {@code nm} type letter, in table (address) order. */
    private record Entries(String[] names, char[] types) {
    }

    private static Entries names(KernelMemory memory, long table, long tableEnd, int count, byte[][] tokens)
            throws IOException, AddressFault {
        TableReader bytes = new TableReader(memory, table, tableEnd);
        String[] names = new String[count];
        char[] types = new char[count];
        byte[] name = new byte[MAX_NAME_CHARS];
        long at = table;
        for (int i = 0; i < count; i++) {
            long entry = at;
            if (Long.compareUnsigned(at, tableEnd) >= 0) {
                throw pastEnd(entry, i, count, 1, tableEnd);
            }
            int length = bytes.get(at++);
            if ((length & 0x80) != 0) {
                if (Long.compareUnsigned(at, tableEnd) >= 0) {
                    throw pastEnd(entry, i, count, 2, tableEnd);
                }
                length = (length & 0x7f) | bytes.get(at++) << 7;
            }
            if (length == 0) {
                throw new KernelMemoryFormatException(entry, "kallsyms_names entry " + i + " of " + count
                        + " has length 0; every entry holds at least its type letter");
            }
            if (Long.compareUnsigned(tableEnd - at, length) < 0) {
                throw pastEnd(entry, i, count, (int) (at - entry) + length, tableEnd);
            }
            int chars = 0;
            for (int k = 0; k < length; k++) {
                byte[] token = tokens[bytes.get(at++)];
                if (chars + token.length > MAX_NAME_CHARS) {
                    throw new KernelMemoryFormatException(entry, "kallsyms_names entry " + i + " of " + count
                            + " expands to more than " + MAX_NAME_CHARS + " characters");
                }
                System.arraycopy(token, 0, name, chars, token.length);
                chars += token.length;
            }
            char type = chars == 0 ? 0 : (char) (name[0] & 0xff);
            if (chars < 2 || !(type >= 'A' && type <= 'Z' || type >= 'a' && type <= 'z')) {
                throw new KernelMemoryFormatException(entry, "kallsyms_names entry " + i + " of " + count
                        + " expands to \"" + new String(name, 0, chars, StandardCharsets.ISO_8859_1)
                        + "\"; expected a type letter followed by a name");
            }
            types[i] = type;
            names[i] = new String(name, 1, chars - 1, StandardCharsets.ISO_8859_1);
        }
        return new Entries(names, types);
    }

    private static KernelMemoryFormatException pastEnd(long entry, int i, int count, int length, long tableEnd) {
        return new KernelMemoryFormatException(entry, String.format("kallsyms_names entry %d of %d needs %d bytes"
                + " but the table ends at 0x%x (the next kallsyms table, or the %d MiB bound)", i, count, length,
                tableEnd, MAX_NAMES_BYTES >> 20));
    }

    /**
     * Fills each symbol's runtime value, and whether KASLR moved it (an image address, not a
     * per-CPU offset or a constant).
     */
    private static Encoding addresses(KernelMemory memory, VmcoreInfo info, long table, boolean offsets,
            Entries entries, long[] values, boolean[] moved) throws IOException, AddressFault {
        int count = values.length;
        ByteBuffer raw = ByteBuffer.wrap(memory.read(table, count * (offsets ? Integer.BYTES : Long.BYTES)))
                .order(memory.byteOrder());
        Encoding encoding;
        if (!offsets) {
            encoding = Encoding.ABSOLUTE;
            for (int i = 0; i < count; i++) {
                values[i] = raw.getLong(i * Long.BYTES);
                moved[i] = Character.toUpperCase(entries.types[i]) != 'A';
            }
        } else if (info.symbol("kallsyms_relative_base").isPresent()) {
            long base = memory.readLong(info.symbol("kallsyms_relative_base").getAsLong());
            encoding = Encoding.BASE_RELATIVE;
            for (int i = 0; i < count && encoding == Encoding.BASE_RELATIVE; i++) {
                encoding = raw.getInt(i * Integer.BYTES) < 0 ? Encoding.ABSOLUTE_PERCPU : encoding;
            }
            for (int i = 0; i < count; i++) {
                int entry = raw.getInt(i * Integer.BYTES);
                if (encoding == Encoding.BASE_RELATIVE) {
                    values[i] = base + Integer.toUnsignedLong(entry);
                    moved[i] = true;
                } else {
                    values[i] = entry >= 0 ? entry : base - 1 - entry;
                    moved[i] = entry < 0;
                }
            }
        } else {
            encoding = Encoding.PLACE_RELATIVE;
            for (int i = 0; i < count; i++) {
                values[i] = table + (long) i * Integer.BYTES + raw.getInt(i * Integer.BYTES);
                moved[i] = true;
            }
        }
        checkInsideImage(info, table, encoding, entries, values, moved);
        return encoding;
    }

    /** That every image address lies within the image's possible extent around {@code _stext}. */
    private static void checkInsideImage(VmcoreInfo info, long table, Encoding encoding, Entries entries,
            long[] values, boolean[] moved) throws KernelMemoryFormatException {
        long span = info.number("NUMBER(KERNEL_IMAGE_SIZE)").orElse(DEFAULT_IMAGE_SPAN);
        OptionalLong stext = info.symbol("_stext");
        long anchor = stext.orElse(values[0]);
        for (int i = 0; i < values.length; i++) {
            long distance = values[i] - anchor;
            if (moved[i] && (distance >= span || distance <= -span)) {
                throw new KernelMemoryFormatException(entryAddress(table, encoding, i), String.format(
                        "kallsyms %s entry %d puts %s at 0x%x, 0x%x bytes from %s 0x%x; expected an address"
                        + " inside the 0x%x-byte kernel image", encoding == Encoding.ABSOLUTE ? "addresses" : "offsets",
                        i, entries.names[i], values[i], Math.abs(distance),
                        stext.isPresent() ? "_stext" : "the first symbol", anchor, span));
            }
        }
    }

    private static Symbols build(VmcoreInfo info, long table, Encoding encoding, Entries entries, long[] values,
            boolean[] moved) throws KernelMemoryFormatException {
        long kaslrOffset = info.hex("KERNELOFFSET").orElse(0);
        int count = values.length;
        // scripts/kallsyms.c's per-CPU range, ends included: on x86-64 the symbols it made
        // absolute, elsewhere (arm64) the template inside the image.
        long perCpuStart = -1;
        long perCpuEnd = 0;
        long imageStart = -1;
        long imageEnd = 0;
        for (int i = 0; i < count; i++) {
            if (entries.names[i].equals("__per_cpu_start")) {
                perCpuStart = values[i];
            } else if (entries.names[i].equals("__per_cpu_end")) {
                perCpuEnd = values[i];
            }
            if (moved[i]) {
                imageStart = Long.compareUnsigned(values[i], imageStart) < 0 ? values[i] : imageStart;
                imageEnd = Long.compareUnsigned(values[i], imageEnd) > 0 ? values[i] : imageEnd;
            }
        }
        Symbols.Builder builder = new Symbols.Builder(count);
        OptionalLong stext = info.symbol("_stext");
        for (int i = 0; i < count; i++) {
            long value = values[i];
            if (!moved[i] && between(value, imageStart, imageEnd)) {
                throw new KernelMemoryFormatException(entryAddress(table, encoding, i), String.format(
                        "kallsyms symbol %d, %s, is the absolute value 0x%x, inside the kernel image 0x%x-0x%x;"
                        + " expected a per-CPU offset or a constant outside it", i, entries.names[i], value,
                        imageStart, imageEnd));
            }
            if (stext.isPresent() && entries.names[i].equals("_stext") && value != stext.getAsLong()) {
                throw new KernelMemoryFormatException(entryAddress(table, encoding, i), String.format(
                        "kallsyms (%s encoding) puts _stext at 0x%x but VMCOREINFO SYMBOL(_stext) is 0x%x:"
                        + " the tables are damaged or in a layout this reader does not know", encoding, value,
                        stext.getAsLong()));
            }
            char type = entries.types[i];
            Symbol.Kind kind = between(value, perCpuStart, perCpuEnd) ? Symbol.Kind.PER_CPU : kind(type);
            builder.add(entries.names[i], moved[i] ? value - kaslrOffset : value, 0, kind,
                    Character.isUpperCase(type), 0);
        }
        // Rank 0 for all keeps kallsyms' own order among symbols at one address, the name the
        // kernel itself prints for that address.
        return builder.build(imageStart - kaslrOffset, imageEnd - kaslrOffset).withKaslrOffset(kaslrOffset);
    }

    /** Whether {@code low <= value <= high}, unsigned, as kernel addresses compare. */
    private static boolean between(long value, long low, long high) {
        return Long.compareUnsigned(value, low) >= 0 && Long.compareUnsigned(value, high) <= 0;
    }

    /** Where symbol {@code i}'s address or offset is stored. */
    private static long entryAddress(long table, Encoding encoding, int i) {
        return table + (long) i * (encoding == Encoding.ABSOLUTE ? Long.BYTES : Integer.BYTES);
    }

    /** {@code nm} letters: weak symbols without an object type (W) are functions in a kernel. */
    private static Symbol.Kind kind(char type) {
        return switch (Character.toUpperCase(type)) {
            case 'T', 'W' -> Symbol.Kind.TEXT;
            case 'A' -> Symbol.Kind.ABSOLUTE;
            default -> Symbol.Kind.DATA;
        };
    }

    /**
     * One table's bytes, read a large chunk at a time as decoding reaches them. A chunk that runs
     * into memory the dump lacks keeps the bytes before the fault; the fault is raised only if
     * decoding needs a byte past it.
     */
    private static final class TableReader {
        private final KernelMemory memory;
        private final long end;
        private final byte[] chunk;
        private long chunkStart;
        private int chunkLength;

        TableReader(KernelMemory memory, long start, long end) {
            this.memory = memory;
            this.end = end;
            this.chunk = new byte[(int) Math.min(READ_CHUNK, end - start)];
            this.chunkStart = start;
        }

        /** The byte at {@code address}, which the caller has checked lies below the table's end. */
        int get(long address) throws IOException, AddressFault {
            long inChunk = address - chunkStart;
            if (inChunk < 0 || inChunk >= chunkLength) {
                load(address);
                inChunk = 0;
            }
            return chunk[(int) inChunk] & 0xff;
        }

        private void load(long address) throws IOException, AddressFault {
            int length = (int) Math.min(chunk.length, end - address);
            chunkStart = address;
            chunkLength = 0;
            try {
                memory.read(address, chunk, 0, length);
                chunkLength = length;
            } catch (AddressFault fault) {
                long filled = fault.address() - address;
                if (fault.space() != AddressFault.Space.VIRTUAL || filled <= 0 || filled >= length) {
                    throw fault;
                }
                chunkLength = (int) filled;
            }
        }
    }
}
