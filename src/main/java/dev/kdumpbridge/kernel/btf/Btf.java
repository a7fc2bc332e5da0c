package dev.kdumpbridge.kernel.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Kernel type information in the BTF format (reference 07): struct layouts, member offsets
 * including bitfields, sizes, array lengths and enum values, as the running kernel was built.
 * The same parser reads the vmlinux {@code .BTF} section and the copy the kernel keeps in its own
 * memory between {@code __start_BTF} and {@code __stop_BTF}.
 *
 * <p>{@link #parse} checks everything up front: the header, every record's extent, every type id
 * and string offset, and that no type contains itself (through members, array elements or
 * typedefs; pointers are where C allows recursion). After that, lookups cannot loop or read
 * outside the data, and damage is reported once, at parse time, with its offset. Records are
 * decoded when first asked for; the name index is built on the first lookup by name.
 *
 * <p>Split BTF (modules, whose ids continue after vmlinux's) is not read yet. Safe for
 * concurrent use.
 */
public final class Btf {
    private static final int MAGIC = 0xeb9f;
    private static final int HEADER_SIZE = 24;
    private static final int RECORD_SIZE = 12;
    /** {@code BTF_INFO_MASK}: vlen, kind and kind_flag; other bits must be zero. */
    private static final int INFO_MASK = 0x9f00ffff;
    /**
     * Longest chain of types inside types (members by value, array elements, typedefs) that
     * {@link #parse} follows before calling it damage. Kernel declarations nest a few dozen deep
     * at most; the bound keeps a long corrupt chain from exhausting the stack.
     */
    private static final int MAX_NESTING = 256;
    /**
     * Types whose size is the pointer size on every Linux ABI (LP64 and ILP32): BTF does not
     * record the pointer size, so libbpf takes it from {@code long} too.
     */
    private static final List<String> LONG_NAMES = List.of("long int", "long unsigned int", "long", "unsigned long");

    private final ByteBuffer data;
    private final String origin;
    private final int strStart;
    private final int strLen;
    /** Offset of each type's record in {@link #data}; index 0 (void) unused. */
    private final int[] offsets;
    /** Each type's size in bytes, -1 where it has none. */
    private final long[] sizes;
    private final int pointerSize;
    private final BtfType[] decoded;
    private Map<String, int[]> byName;
    private Map<String, Long> enumerators;

    /**
     * Checks every record, then computes every size: all in the constructor, so that the final
     * fields publish a fully checked object.
     */
    private Btf(ByteBuffer data, String origin, int strStart, int strLen, int[] offsets) throws BtfFormatException {
        this.data = data;
        this.origin = origin;
        this.strStart = strStart;
        this.strLen = strLen;
        this.offsets = offsets;
        this.decoded = new BtfType[offsets.length];
        for (int id = 1; id < offsets.length; id++) {
            checkRecord(id);
        }
        // Checks that read another record's fields, safe now that every record is checked.
        for (int id = 1; id < offsets.length; id++) {
            checkTargets(id);
        }
        this.pointerSize = findPointerSize();
        this.sizes = new long[offsets.length];
        sizes[0] = -1;
        byte[] state = new byte[offsets.length];
        for (int id = 1; id < offsets.length; id++) {
            computeSize(id, state, 0);
        }
    }

    /**
     * Parses and checks BTF data.
     *
     * @param bytes  the data from its position to its limit; byte order is taken from the magic.
     *               Its position is left alone, and its contents must not change afterwards:
     *               records are decoded from it when first asked for
     * @param origin where the data came from, for messages: "vmlinux section .BTF at file offset
     *               ..." or "memory at 0x..."
     */
    public static Btf parse(ByteBuffer bytes, String origin) throws BtfFormatException {
        ByteBuffer data = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        int limit = data.limit();
        if (limit < HEADER_SIZE) {
            throw new BtfFormatException(origin, 0, "expected a " + HEADER_SIZE + "-byte header, only "
                    + limit + " bytes");
        }
        int magic = Short.toUnsignedInt(data.getShort(0));
        if (magic == Short.toUnsignedInt(Short.reverseBytes((short) MAGIC))) {
            data.order(ByteOrder.BIG_ENDIAN);
        } else if (magic != MAGIC) {
            throw new BtfFormatException(origin, 0, String.format("expected magic 0xeb9f, found 0x%04x", magic));
        }
        if (data.get(2) != 1) {
            throw new BtfFormatException(origin, 2, "expected version 1, found " + data.get(2));
        }
        long hdrLen = Integer.toUnsignedLong(data.getInt(4));
        if (hdrLen < HEADER_SIZE || hdrLen > limit) {
            throw new BtfFormatException(origin, 4, "header length " + hdrLen + " is not between "
                    + HEADER_SIZE + " and the data size " + limit);
        }
        // Offsets are relative to the end of the header, which may grow in later versions.
        long typeStart = hdrLen + Integer.toUnsignedLong(data.getInt(8));
        long typeEnd = typeStart + Integer.toUnsignedLong(data.getInt(12));
        long strStart = hdrLen + Integer.toUnsignedLong(data.getInt(16));
        long strEnd = strStart + Integer.toUnsignedLong(data.getInt(20));
        if (typeEnd > limit) {
            throw new BtfFormatException(origin, 8, "type section [" + typeStart + ", " + typeEnd
                    + ") runs past the end of the " + limit + "-byte data");
        }
        if (strEnd > limit) {
            throw new BtfFormatException(origin, 16, "string section [" + strStart + ", " + strEnd
                    + ") runs past the end of the " + limit + "-byte data");
        }
        if (typeStart < strEnd && strStart < typeEnd && typeStart < typeEnd) {
            throw new BtfFormatException(origin, 8, "type section [" + typeStart + ", " + typeEnd
                    + ") overlaps string section [" + strStart + ", " + strEnd + ")");
        }
        if (strEnd == strStart || data.get((int) strStart) != 0 || data.get((int) strEnd - 1) != 0) {
            throw new BtfFormatException(origin, strStart, "string section must start with the empty"
                    + " string and end with a NUL");
        }
        int[] offsets = walkRecords(data, origin, (int) typeStart, (int) typeEnd);
        return new Btf(data, origin, (int) strStart, (int) (strEnd - strStart), offsets);
    }

    /** Finds where each record starts, checking that it fits in the type section. */
    private static int[] walkRecords(ByteBuffer data, String origin, int start, int end) throws BtfFormatException {
        int[] offsets = new int[Math.max(16, (end - start) / 32)];
        int count = 1;
        int pos = start;
        while (pos < end) {
            if (end - pos < RECORD_SIZE) {
                throw new BtfFormatException(origin, pos, "type " + count + ": a " + RECORD_SIZE
                        + "-byte record needs more than the " + (end - pos) + " bytes left in the type section");
            }
            int info = data.getInt(pos + 4);
            if ((info & ~INFO_MASK) != 0) {
                throw new BtfFormatException(origin, pos + 4, String.format("type %d: info 0x%08x has"
                        + " bits set outside vlen, kind and kind_flag", count, info));
            }
            BtfKind kind = BtfKind.ofCode((info >>> 24) & 0x1f);
            if (kind == null || kind == BtfKind.VOID) {
                throw new BtfFormatException(origin, pos + 4, "type " + count + ": unknown kind "
                        + ((info >>> 24) & 0x1f));
            }
            long extra = trailingBytes(kind, info & 0xffff);
            if (extra > end - pos - RECORD_SIZE) {
                throw new BtfFormatException(origin, pos, "type " + count + " (" + kind + ") needs "
                        + (RECORD_SIZE + extra) + " bytes, only " + (end - pos) + " left in the type section");
            }
            if (count == offsets.length) {
                offsets = Arrays.copyOf(offsets, count * 2);
            }
            offsets[count++] = pos;
            pos += RECORD_SIZE + (int) extra;
        }
        offsets[0] = -1;
        return Arrays.copyOf(offsets, count);
    }

    /** Bytes after the 12-byte {@code btf_type}, by kind and vlen (reference 07 §3). */
    private static long trailingBytes(BtfKind kind, int vlen) {
        return switch (kind) {
            case INT, VAR, DECL_TAG -> 4;
            case ARRAY -> 12;
            case STRUCT, UNION, DATASEC, ENUM64 -> 12L * vlen;
            case ENUM, FUNC_PROTO -> 8L * vlen;
            default -> 0;
        };
    }

    private void checkRecord(int id) throws BtfFormatException {
        int pos = offsets[id];
        BtfKind kind = kindOf(id);
        int vlen = vlen(id);
        checkName(id, pos);
        int target = data.getInt(pos + 8);
        switch (kind) {
            case INT -> {
                int word = data.getInt(pos + RECORD_SIZE);
                int size = target;
                int offset = (word >>> 16) & 0xff;
                int bits = word & 0xff;
                if (size != 1 && size != 2 && size != 4 && size != 8 && size != 16) {
                    throw fail(pos + 8, "type " + id + ": integer size " + Integer.toUnsignedString(size)
                            + " is not 1, 2, 4, 8 or 16");
                }
                if ((word & 0xf0000000) != 0 || offset + bits > size * 8) {
                    throw fail(pos + RECORD_SIZE, String.format("type %d: integer data 0x%08x does not fit a"
                            + " %d-byte integer", id, word, size));
                }
            }
            case PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG -> checkRef(id, pos + 8, target, true);
            case ARRAY -> {
                checkRef(id, pos + RECORD_SIZE, data.getInt(pos + RECORD_SIZE), false);
                checkRef(id, pos + RECORD_SIZE + 4, data.getInt(pos + RECORD_SIZE + 4), false);
            }
            case STRUCT, UNION -> {
                long bits = Integer.toUnsignedLong(target) * 8;
                boolean kindFlag = kindFlag(id);
                for (int i = 0; i < vlen; i++) {
                    int m = pos + RECORD_SIZE + 12 * i;
                    checkName(id, m);
                    checkRef(id, m + 4, data.getInt(m + 4), false);
                    int raw = data.getInt(m + 8);
                    long offset = kindFlag ? raw & 0xffffff : Integer.toUnsignedLong(raw);
                    long width = kindFlag ? raw >>> 24 : 0;
                    if (offset + width > bits) {
                        throw fail(m + 8, "type " + id + " member " + i + " at bit " + offset + " lies"
                                + " outside the " + target + "-byte " + kind.name().toLowerCase());
                    }
                }
            }
            case ENUM, ENUM64 -> {
                int step = kind == BtfKind.ENUM ? 8 : 12;
                for (int i = 0; i < vlen; i++) {
                    checkName(id, pos + RECORD_SIZE + step * i);
                }
            }
            case FUNC -> checkRef(id, pos + 8, target, false);
            case FUNC_PROTO -> {
                checkRef(id, pos + 8, target, true);
                for (int i = 0; i < vlen; i++) {
                    int p = pos + RECORD_SIZE + 8 * i;
                    checkName(id, p);
                    // Type 0 marks "...", allowed only as the last parameter.
                    checkRef(id, p + 4, data.getInt(p + 4), i == vlen - 1);
                }
            }
            case VAR -> checkRef(id, pos + 8, target, false);
            case DATASEC -> {
                for (int i = 0; i < vlen; i++) {
                    int v = pos + RECORD_SIZE + 12 * i;
                    checkRef(id, v, data.getInt(v), false);
                }
            }
            case DECL_TAG -> checkRef(id, pos + 8, target, false);
            default -> {
                // FWD and FLOAT carry no references.
            }
        }
    }

    /** That the types a record refers to are of the kinds it needs. */
    private void checkTargets(int id) throws BtfFormatException {
        int pos = offsets[id];
        int target = data.getInt(pos + 8);
        switch (kindOf(id)) {
            case FUNC -> {
                if (kindOf(target) != BtfKind.FUNC_PROTO) {
                    throw fail(pos + 8, "function " + id + " has type " + target + ", a " + kindOf(target)
                            + ", not a FUNC_PROTO");
                }
            }
            case DATASEC -> {
                for (int i = 0; i < vlen(id); i++) {
                    int v = pos + RECORD_SIZE + 12 * i;
                    int var = data.getInt(v);
                    if (kindOf(var) != BtfKind.VAR) {
                        throw fail(v, "data section " + id + " entry " + i + " is type " + var + ", a "
                                + kindOf(var) + ", not a VAR");
                    }
                }
            }
            case DECL_TAG -> {
                int component = data.getInt(pos + RECORD_SIZE);
                int count = componentCount(target);
                if (component < -1 || component >= count) {
                    throw fail(pos + RECORD_SIZE, "declaration tag " + id + " names component " + component
                            + " of type " + target + ", which has " + count);
                }
            }
            default -> {
                // Other kinds accept any type they refer to.
            }
        }
    }

    /** Members of a struct or union, parameters of a function: what a DECL_TAG may point into. */
    private int componentCount(int id) {
        BtfKind kind = kindOf(id);
        if (kind == BtfKind.FUNC) {
            return vlen(data.getInt(offsets[id] + 8));
        }
        return kind == BtfKind.STRUCT || kind == BtfKind.UNION ? vlen(id) : 0;
    }

    private void checkName(int id, int at) throws BtfFormatException {
        long nameOff = Integer.toUnsignedLong(data.getInt(at));
        if (nameOff >= strLen) {
            throw fail(at, "type " + id + ": name offset " + nameOff + " is beyond the " + strLen
                    + "-byte string section");
        }
    }

    private void checkRef(int id, int at, int ref, boolean voidAllowed) throws BtfFormatException {
        if (Integer.compareUnsigned(ref, offsets.length) >= 0 || (ref == 0 && !voidAllowed)) {
            throw fail(at, "type " + id + " (" + kindOf(id) + ") refers to type " + Integer.toUnsignedString(ref)
                    + (ref == 0 ? " (void), which cannot be used here" : ", beyond the last type "
                        + (offsets.length - 1)));
        }
    }

    /**
     * Size of type {@code id} in bytes, -1 for types without one, memoised in {@link #sizes}.
     * Follows types held by value, so it also finds a type that contains itself.
     */
    private long computeSize(int id, byte[] state, int depth) throws BtfFormatException {
        if (id == 0) {
            return -1;
        }
        if (state[id] == 2) {
            return sizes[id];
        }
        int pos = offsets[id];
        if (state[id] == 1) {
            throw fail(pos, "type " + id + " (" + kindOf(id) + " " + nameOf(id) + ") contains itself");
        }
        if (depth > MAX_NESTING) {
            throw fail(pos, "types nest more than " + MAX_NESTING + " deep at type " + id);
        }
        state[id] = 1;
        int target = data.getInt(pos + 8);
        long size = switch (kindOf(id)) {
            case INT, ENUM, ENUM64, FLOAT, DATASEC -> Integer.toUnsignedLong(target);
            case PTR -> pointerSize;
            case TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG, VAR -> computeSize(target, state, depth + 1);
            case ARRAY -> {
                long element = computeSize(data.getInt(pos + RECORD_SIZE), state, depth + 1);
                long length = Integer.toUnsignedLong(data.getInt(pos + RECORD_SIZE + 8));
                yield element < 0 ? -1 : checkedProduct(pos, id, element, length);
            }
            case STRUCT, UNION -> {
                long structSize = Integer.toUnsignedLong(target);
                boolean kindFlag = kindFlag(id);
                for (int i = 0; i < vlen(id); i++) {
                    int m = pos + RECORD_SIZE + 12 * i;
                    long memberSize = computeSize(data.getInt(m + 4), state, depth + 1);
                    long bits = memberBits(m, kindFlag);
                    long bitOffset = bits >>> 8;
                    boolean bitfield = (bits & 0xff) != 0;
                    if (!bitfield && memberSize > 0 && bitOffset / 8 + memberSize > structSize) {
                        throw fail(m, "type " + id + " (" + nameOf(id) + ") member " + i + " of "
                                + memberSize + " bytes at byte " + bitOffset / 8 + " overruns the "
                                + structSize + "-byte " + kindOf(id).name().toLowerCase());
                    }
                }
                yield structSize;
            }
            default -> -1;
        };
        sizes[id] = size;
        state[id] = 2;
        return size;
    }

    private long checkedProduct(int pos, int id, long element, long length) throws BtfFormatException {
        try {
            return Math.multiplyExact(element, length);
        } catch (ArithmeticException e) {
            throw fail(pos, "array " + id + " of " + length + " elements of " + element + " bytes overflows");
        }
    }

    private int findPointerSize() {
        for (int id = 1; id < offsets.length; id++) {
            if (kindOf(id) == BtfKind.INT && LONG_NAMES.contains(nameOf(id))) {
                return data.getInt(offsets[id] + 8);
            }
        }
        return -1;
    }

    private BtfFormatException fail(long offset, String problem) {
        return new BtfFormatException(origin, offset, problem);
    }

    // ---- raw record fields ----

    private BtfKind kindOf(int id) {
        return id == 0 ? BtfKind.VOID : BtfKind.ofCode((data.getInt(offsets[id] + 4) >>> 24) & 0x1f);
    }

    private int vlen(int id) {
        return data.getInt(offsets[id] + 4) & 0xffff;
    }

    private boolean kindFlag(int id) {
        return data.getInt(offsets[id] + 4) < 0;
    }

    private String nameOf(int id) {
        return string(data.getInt(offsets[id]));
    }

    /** The string at a checked offset; the section ends with a NUL, so the scan stops inside it. */
    private String string(int offset) {
        int start = strStart + offset;
        int end = start;
        while (data.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        data.get(start, bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    // ---- types ----

    /** Number of type ids, void included: valid ids are 0 to {@code typeCount() - 1}. */
    public int typeCount() {
        return offsets.length;
    }

    public ByteOrder byteOrder() {
        return data.order();
    }

    /** Pointer size in bytes, the size of {@code long}; -1 if this BTF has no {@code long}. */
    public int pointerSize() {
        return pointerSize;
    }

    /** The type with that id; 0 is void. */
    public BtfType type(int id) {
        if (id < 0 || id >= offsets.length) {
            throw new IllegalArgumentException("no BTF type " + id + " in " + origin + " (ids 0 to "
                    + (offsets.length - 1) + ")");
        }
        BtfType type = decoded[id];
        if (type == null) {
            // Records are immutable, so a race only decodes one twice.
            type = decode(id);
            decoded[id] = type;
        }
        return type;
    }

    private BtfType decode(int id) {
        if (id == 0) {
            return new BtfType.Void();
        }
        int pos = offsets[id];
        BtfKind kind = kindOf(id);
        String name = nameOf(id);
        int vlen = vlen(id);
        boolean kindFlag = kindFlag(id);
        int sizeOrType = data.getInt(pos + 8);
        int body = pos + RECORD_SIZE;
        return switch (kind) {
            case INT -> {
                int word = data.getInt(body);
                yield new BtfType.Int(id, name, sizeOrType, (word >>> 24) & 0xf, (word >>> 16) & 0xff, word & 0xff);
            }
            case PTR -> new BtfType.Ptr(id, sizeOrType);
            case ARRAY -> new BtfType.Array(id, data.getInt(body), data.getInt(body + 4),
                    Integer.toUnsignedLong(data.getInt(body + 8)));
            case STRUCT, UNION -> {
                List<BtfType.Member> members = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    members.add(member(body + 12 * i, kindFlag));
                }
                yield new BtfType.Struct(id, name, kind == BtfKind.UNION, Integer.toUnsignedLong(sizeOrType),
                        List.copyOf(members));
            }
            case ENUM, ENUM64 -> {
                boolean wide = kind == BtfKind.ENUM64;
                List<BtfType.Enumerator> values = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    int e = body + (wide ? 12 : 8) * i;
                    int low = data.getInt(e + 4);
                    long value = wide ? (long) data.getInt(e + 8) << 32 | Integer.toUnsignedLong(low)
                            : kindFlag ? low : Integer.toUnsignedLong(low);
                    values.add(new BtfType.Enumerator(string(data.getInt(e)), value));
                }
                yield new BtfType.Enum(id, name, wide, kindFlag, Integer.toUnsignedLong(sizeOrType), List.copyOf(values));
            }
            case FWD -> new BtfType.Fwd(id, name, kindFlag);
            case TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG -> new BtfType.Modifier(id, kind, name, sizeOrType);
            case FUNC -> new BtfType.Func(id, name, sizeOrType, vlen);
            case FUNC_PROTO -> {
                List<BtfType.Param> params = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    int p = body + 8 * i;
                    params.add(new BtfType.Param(string(data.getInt(p)), data.getInt(p + 4)));
                }
                yield new BtfType.FuncProto(id, sizeOrType, List.copyOf(params));
            }
            case VAR -> new BtfType.Var(id, name, sizeOrType, data.getInt(body));
            case DATASEC -> {
                List<BtfType.SectionVar> vars = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    int v = body + 12 * i;
                    vars.add(new BtfType.SectionVar(data.getInt(v), Integer.toUnsignedLong(data.getInt(v + 4)),
                            Integer.toUnsignedLong(data.getInt(v + 8))));
                }
                yield new BtfType.DataSec(id, name, Integer.toUnsignedLong(sizeOrType), List.copyOf(vars));
            }
            case FLOAT -> new BtfType.Float(id, name, sizeOrType);
            case DECL_TAG -> new BtfType.DeclTag(id, name, sizeOrType, data.getInt(body));
            case VOID -> throw new IllegalStateException("void is never stored");
        };
    }

    /**
     * One {@code btf_member}. With the struct's kind_flag the offset word holds the bitfield
     * width in its top byte; without it a bitfield's width and extra offset are in the member's
     * INT type (the encoding pahole used before kind_flag existed; the kernel's btf.c reads both).
     */
    private BtfType.Member member(int at, boolean kindFlag) {
        long bits = memberBits(at, kindFlag);
        return new BtfType.Member(string(data.getInt(at)), data.getInt(at + 4), bits >>> 8, (int) (bits & 0xff));
    }

    /** A member's bit offset shifted left by 8, or'ed with its bitfield width (at most 255). */
    private long memberBits(int at, boolean kindFlag) {
        int raw = data.getInt(at + 8);
        if (kindFlag) {
            return (long) (raw & 0xffffff) << 8 | raw >>> 24;
        }
        long bitOffset = Integer.toUnsignedLong(raw);
        int type = data.getInt(at + 4);
        if (kindOf(type) == BtfKind.INT) {
            int word = data.getInt(offsets[type] + RECORD_SIZE);
            int intOffset = (word >>> 16) & 0xff;
            int width = word & 0xff;
            if (intOffset != 0 || width != data.getInt(offsets[type] + 8) * 8) {
                return (bitOffset + intOffset) << 8 | width;
            }
        }
        return bitOffset << 8;
    }

    /** Every type of that name, in id order. */
    public List<BtfType> types(String name) {
        int[] ids = nameIndex().get(name);
        if (ids == null) {
            return List.of();
        }
        List<BtfType> types = new ArrayList<>(ids.length);
        for (int id : ids) {
            types.add(type(id));
        }
        return types;
    }

    /**
     * The struct or union of that name: its first full definition, never a forward declaration.
     * A typedef of a struct counts too ({@code atomic_long_t}, {@code nodemask_t}), the way
     * VMCOREINFO names some of them, but a struct of the name comes first.
     */
    public Optional<BtfType.Struct> struct(String name) {
        int[] ids = nameIndex().get(name);
        if (ids == null) {
            return Optional.empty();
        }
        for (int id : ids) {
            if (type(id) instanceof BtfType.Struct s) {
                return Optional.of(s);
            }
        }
        for (int id : ids) {
            if (type(id) instanceof BtfType.Modifier m && m.kind() == BtfKind.TYPEDEF
                    && resolve(m) instanceof BtfType.Struct s) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    private synchronized Map<String, int[]> nameIndex() {
        if (byName == null) {
            Map<String, int[]> index = new HashMap<>(offsets.length * 2);
            for (int id = 1; id < offsets.length; id++) {
                int nameOff = data.getInt(offsets[id]);
                if (nameOff != 0) {
                    index.merge(string(nameOff), new int[] {id}, (a, b) -> {
                        int[] both = Arrays.copyOf(a, a.length + 1);
                        both[a.length] = b[0];
                        return both;
                    });
                }
            }
            byName = index;
        }
        return byName;
    }

    /** The value of an enumerator, searched in every enum: C enumerators share one namespace. */
    public OptionalLong enumerator(String name) {
        Long value = enumeratorIndex().get(name);
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }

    private synchronized Map<String, Long> enumeratorIndex() {
        if (enumerators == null) {
            Map<String, Long> index = new HashMap<>();
            for (int id = 1; id < offsets.length; id++) {
                BtfKind kind = kindOf(id);
                if ((kind == BtfKind.ENUM || kind == BtfKind.ENUM64) && type(id) instanceof BtfType.Enum e) {
                    for (BtfType.Enumerator v : e.values()) {
                        index.putIfAbsent(v.name(), v.value());
                    }
                }
            }
            enumerators = index;
        }
        return enumerators;
    }

    /**
     * The type behind typedefs and qualifiers (const, volatile, restrict, type tags); the type
     * itself when it is none of those. {@link #parse} ruled out cycles.
     */
    public BtfType resolve(BtfType type) {
        BtfType t = type;
        while (t instanceof BtfType.Modifier m) {
            t = type(m.target());
        }
        return t;
    }

    /**
     * Size in bytes, through typedefs and qualifiers; pointers have {@link #pointerSize()}.
     *
     * @throws IllegalArgumentException for types without a size: void, functions, forward
     *                                  declarations
     */
    public long sizeOf(BtfType type) {
        long size = sizes[type.id()];
        if (size < 0) {
            throw new IllegalArgumentException("BTF type " + type.id() + " (" + type.kind() + " "
                    + type.name() + ") has no size");
        }
        return size;
    }

    // ---- member paths ----

    /**
     * The member at a path of member names and array indices through embedded structs and
     * unions, such as {@code thread.sp}, {@code thread_info.cpu} or {@code comm[2]}. Members of
     * anonymous structs and unions are found by their own names, as in C.
     *
     * @throws NoSuchElementException   when the struct or a member does not exist in this kernel
     * @throws IllegalArgumentException for a path that is not a member path, or one that goes
     *                                  through a pointer ({@code ->}; see {@link #path})
     */
    public Field field(String struct, String path) {
        List<Field> steps = path(struct, path);
        if (steps.size() != 1) {
            throw new IllegalArgumentException("'" + path + "' goes through a pointer; use path()");
        }
        return steps.get(0);
    }

    /** {@link #field}, or empty when the struct or a member does not exist in this kernel. */
    public Optional<Field> findField(String struct, String path) {
        try {
            return Optional.of(field(struct, path));
        } catch (NoSuchElementException e) {
            return Optional.empty();
        }
    }

    /**
     * {@code offsetof(struct, path)} in bytes.
     *
     * @throws IllegalArgumentException for a bitfield, which has no byte offset
     */
    public long offsetOf(String struct, String path) {
        Field f = field(struct, path);
        if (f.isBitfield()) {
            throw new IllegalArgumentException(struct + "." + path + " is a bitfield, at bit " + f.bitOffset());
        }
        return f.offset();
    }

    /**
     * A path that may follow pointers, such as {@code signal->thread_head}: one {@link Field}
     * per object visited. The first is relative to {@code struct}; each next one is relative to
     * the struct that the previous field points to. A pointer to a forward declaration is
     * followed to the full definition of that name.
     *
     * @throws NoSuchElementException   when a struct or member does not exist in this kernel
     * @throws IllegalArgumentException for a malformed path, an index past an array's end, or
     *                                  a {@code .} or {@code ->} applied to a member that is not a
     *                                  struct or a pointer to one
     */
    public List<Field> path(String struct, String path) {
        BtfType.Struct root = struct(struct).orElseThrow(
                () -> new NoSuchElementException("no struct or union " + struct + " in " + origin));
        List<Field> steps = new ArrayList<>();
        BtfType current = root;
        String owner = struct;
        StringBuilder written = new StringBuilder();
        long bitOffset = 0;
        int bitfieldSize = 0;
        int pos = 0;
        boolean expectName = true;
        while (pos < path.length()) {
            char c = path.charAt(pos);
            if (expectName) {
                int end = pos;
                while (end < path.length() && (Character.isLetterOrDigit(path.charAt(end)) || path.charAt(end) == '_')) {
                    end++;
                }
                if (end == pos) {
                    throw malformed(path, pos);
                }
                String name = path.substring(pos, end);
                if (bitfieldSize != 0 || !(resolve(current) instanceof BtfType.Struct s)) {
                    throw new IllegalArgumentException(owner + "." + written + " is not a struct or union,"
                            + " so it has no member " + name);
                }
                String where = owner + (written.length() > 0 ? "." + written : "");
                BtfType.Member m = findMember(s, name, 0).orElseThrow(() -> new NoSuchElementException(
                        describe(s) + " (at " + where + ") has no member " + name + " in " + origin));
                bitOffset += m.bitOffset();
                bitfieldSize = m.bitfieldSize();
                current = type(m.type());
                written.append(name);
                pos = end;
                expectName = false;
            } else if (c == '.') {
                written.append('.');
                pos++;
                expectName = true;
            } else if (c == '[') {
                int close = path.indexOf(']', pos);
                if (close < 0 || !(resolve(current) instanceof BtfType.Array a)) {
                    throw new IllegalArgumentException(owner + "." + written + " is not an array");
                }
                long index;
                try {
                    index = Long.parseLong(path.substring(pos + 1, close).trim());
                } catch (NumberFormatException e) {
                    throw malformed(path, pos + 1);
                }
                // A flexible array member (length 0) has no bound to check.
                if (index < 0 || (a.length() > 0 && index >= a.length())) {
                    throw new IllegalArgumentException("index " + index + " is outside " + owner + "." + written
                            + "[" + a.length() + "]");
                }
                current = type(a.element());
                bitOffset += index * sizeOf(current) * 8;
                written.append(path, pos, close + 1);
                pos = close + 1;
            } else if (path.startsWith("->", pos)) {
                steps.add(new Field(written.toString(), current, bitOffset, bitfieldSize, sizes[current.id()]));
                if (!(resolve(current) instanceof BtfType.Ptr p)) {
                    throw new IllegalArgumentException(owner + "." + written + " is not a pointer");
                }
                BtfType pointee = resolve(type(p.target()));
                if (pointee instanceof BtfType.Fwd fwd) {
                    pointee = struct(fwd.name()).orElseThrow(() -> new NoSuchElementException(
                            "no definition of " + describe(fwd) + " in " + origin));
                }
                owner = pointee.name();
                current = pointee;
                written.setLength(0);
                bitOffset = 0;
                pos += 2;
                expectName = true;
            } else {
                throw malformed(path, pos);
            }
        }
        if (expectName) {
            throw malformed(path, pos);
        }
        steps.add(new Field(written.toString(), current, bitOffset, bitfieldSize, sizes[current.id()]));
        return steps;
    }

    /**
     * A member of {@code s} by name, looking into anonymous struct and union members as C does;
     * its bit offset is relative to {@code s}.
     */
    public Optional<BtfType.Member> member(BtfType.Struct s, String name) {
        return findMember(s, name, 0);
    }

    /**
     * {@link #member}, with offsets made relative to {@code base}. Nesting is finite: {@link #parse}
     * ruled out self-containment.
     */
    private Optional<BtfType.Member> findMember(BtfType.Struct s, String name, long base) {
        for (BtfType.Member m : s.members()) {
            if (m.name().equals(name)) {
                return Optional.of(new BtfType.Member(name, m.type(), base + m.bitOffset(), m.bitfieldSize()));
            }
            if (m.name().isEmpty() && resolve(type(m.type())) instanceof BtfType.Struct inner) {
                Optional<BtfType.Member> found = findMember(inner, name, base + m.bitOffset());
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    private static String describe(BtfType t) {
        boolean union = t instanceof BtfType.Struct s ? s.union() : t instanceof BtfType.Fwd f && f.union();
        return (union ? "union " : "struct ") + (t.name().isEmpty() ? "(anonymous)" : t.name());
    }

    private static IllegalArgumentException malformed(String path, int at) {
        return new IllegalArgumentException("malformed member path '" + path + "' at character " + at
                + ": expected name(.name|[index]|->name)*");
    }

    @Override
    public String toString() {
        return "Btf[" + origin + ", " + (offsets.length - 1) + " types]";
    }
}
