package dev.kdumpbridge.kernel;

import dev.kdumpbridge.dump.VmcoreInfo;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes kallsyms tables the way scripts/kallsyms.c lays them out (6.1 order: addresses, relative
 * base, count, names, token table, token index) into one block of memory, with the VMCOREINFO
 * text that points at them. Tokens 1 to 31 are multi-character strings, the printable ASCII
 * characters are their own tokens, so names compress a little and expand back through the index;
 * one token ("Tk") joins a type letter to the name after it, as real token tables do.
 */
final class KallsymsImage {
    static final long BASE = 0xffffffff82000000L;
    /** Multi-character tokens, numbered from 1. */
    static final List<String> WORDS = List.of("sched", "_task", "per_cpu", "__", "kallsyms", "Tk");

    /** How the addresses are written. */
    enum Encoding {
        ABSOLUTE_PERCPU, BASE_RELATIVE, PLACE_RELATIVE, ADDRESSES
    }

    record Sym(char type, String name, long address) {
    }

    private final Encoding encoding;
    private final List<Sym> symbols = new ArrayList<>();
    private final Map<String, String> extraInfo = new LinkedHashMap<>();
    private long kaslrOffset;
    private boolean namesLast;

    KallsymsImage(Encoding encoding) {
        this.encoding = encoding;
    }

    /** Adds a symbol; the caller adds them in address order, as kallsyms stores them. */
    KallsymsImage sym(char type, String name, long runtimeAddress) {
        symbols.add(new Sym(type, name, runtimeAddress));
        return this;
    }

    KallsymsImage kaslr(long offset) {
        this.kaslrOffset = offset;
        return this;
    }

    /** Sets or, with null, removes a VMCOREINFO entry after the generated ones. */
    KallsymsImage info(String key, String value) {
        extraInfo.put(key, value);
        return this;
    }

    /** Puts the names table last, with no other table above to end it. */
    KallsymsImage namesLast() {
        this.namesLast = true;
        return this;
    }

    /** The memory and VMCOREINFO, with table addresses in {@link Layout}. */
    record Built(byte[] memory, Layout layout, String vmcoreInfo) {
        ArrayMemory kernelMemory() {
            return new ArrayMemory(BASE, memory);
        }

        VmcoreInfo info() {
            return VmcoreInfo.parse(vmcoreInfo.getBytes(StandardCharsets.ISO_8859_1));
        }

        ByteBuffer at(long address) {
            return ByteBuffer.wrap(memory).order(ByteOrder.LITTLE_ENDIAN).position((int) (address - BASE));
        }
    }

    record Layout(long addresses, long relativeBase, long numSyms, long names, long tokenTable, long tokenIndex) {
    }

