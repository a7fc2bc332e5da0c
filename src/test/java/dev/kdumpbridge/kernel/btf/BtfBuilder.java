package dev.kdumpbridge.kernel.btf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes small BTF blobs the way pahole lays them out (include/uapi/linux/btf.h): a 24-byte
 * header, the type records, then the deduplicated string section. Each add method returns the
 * new type's id. {@link #raw} writes any record, for damaged input.
 */
final class BtfBuilder {
    private final List<int[]> records = new ArrayList<>();
    private final Map<String, Integer> strings = new LinkedHashMap<>();
    private final ByteArrayOutputStream stringBytes = new ByteArrayOutputStream();

    BtfBuilder() {
        stringBytes.write(0);
        strings.put("", 0);
    }

    int str(String s) {
        return strings.computeIfAbsent(s, k -> {
            int at = stringBytes.size();
            stringBytes.writeBytes(k.getBytes(StandardCharsets.ISO_8859_1));
            stringBytes.write(0);
            return at;
        });
    }

    static int info(BtfKind kind, int vlen, boolean kindFlag) {
        return (kindFlag ? 1 << 31 : 0) | kind.code() << 24 | vlen;
    }

    /** Any record: name offset, info, size-or-type, then the trailing words. */
    int raw(int nameOff, int info, int sizeOrType, int... trailing) {
        int[] words = new int[3 + trailing.length];
        words[0] = nameOff;
        words[1] = info;
        words[2] = sizeOrType;
        System.arraycopy(trailing, 0, words, 3, trailing.length);
        records.add(words);
        return records.size();
    }

    int integer(String name, int size, int encoding, int bitOffset, int bits) {
        return raw(str(name), info(BtfKind.INT, 0, false), size, encoding << 24 | bitOffset << 16 | bits);
    }

    int integer(String name, int size, boolean signed) {
        return integer(name, size, signed ? BtfType.Int.SIGNED : 0, 0, size * 8);
    }

    int ptr(int target) {
        return raw(0, info(BtfKind.PTR, 0, false), target);
    }

    int array(int element, int index, int length) {
        return raw(0, info(BtfKind.ARRAY, 0, false), 0, element, index, length);
    }

    /** One member: name, type, and the raw offset word (bit offset, or width << 24 | bit offset). */
    record M(String name, int type, int offset) {
        static M at(String name, int type, int bitOffset) {
            return new M(name, type, bitOffset);
        }

        static M bits(String name, int type, int bitOffset, int width) {
            return new M(name, type, width << 24 | bitOffset);
        }
    }

    int struct(String name, int size, boolean kindFlag, M... members) {
        return composite(BtfKind.STRUCT, name, size, kindFlag, members);
    }

    int union(String name, int size, M... members) {
        return composite(BtfKind.UNION, name, size, false, members);
    }

    private int composite(BtfKind kind, String name, int size, boolean kindFlag, M... members) {
        int[] trailing = new int[members.length * 3];
        for (int i = 0; i < members.length; i++) {
            trailing[3 * i] = str(members[i].name());
            trailing[3 * i + 1] = members[i].type();
            trailing[3 * i + 2] = members[i].offset();
        }
        return raw(str(name), info(kind, members.length, kindFlag), size, trailing);
    }

    int enumeration(String name, int size, boolean signed, Object... namesAndValues) {
        int[] trailing = new int[namesAndValues.length];
        for (int i = 0; i < namesAndValues.length; i += 2) {
            trailing[i] = str((String) namesAndValues[i]);
            trailing[i + 1] = ((Number) namesAndValues[i + 1]).intValue();
        }
        return raw(str(name), info(BtfKind.ENUM, namesAndValues.length / 2, signed), size, trailing);
    }

    int enum64(String name, boolean signed, Object... namesAndValues) {
        int n = namesAndValues.length / 2;
        int[] trailing = new int[n * 3];
        for (int i = 0; i < n; i++) {
            long v = ((Number) namesAndValues[2 * i + 1]).longValue();
            trailing[3 * i] = str((String) namesAndValues[2 * i]);
            trailing[3 * i + 1] = (int) v;
            trailing[3 * i + 2] = (int) (v >>> 32);
        }
        return raw(str(name), info(BtfKind.ENUM64, n, signed), 8, trailing);
    }

    int fwd(String name, boolean union) {
        return raw(str(name), info(BtfKind.FWD, 0, union), 0);
    }

    int modifier(BtfKind kind, String name, int target) {
        return raw(str(name), info(kind, 0, false), target);
    }

    int typedef(String name, int target) {
        return modifier(BtfKind.TYPEDEF, name, target);
    }

    int func(String name, int proto, int linkage) {
        return raw(str(name), info(BtfKind.FUNC, linkage, false), proto);
    }

    /** Parameters as name, type pairs. */
    int funcProto(int returnType, Object... params) {
        int[] trailing = new int[params.length];
        for (int i = 0; i < params.length; i += 2) {
            trailing[i] = str((String) params[i]);
            trailing[i + 1] = (Integer) params[i + 1];
        }
        return raw(0, info(BtfKind.FUNC_PROTO, params.length / 2, false), returnType, trailing);
    }

    int var(String name, int type, int linkage) {
        return raw(str(name), info(BtfKind.VAR, 0, false), type, linkage);
    }

    /** Entries as var id, offset, size triples. */
    int datasec(String name, int size, int... entries) {
        return raw(str(name), info(BtfKind.DATASEC, entries.length / 3, false), size, entries);
    }

    int floating(String name, int size) {
        return raw(str(name), info(BtfKind.FLOAT, 0, false), size);
    }

    int declTag(String name, int target, int component) {
        return raw(str(name), info(BtfKind.DECL_TAG, 0, false), target, component);
    }

    byte[] build() {
        return build(ByteOrder.LITTLE_ENDIAN);
    }

    byte[] build(ByteOrder order) {
        int typeLen = records.stream().mapToInt(r -> r.length * 4).sum();
        byte[] str = stringBytes.toByteArray();
        ByteBuffer out = ByteBuffer.allocate(24 + typeLen + str.length).order(order);
        out.putShort((short) 0xeb9f).put((byte) 1).put((byte) 0).putInt(24)
                .putInt(0).putInt(typeLen).putInt(typeLen).putInt(str.length);
        for (int[] r : records) {
            for (int w : r) {
                out.putInt(w);
            }
        }
        out.put(str);
        return out.array();
    }

    /** Byte offset in {@link #build}'s output of the record of type {@code id}. */
    int recordOffset(int id) {
        int at = 24;
        for (int i = 1; i < id; i++) {
            at += records.get(i - 1).length * 4;
        }
        return at;
    }
}
