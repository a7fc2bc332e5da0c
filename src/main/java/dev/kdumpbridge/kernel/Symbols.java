package dev.kdumpbridge.kernel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The kernel's symbols: name to address, and address to the nearest symbol at or below it.
 *
 * <p>The table holds link-time values; an instance carries a KASLR offset (0 until
 * {@link #withKaslrOffset} says otherwise) and answers with runtime addresses. The offset moves
 * only values inside the kernel image, the rule crash uses ({@code symbols.c} {@code relocate}):
 * x86-64 per-CPU symbols are small offsets into each CPU's area and absolute symbols are
 * constants, and neither moves (reference 03 §4).
 *
 * <p>Two sources fill the same table: the vmlinux ELF symbol table ({@link Vmlinux#symbols}),
 * with sizes and link-time values, and the kernel's own kallsyms in a dump ({@link Kallsyms}),
 * without sizes and shifted back to link time, so both answer alike.
 *
 * <p>Names are not unique: static functions and variables of different files share names.
 * {@link #lookup} prefers a global definition, and otherwise the first in table order;
 * {@link #lookupAll} gives every one. Immutable.
 *
 * <p>A distribution kernel has 120 000 symbols and start-up has to stay fast, so the tables are
 * primitive arrays: an open-addressing name index and a sorted array of packed address keys,
 * with no boxing and no comparator.
 */
public final class Symbols {
    private static final int SYM_SIZE = 24;
    private static final int STT_OBJECT = 1;
    private static final int STT_FUNC = 2;
    private static final int STT_SECTION = 3;
    private static final int STT_FILE = 4;
    private static final int STB_LOCAL = 0;
    private static final int SHN_ABS = 0xfff1;
    /** {@code SHN_LORESERVE}: indices from here on are special (ABS, COMMON, XINDEX). */
    private static final int SHN_LORESERVE = 0xff00;
    /** The per-CPU template section of every architecture's vmlinux.lds. */
    private static final String PER_CPU_SECTION = ".data..percpu";
    private static final Symbol.Kind[] KINDS = Symbol.Kind.values();
    /**
     * An address key packs the offset into the image above {@link #RANK_BITS} bits of preference
     * and {@link #INDEX_BITS} bits of symbol index. 24 index bits allow 16 million symbols (an
     * allyesconfig kernel has under 300 000); of the 36 bits left below the sign bit one stays
     * free for the search key just past the last offset, so the image may span 32 GiB. The
     * largest kernel image mapping, x86-64's KERNEL_IMAGE_SIZE, is 1 GiB.
     */
    private static final int INDEX_BITS = 24;
    private static final int RANK_BITS = 3;
    /** Most symbols one table holds: the index part of an address key. */
    static final int MAX_SYMBOLS = (1 << INDEX_BITS) - 1;
    /** Most bytes from the image's first address to its end that the address keys can express. */
    static final long MAX_IMAGE_SPAN = 1L << (64 - 2 - INDEX_BITS - RANK_BITS);

    private final Table table;
    private final long kaslrOffset;

    /**
     * The link-time table, shared by every offset's view.
     *
     * @param nameSlots   open-addressing hash table: 1 + index of the first symbol of each name,
     *                    0 for an empty slot
     * @param nextSameName the next symbol with the same name, in table order, or -1
     * @param byAddress   keys of the symbols inside the image, sorted: offset from
     *                    {@code imageStart}, preference rank, index
     */
    private record Table(String[] names, long[] values, long[] sizes, byte[] kinds, boolean[] global,
            int[] nameSlots, int[] nextSameName, long[] byAddress, long imageStart, long imageEnd) {

        /** Inside the kernel image, where KASLR moves values; {@code _end} itself included. */
        boolean inImage(long linkValue) {
            return Long.compareUnsigned(linkValue, imageStart) >= 0 && Long.compareUnsigned(linkValue, imageEnd) <= 0;
        }

        int first(String name) {
            int mask = nameSlots.length - 1;
            for (int slot = name.hashCode() & mask; nameSlots[slot] != 0; slot = (slot + 1) & mask) {
                if (names[nameSlots[slot] - 1].equals(name)) {
                    return nameSlots[slot] - 1;
                }
            }
            return -1;
        }
    }

    private Symbols(Table table, long kaslrOffset) {
        this.table = table;
        this.kaslrOffset = kaslrOffset;
    }

    /**
     * Reads an ELF64 {@code .symtab}, keeping the symbols that System.map and kallsyms keep:
     * section and file symbols, undefined ones, local absolute ones (assembler constants such as
     * {@code L4_PAGE_OFFSET}) and the names {@link #isIgnoredName} lists are dropped. None of
     * them names a place in the kernel, and the compiler's {@code .LC123} string labels would
     * otherwise describe read-only data addresses better than the variables they belong to.
     */
    static Symbols fromElf(String file, ElfSection symtabSection, ByteBuffer symtab, ByteBuffer strtab,
            List<ElfSection> sections) throws VmlinuxFormatException {
        if (symtab.limit() % SYM_SIZE != 0) {
            throw new VmlinuxFormatException(file, symtabSection.fileOffset(), "symbol table of " + symtab.limit()
                    + " bytes is not a whole number of " + SYM_SIZE + "-byte entries");
        }
        int count = symtab.limit() / SYM_SIZE;
        if (count > MAX_SYMBOLS) {
            throw new VmlinuxFormatException(file, symtabSection.fileOffset(), count + " symbols are more than"
                    + " any kernel has (at most " + MAX_SYMBOLS + ")");
        }
        long imageStart = -1;
        long imageEnd = 0;
        for (ElfSection s : sections) {
            if (s.isAllocated() && s.address() != 0) {
                imageStart = Long.compareUnsigned(s.address(), imageStart) < 0 ? s.address() : imageStart;
                long end = s.address() + s.size();
                imageEnd = Long.compareUnsigned(end, imageEnd) > 0 ? end : imageEnd;
            }
        }
        if (Long.compareUnsigned(imageEnd - imageStart, MAX_IMAGE_SPAN) >= 0) {
            throw new VmlinuxFormatException(file, 0, String.format("allocated sections span 0x%x to 0x%x,"
                    + " more than any kernel image", imageStart, imageEnd));
        }
        byte[] strings = strtab.array();
        Builder table = new Builder(count);
        for (int i = 1; i < count; i++) {
            int at = i * SYM_SIZE;
            long nameOffset = Integer.toUnsignedLong(symtab.getInt(at));
            int info = symtab.get(at + 4) & 0xff;
            int shndx = Short.toUnsignedInt(symtab.getShort(at + 6));
            int type = info & 0xf;
            boolean local = info >>> 4 == STB_LOCAL;
            if (type == STT_SECTION || type == STT_FILE || shndx == 0 || nameOffset == 0) {
                continue;
            }
            Symbol.Kind kind;
            if (shndx == SHN_ABS) {
                if (local) {
                    continue;
                }
                kind = Symbol.Kind.ABSOLUTE;
            } else if (shndx >= SHN_LORESERVE) {
                // COMMON and XINDEX do not occur in a linked kernel.
                continue;
            } else if (shndx >= sections.size()) {
                throw new VmlinuxFormatException(file, symtabSection.fileOffset() + at + 6, "symbol " + i
                        + " refers to section " + shndx + " of " + sections.size());
            } else {
                ElfSection s = sections.get(shndx);
                if (!s.isAllocated()) {
                    continue;
                }
                kind = s.name().equals(PER_CPU_SECTION) ? Symbol.Kind.PER_CPU
                        : s.isExecutable() ? Symbol.Kind.TEXT : Symbol.Kind.DATA;
            }
            if (nameOffset >= strings.length) {
                throw new VmlinuxFormatException(file, symtabSection.fileOffset() + at, "symbol " + i
                        + " name offset " + nameOffset + " is beyond the " + strings.length + "-byte string table");
            }
            int start = (int) nameOffset;
            int end = start;
            while (end < strings.length && strings[end] != 0) {
                end++;
            }
            if (isIgnoredName(strings, start, end)) {
                continue;
            }
            long size = symtab.getLong(at + 16);
            // Among symbols at one address the most telling comes first: a typed function or
            // object over an assembler label, a sized one over a sizeless one (_text and _stext
            // sit on startup_64), a global over a static, then table order.
            int rank = (type == STT_FUNC || type == STT_OBJECT ? 0 : 4) + (size != 0 ? 0 : 2) + (local ? 1 : 0);
            table.add(new String(strings, start, end - start, StandardCharsets.ISO_8859_1), symtab.getLong(at + 8),
                    size, kind, !local, rank);
        }
        return table.build(imageStart, imageEnd);
    }

    /**
     * Gathers one source's symbols (the ELF symbol table, kallsyms in memory) and builds the
     * indexed table from them, so that every source answers lookups the same way.
     */
    static final class Builder {
        private String[] names;
        private long[] values;
        private long[] sizes;
        private byte[] kinds;
        private boolean[] global;
        private byte[] ranks;
        private int count;

        /** @param expected how many symbols the source says it has; the arrays grow beyond it */
        Builder(int expected) {
            int capacity = Math.max(expected, 16);
            names = new String[capacity];
            values = new long[capacity];
            sizes = new long[capacity];
            kinds = new byte[capacity];
            global = new boolean[capacity];
            ranks = new byte[capacity];
        }

        /**
         * Adds a symbol after those added before it; table order is the order of these calls.
         *
         * @param linkValue the link-time value: an address in the image, a per-CPU offset or a
         *                  constant
         * @param rank      preference among symbols at one address, lower first, below
         *                  {@code 1 << RANK_BITS}; equal ranks keep table order
         * @throws IllegalStateException past {@link #MAX_SYMBOLS}, which callers check first
         *                               to name their source in the error
         */
        void add(String name, long linkValue, long size, Symbol.Kind kind, boolean isGlobal, int rank) {
            if (count == MAX_SYMBOLS) {
                throw new IllegalStateException("more than " + MAX_SYMBOLS + " symbols");
            }
            if (count == names.length) {
                int capacity = Math.min(count * 2, MAX_SYMBOLS);
                names = Arrays.copyOf(names, capacity);
                values = Arrays.copyOf(values, capacity);
                sizes = Arrays.copyOf(sizes, capacity);
                kinds = Arrays.copyOf(kinds, capacity);
                global = Arrays.copyOf(global, capacity);
                ranks = Arrays.copyOf(ranks, capacity);
            }
            names[count] = name;
            values[count] = linkValue;
            sizes[count] = size;
            kinds[count] = (byte) kind.ordinal();
            global[count] = isGlobal;
            ranks[count] = (byte) rank;
            count++;
        }

        /**
         * The table at link time (KASLR offset 0).
         *
         * @param imageStart lowest link address of the kernel image
         * @param imageEnd   its end, included; values in between are image addresses, which KASLR
         *                   moves and {@link Symbols#at} finds
         * @throws IllegalArgumentException when the image spans {@link #MAX_IMAGE_SPAN} or more,
         *                                  which callers check first to name their source
         */
        Symbols build(long imageStart, long imageEnd) {
            if (Long.compareUnsigned(imageEnd - imageStart, MAX_IMAGE_SPAN) >= 0) {
                throw new IllegalArgumentException(String.format("image 0x%x to 0x%x spans more than 0x%x bytes",
                        imageStart, imageEnd, MAX_IMAGE_SPAN));
            }
            long[] byAddress = new long[count];
            int placed = 0;
            for (int i = 0; i < count; i++) {
                boolean inImage = Long.compareUnsigned(values[i], imageStart) >= 0
                        && Long.compareUnsigned(values[i], imageEnd) <= 0;
                if (inImage) {
                    byAddress[placed++] = (values[i] - imageStart) << (RANK_BITS + INDEX_BITS)
                            | (long) ranks[i] << INDEX_BITS | i;
                }
            }
            byAddress = Arrays.copyOf(byAddress, placed);
            Arrays.sort(byAddress);

            int[] nameSlots = new int[Integer.highestOneBit(Math.max(count, 1) * 2) * 2];
            int mask = nameSlots.length - 1;
            int[] nextSameName = new int[count];
            int[] lastSameName = new int[count];
            for (int i = 0; i < count; i++) {
                nextSameName[i] = -1;
                int slot = names[i].hashCode() & mask;
                while (nameSlots[slot] != 0 && !names[nameSlots[slot] - 1].equals(names[i])) {
                    slot = (slot + 1) & mask;
                }
                if (nameSlots[slot] == 0) {
                    nameSlots[slot] = i + 1;
                    lastSameName[i] = i;
                } else {
                    int first = nameSlots[slot] - 1;
                    nextSameName[lastSameName[first]] = i;
                    lastSameName[first] = i;
                }
            }
            Table table = new Table(Arrays.copyOf(names, count), Arrays.copyOf(values, count),
                    Arrays.copyOf(sizes, count), Arrays.copyOf(kinds, count), Arrays.copyOf(global, count), nameSlots,
                    nextSameName, byAddress, imageStart, imageEnd);
            return new Symbols(table, 0);
        }
    }

    /**
     * Names that scripts/mksysmap filters out of System.map and scripts/kallsyms.c out of
     * kallsyms: compiler-local labels ({@code .L}), arm64 and riscv mapping symbols ({@code $x},
     * {@code $d}) and module-version CRCs ({@code __crc_}), which are values, not places.
     */
    private static boolean isIgnoredName(byte[] strings, int start, int end) {
        return startsWith(strings, start, end, ".L") || startsWith(strings, start, end, "$")
                || startsWith(strings, start, end, "__crc_");
    }

    private static boolean startsWith(byte[] strings, int start, int end, String prefix) {
        if (end - start < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (strings[start + i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The same symbols in a kernel loaded {@code offset} bytes above its link address: VMCOREINFO
     * {@code KERNELOFFSET}, or the difference between a runtime and a link address of one image
     * symbol.
     */
    public Symbols withKaslrOffset(long offset) {
        return offset == kaslrOffset ? this : new Symbols(table, offset);
    }

    public long kaslrOffset() {
        return kaslrOffset;
    }

    /** How many symbols the table kept. */
    public int size() {
        return table.names.length;
    }

    /**
     * Every symbol in table order: the ELF symbol table's, or kallsyms' address order. A view:
     * each element is made when asked for.
     */
    public List<Symbol> all() {
        return new AbstractList<>() {
            @Override
            public Symbol get(int index) {
                Objects.checkIndex(index, size());
                return symbol(index);
            }

            @Override
            public int size() {
                return Symbols.this.size();
            }
        };
    }

    /** The symbol of that name: a global one if there is one, else the first static one. */
    public Optional<Symbol> lookup(String name) {
        int first = table.first(name);
        if (first < 0) {
            return Optional.empty();
        }
        for (int i = first; i >= 0; i = table.nextSameName[i]) {
            if (table.global[i]) {
                return Optional.of(symbol(i));
            }
        }
        return Optional.of(symbol(first));
    }

    /** Every symbol of that name, in table order. */
    public List<Symbol> lookupAll(String name) {
        List<Symbol> all = new ArrayList<>();
        for (int i = table.first(name); i >= 0; i = table.nextSameName[i]) {
            all.add(symbol(i));
        }
        return all;
    }

    /** The runtime address of {@link #lookup}'s symbol. */
    public OptionalLong address(String name) {
        Optional<Symbol> s = lookup(name);
        return s.isPresent() ? OptionalLong.of(s.get().address()) : OptionalLong.empty();
    }

    /**
     * Where the symbol {@link #at} finds for an address starts: for code, the start of its
     * function, as the unwinders need it.
     */
    public OptionalLong startOf(long address) {
        Optional<SymbolOffset> found = at(address);
        return found.isPresent() ? OptionalLong.of(found.get().symbol().address()) : OptionalLong.empty();
    }

    /**
     * The nearest symbol at or below a runtime address inside the kernel image, with the offset
     * from it; empty outside the image (module, heap and user addresses, per-CPU offsets).
     */
    public Optional<SymbolOffset> at(long address) {
        long link = address - kaslrOffset;
        if (!table.inImage(link)) {
            return Optional.empty();
        }
        long offset = link - table.imageStart;
        // The first key above every key at this offset; the one before it is the last symbol at
        // or below, and the first key with that symbol's offset is the preferred one there.
        int insertion = Arrays.binarySearch(table.byAddress, (offset + 1) << (RANK_BITS + INDEX_BITS));
        int below = (insertion < 0 ? -insertion - 1 : insertion) - 1;
        if (below < 0) {
            return Optional.empty();
        }
        long symbolOffset = table.byAddress[below] >>> (RANK_BITS + INDEX_BITS);
        int best = Arrays.binarySearch(table.byAddress, 0, below + 1, symbolOffset << (RANK_BITS + INDEX_BITS));
        best = best < 0 ? -best - 1 : best;
        int index = (int) (table.byAddress[best] & ((1 << INDEX_BITS) - 1));
        return Optional.of(new SymbolOffset(symbol(index), offset - symbolOffset));
    }

    /**
     * The runtime address of the first symbol above {@code address} in the image: where the
     * kernel's kallsyms ends a symbol when it gives a function's size ({@code %pS}'s "/0x320").
     */
    public OptionalLong nextAbove(long address) {
        long link = address - kaslrOffset;
        if (!table.inImage(link)) {
            return OptionalLong.empty();
        }
        int insertion = Arrays.binarySearch(table.byAddress, (link - table.imageStart + 1) << (RANK_BITS + INDEX_BITS));
        int above = insertion < 0 ? -insertion - 1 : insertion;
        return above < table.byAddress.length
            ? OptionalLong.of((table.byAddress[above] >>> (RANK_BITS + INDEX_BITS)) + table.imageStart + kaslrOffset)
            : OptionalLong.empty();
    }

    private Symbol symbol(int i) {
        long value = table.values[i];
        long address = table.inImage(value) ? value + kaslrOffset : value;
        return new Symbol(table.names[i], address, value, table.sizes[i], KINDS[table.kinds[i]], table.global[i]);
    }

    @Override
    public String toString() {
        return "Symbols[" + size() + ", KASLR offset 0x" + Long.toHexString(kaslrOffset) + "]";
    }
}