    static byte[] encodeName(String typeAndName) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < typeAndName.length(); ) {
            int token = typeAndName.charAt(i);
            int length = 1;
            for (int w = 0; w < WORDS.size(); w++) {
                if (typeAndName.startsWith(WORDS.get(w), i)) {
                    token = w + 1;
                    length = WORDS.get(w).length();
                    break;
                }
            }
            out.write(token);
            i += length;
        }
        byte[] tokens = out.toByteArray();
        ByteArrayOutputStream entry = new ByteArrayOutputStream();
        if (tokens.length > 0x7f) {
            entry.write(tokens.length & 0x7f | 0x80);
            entry.write(tokens.length >> 7);
        } else {
            entry.write(tokens.length);
        }
        entry.writeBytes(tokens);
        return entry.toByteArray();
    }

    Built build() {
        int n = symbols.size();
        ByteArrayOutputStream names = new ByteArrayOutputStream();
        for (Sym s : symbols) {
            names.writeBytes(encodeName(s.type() + s.name()));
        }
        ByteArrayOutputStream tokenTable = new ByteArrayOutputStream();
        short[] index = new short[256];
        for (int t = 0; t < 256; t++) {
            index[t] = (short) tokenTable.size();
            String token = t >= 1 && t <= WORDS.size() ? WORDS.get(t - 1)
                    : t >= 0x20 && t < 0x7f ? String.valueOf((char) t) : "";
            tokenTable.writeBytes(token.getBytes(StandardCharsets.ISO_8859_1));
            tokenTable.write(0);
        }

        ByteBuffer mem = ByteBuffer.allocate(0x10000 + names.size()).order(ByteOrder.LITTLE_ENDIAN);
        long addresses = BASE;
        int addressBytes = encoding == Encoding.ADDRESSES ? 8 : 4;
        int pos = align(n * addressBytes, 8);
        long relativeBase = BASE + pos;
        pos += 8;
        long numSyms = BASE + pos;
        pos += 8;
        long namesAt;
        long tokenTableAt;
        long tokenIndexAt;
        if (namesLast) {
            tokenTableAt = BASE + pos;
            pos = align(pos + tokenTable.size(), 8);
            tokenIndexAt = BASE + pos;
            pos += 512;
            namesAt = BASE + pos;
            pos += names.size();
        } else {
            namesAt = BASE + pos;
            pos = align(pos + names.size(), 8);
            tokenTableAt = BASE + pos;
            pos = align(pos + tokenTable.size(), 8);
            tokenIndexAt = BASE + pos;
            pos += 512;
        }
        mem.put((int) (namesAt - BASE), names.toByteArray());
        mem.put((int) (tokenTableAt - BASE), tokenTable.toByteArray());
        for (int t = 0; t < 256; t++) {
            mem.putShort((int) (tokenIndexAt - BASE) + 2 * t, index[t]);
        }
        mem.putInt((int) (numSyms - BASE), n);

        long base = symbols.stream().filter(s -> s.address() < 0).mapToLong(Sym::address).min().orElse(0);
        if (encoding != Encoding.PLACE_RELATIVE && encoding != Encoding.ADDRESSES) {
            mem.putLong((int) (relativeBase - BASE), base);
        }
        for (int i = 0; i < n; i++) {
            long a = symbols.get(i).address();
            int at = i * addressBytes;
            switch (encoding) {
                case ADDRESSES -> mem.putLong(at, a);
                case BASE_RELATIVE -> mem.putInt(at, (int) (a - base));
                case ABSOLUTE_PERCPU -> mem.putInt(at, a >= 0 ? (int) a : (int) (base - 1 - a));
                case PLACE_RELATIVE -> mem.putInt(at, (int) (a - (addresses + at)));
            }
        }

        Map<String, String> info = new LinkedHashMap<>();
        info.put("OSRELEASE", "6.1.0-test");
        info.put("SYMBOL(kallsyms_names)", Long.toHexString(namesAt));
        info.put("SYMBOL(kallsyms_num_syms)", Long.toHexString(numSyms));
        info.put("SYMBOL(kallsyms_token_table)", Long.toHexString(tokenTableAt));
        info.put("SYMBOL(kallsyms_token_index)", Long.toHexString(tokenIndexAt));
        if (encoding == Encoding.ADDRESSES) {
            info.put("SYMBOL(kallsyms_addresses)", Long.toHexString(addresses));
        } else {
            info.put("SYMBOL(kallsyms_offsets)", Long.toHexString(addresses));
            if (encoding != Encoding.PLACE_RELATIVE) {
                info.put("SYMBOL(kallsyms_relative_base)", Long.toHexString(relativeBase));
            }
        }
        symbols.stream().filter(s -> s.name().equals("_stext")).findFirst()
                .ifPresent(s -> info.put("SYMBOL(_stext)", Long.toHexString(s.address())));
        info.put("KERNELOFFSET", Long.toHexString(kaslrOffset));
        info.put("NUMBER(KERNEL_IMAGE_SIZE)", "1073741824");
        extraInfo.forEach((k, v) -> {
            if (v == null) {
                info.remove(k);
            } else {
                info.put(k, v);
            }
        });
        StringBuilder text = new StringBuilder();
        info.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        byte[] bytes = namesLast ? Arrays.copyOf(mem.array(), pos) : mem.array();
        return new Built(bytes, new Layout(addresses, relativeBase, numSyms, namesAt, tokenTableAt, tokenIndexAt),
                text.toString());
    }

    private static int align(int value, int to) {
        return (value + to - 1) & -to;
    }
}
