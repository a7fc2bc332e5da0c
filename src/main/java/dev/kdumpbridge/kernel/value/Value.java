package dev.kdumpbridge.kernel.value;

import dev.kdumpbridge.kernel.SymbolOffset;
import dev.kdumpbridge.kernel.btf.BtfType;
import dev.kdumpbridge.memory.AddressFault;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * A typed value in the dumped kernel: an object in memory (an lvalue, possibly a bitfield) or a
 * computed scalar (an address taken, a register, a literal). Memory is read when the value is
 * shown or used, never when it is made, so a struct with unreadable parts still expands; what
 * cannot be read shows as {@code <unreadable at 0x...>}.
 */
public final class Value {
    /** Characters of a C string or char array shown before "...". */
    private static final int STRING_LIMIT = 256;
    /** Array elements offered for paging; larger arrays are cut here. */
    private static final long MAX_ELEMENTS = 1 << 20;
    /** An expression that needs no parentheses before {@code .}, {@code ->} or {@code [}. */
    private static final Pattern POSTFIX = Pattern.compile("[A-Za-z_$][\\w$]*(\\.\\w+|->\\w+|\\[\\d+])*");

    private final ValueContext context;
    private final CType type;
    private final String expression;
    private final boolean inMemory;
    /** An object's address, or a computed value. */
    private final long word;
    /** For a bitfield: its first bit above {@link #word}'s byte and its width; 0 width otherwise. */
    private final int bitShift;
    private final int bitfieldSize;

    private Value(ValueContext context, CType type, String expression, boolean inMemory, long word, int bitShift,
            int bitfieldSize) {
        this.context = context;
        this.type = type;
        this.expression = expression;
        this.inMemory = inMemory;
        this.word = word;
        this.bitShift = bitShift;
        this.bitfieldSize = bitfieldSize;
    }

    /** The object of {@code type} at {@code address}. */
    public static Value at(ValueContext context, CType type, long address, String expression) {
        return new Value(context, type, expression, true, address, 0, 0);
    }

    /** A computed scalar (integer or pointer). */
    public static Value of(ValueContext context, CType type, long value, String expression) {
        return new Value(context, type, expression, false, value, 0, 0);
    }

    public CType type() {
        return type;
    }

    public String typeName() {
        return context.types().name(type);
    }

    public String expression() {
        return expression;
    }

    /** The object's address; empty for a computed value. */
    public OptionalLong address() {
        return inMemory && bitfieldSize == 0 ? OptionalLong.of(word) : OptionalLong.empty();
    }

    /** Where a client's memory view should open: a pointer's target, else the object itself. */
    public OptionalLong memoryAddress() {
        if (resolved() instanceof CType.Pointer) {
            try {
                return OptionalLong.of(scalar());
            } catch (AddressFault | IOException | ValueException unreadable) {
                return OptionalLong.empty();
            }
        }
        return address();
    }

    private CType resolved() {
        return context.types().resolve(type);
    }

    boolean isPointer() {
        return resolved() instanceof CType.Pointer;
    }

    boolean isArray() {
        return resolved() instanceof CType.Array;
    }

    boolean isStruct() {
        return context.types().isStruct(type);
    }

    /** Whether it is an integer, an enum or a pointer: something with one number for a value. */
    boolean isScalar() {
        return context.types().isScalar(type);
    }

    /**
     * The value of an integer, enum or pointer, sign-extended where its type is signed.
     *
     * @throws ValueException for a struct, array, function or untyped symbol, which have none
     */
    public long scalar() throws AddressFault, IOException, ValueException {
        if (!isScalar()) {
            throw new ValueException(expression + " is " + describeKind() + ", not a number or a pointer");
        }
        if (!inMemory) {
            return word;
        }
        int size = (int) context.types().size(type);
        long raw;
        if (bitfieldSize > 0) {
            int bytes = (bitShift + bitfieldSize + 7) / 8;
            raw = littleEndian(context.memory().read(word, bytes)) >>> bitShift;
            raw = bitfieldSize == 64 ? raw : raw & ((1L << bitfieldSize) - 1);
            return isSigned() && bitfieldSize < 64 ? raw << (64 - bitfieldSize) >> (64 - bitfieldSize) : raw;
        }
        byte[] bytes = context.memory().read(word, size);
        raw = context.memory().byteOrder() == ByteOrder.LITTLE_ENDIAN ? littleEndian(bytes) : bigEndian(bytes);
        return isSigned() && size < 8 ? raw << (64 - 8 * size) >> (64 - 8 * size) : raw;
    }

    /** {@link #scalar}, with a failed read reported as what cannot be evaluated. */
    long requireScalar() throws ValueException {
        return read(this::scalar);
    }

    private static long littleEndian(byte[] bytes) {
        long v = 0;
        for (int i = Math.min(bytes.length, 8) - 1; i >= 0; i--) {
            v = v << 8 | Byte.toUnsignedLong(bytes[i]);
        }
        return v;
    }

    private static long bigEndian(byte[] bytes) {
        long v = 0;
        for (int i = 0; i < Math.min(bytes.length, 8); i++) {
            v = v << 8 | Byte.toUnsignedLong(bytes[i]);
        }
        return v;
    }

    private boolean isSigned() {
        CType r = resolved();
        if (r instanceof CType.Btf b) {
            if (b.type() instanceof BtfType.Int i) {
                return i.isSigned();
            }
            if (b.type() instanceof BtfType.Enum e) {
                return e.signed();
            }
        }
        return false;
    }

    private String describeKind() {
        CType r = resolved();
        if (r instanceof CType.Untyped) {
            return "a symbol without type information";
        }
        if (r instanceof CType.Array) {
            return "an array (" + typeName() + ")";
        }
        if (isStruct()) {
            return "a " + typeName();
        }
        return "of type " + typeName();
    }

    // ---- operators ----

    /** {@code value.name}, or {@code value->name} when the value is a pointer (gdb accepts both). */
    public Value member(String name) throws ValueException {
        if (isPointer()) {
            return dereference().member(name, expression + "->" + name);
        }
        return member(name, parenthesized() + "." + name);
    }

    private Value member(String name, String memberExpression) throws ValueException {
        if (!isStruct() || !inMemory) {
            throw new ValueException(expression + " is " + describeKind() + ", which has no member " + name);
        }
        Types.Member m = context.types().member(type, name).orElseThrow(() -> new ValueException(
            typeName() + " has no member named " + name));
        return member(m, memberExpression);
    }

    private Value member(Types.Member m, String memberExpression) {
        long address = word + m.bitOffset() / 8;
        if (m.bitfieldSize() > 0) {
            return new Value(context, m.type(), memberExpression, true, address, (int) (m.bitOffset() % 8),
                m.bitfieldSize());
        }
        return at(context, m.type(), address, memberExpression);
    }

    /** {@code *value}: what a pointer points to, or an array's first element. */
    public Value dereference() throws ValueException {
        CType r = resolved();
        if (r instanceof CType.Array) {
            return index(0);
        }
        if (!(r instanceof CType.Pointer p)) {
            throw new ValueException("cannot dereference " + expression + ": it is " + describeKind());
        }
        CType target = p.target();
        if (context.types().resolve(target) instanceof CType.Btf b && b.type() instanceof BtfType.Void) {
            throw new ValueException("cannot dereference " + expression + ": it is a void pointer; cast it first");
        }
        return at(context, target, read(this::scalar), "*" + parenthesized());
    }

    /** {@code value[i]} of an array or a pointer. */
    public Value index(long i) throws ValueException {
        CType r = resolved();
        String indexed = parenthesized() + "[" + i + "]";
        if (r instanceof CType.Array a) {
            if (!inMemory) {
                throw new ValueException(expression + " is not in memory");
            }
            return at(context, a.element(), word + i * elementSize(a.element()), indexed);
        }
        if (r instanceof CType.Pointer p) {
            return at(context, p.target(), read(this::scalar) + i * elementSize(p.target()), indexed);
        }
        throw new ValueException("cannot index " + expression + ": it is " + describeKind());
    }

    private long elementSize(CType element) throws ValueException {
        long size = context.types().size(element);
        if (size <= 0) {
            throw new ValueException("cannot index " + expression + ": its elements (" + context.types().name(element)
                + ") have no size");
        }
        return size;
    }

    /** {@code &value}. */
    public Value addressOf() throws ValueException {
        if (!inMemory || bitfieldSize > 0) {
            throw new ValueException("cannot take the address of " + expression + ": it is not an object in memory");
        }
        CType target = type instanceof CType.Untyped ? new CType.Btf(context.types().btf().type(0)) : type;
        return of(context, new CType.Pointer(target), word, "&" + parenthesized());
    }

    /**
     * {@code (type)value}: a number or pointer converted, or an untyped symbol read as the type
     * its declaration has (as gdb reads {@code (unsigned long)jiffies} without debug information).
     */
    public Value cast(CType to, String castExpression) throws ValueException {
        if (type instanceof CType.Untyped) {
            return at(context, to, word, castExpression);
        }
        if (!context.types().isScalar(to)) {
            throw new ValueException("cannot cast " + expression + " to " + context.types().name(to)
                + ": only numbers and pointers convert; cast a pointer and dereference it");
        }
        if (isArray() && inMemory) {
            return of(context, to, word, castExpression);
        }
        long value = read(this::scalar);
        long size = context.types().size(to);
        if (size > 0 && size < 8 && !(context.types().resolve(to) instanceof CType.Pointer)) {
            value &= (1L << (8 * size)) - 1;
        }
        return of(context, to, value, castExpression);
    }

    /** The expression, in parentheses unless it is a name followed by members and indices. */
    String parenthesized() {
        return POSTFIX.matcher(expression).matches() ? expression : "(" + expression + ")";
    }

    @FunctionalInterface
    private interface Read {
        long get() throws AddressFault, IOException, ValueException;
    }

    private long read(Read read) throws ValueException {
        try {
            return read.get();
        } catch (AddressFault f) {
            throw new ValueException("cannot read " + expression + ": " + f.getMessage());
        } catch (IOException e) {
            throw new ValueException("cannot read " + expression + ": " + e.getMessage());
        }
    }

    // ---- display ----

    /** One line for people: a number (in hex when asked), a string, {@code {...}} for aggregates. */
    public String display(boolean hex) {
        CType r = resolved();
        try {
            if (r instanceof CType.Untyped) {
                return "<no type information> at " + hex(word) + symbolAt(word);
            }
            if (r instanceof CType.Pointer p) {
                long pointer = scalar();
                if (pointer == 0) {
                    return "0x0";
                }
                if (isChar(p.target())) {
                    return hex(pointer) + " " + cString(pointer, STRING_LIMIT);
                }
                return hex(pointer) + symbolAt(pointer);
            }
            if (r instanceof CType.Array a) {
                if (isChar(a.element()) && inMemory) {
                    return cString(word, (int) Math.min(a.length(), STRING_LIMIT));
                }
                return a.length() == 0 ? "{}" : "{...}";
            }
            if (r instanceof CType.Btf b) {
                BtfType t = b.type();
                if (t instanceof BtfType.Int i) {
                    return integer(i, scalar(), hex);
                }
                if (t instanceof BtfType.Enum e) {
                    long v = scalar();
                    return e.values().stream().filter(x -> x.value() == v).map(BtfType.Enumerator::name).findFirst()
                        .orElse(hex ? hex(v) : Long.toString(v));
                }
                if (t instanceof BtfType.Struct) {
                    return "{...}";
                }
                if (t instanceof BtfType.Void) {
                    return "void";
                }
                if (t instanceof BtfType.FuncProto || t instanceof BtfType.Func) {
                    return "{" + typeName() + "} " + hex(word) + symbolAt(word);
                }
            }
            return "<" + typeName() + ">";
        } catch (AddressFault f) {
            return "<unreadable at " + hex(f.address()) + ">";
        } catch (IOException | ValueException e) {
            return "<" + e.getMessage() + ">";
        }
    }

    private String integer(BtfType.Int i, long v, boolean hex) {
        if ((i.encoding() & BtfType.Int.BOOL) != 0) {
            return v == 0 ? "false" : "true";
        }
        String number = hex ? hex(bitfieldSize > 0 || i.size() == 8 ? v : v & ((1L << (8 * i.size())) - 1))
            : i.isSigned() ? Long.toString(v) : Long.toUnsignedString(v);
        if (i.size() == 1 && bitfieldSize == 0 && ((i.encoding() & BtfType.Int.CHAR) != 0 || i.name().contains("char"))) {
            return number + " " + quote(new byte[] {(byte) v}, 1, '\'');
        }
        return number;
    }

    private boolean isChar(CType element) {
        return context.types().resolve(element) instanceof CType.Btf b && b.type() instanceof BtfType.Int i
            && i.size() == 1 && (i.name().equals("char") || (i.encoding() & BtfType.Int.CHAR) != 0);
    }

    /** The NUL-terminated string at {@code address}, at most {@code limit} bytes, quoted. */
    private String cString(long address, int limit) throws AddressFault, IOException {
        byte[] bytes = new byte[limit];
        int length = 0;
        while (length < limit) {
            int chunk = (int) Math.min(limit - length, 64 - ((address + length) & 63));
            try {
                context.memory().read(address + length, bytes, length, chunk);
            } catch (AddressFault f) {
                if (length == 0) {
                    throw f;
                }
                break;
            }
            int end = length + chunk;
            for (; length < end; length++) {
                if (bytes[length] == 0) {
                    return quote(bytes, length, '"');
                }
            }
        }
        return quote(bytes, length, '"') + "...";
    }

    private static String quote(byte[] bytes, int length, char quote) {
        StringBuilder s = new StringBuilder().append(quote);
        for (int i = 0; i < length; i++) {
            int c = bytes[i] & 0xff;
            switch (c) {
                case '\n' -> s.append("\\n");
                case '\t' -> s.append("\\t");
                case 0 -> s.append("\\000");
                default -> {
                    if (c == quote || c == '\\') {
                        s.append('\\').append((char) c);
                    } else if (c >= 0x20 && c < 0x7f) {
                        s.append((char) c);
                    } else {
                        s.append(String.format("\\%03o", c));
                    }
                }
            }
        }
        return s.append(quote).toString();
    }

    private String symbolAt(long address) {
        Optional<SymbolOffset> at = context.symbols().at(address);
        if (at.isEmpty() || !at.get().inside()) {
            return "";
        }
        SymbolOffset s = at.get();
        return " <" + s.symbol().name() + (s.offset() == 0 ? "" : "+" + s.offset()) + ">";
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    // ---- children ----

    /** A child of a struct (a member) or of an array (an element), by the name a client shows. */
    public record Child(String name, Value value) {
    }

    /**
     * Struct members, directly or through a non-null pointer to a struct. The members of an
     * anonymous struct or union are listed in its place, as C names them ({@code mm->pgd}, not
     * {@code mm-><anonymous>.pgd}): kernel structs wrap most of their members in one.
     */
    public int namedChildren() {
        return members().size();
    }

    /** Array elements; none for char arrays, which show as strings. */
    public int indexedChildren() {
        CType r = resolved();
        if (r instanceof CType.Array a && inMemory && !isChar(a.element())) {
            return (int) Math.min(a.length(), MAX_ELEMENTS);
        }
        return 0;
    }

    public List<Child> members() {
        Value object = structBehind();
        if (object == null) {
            return List.of();
        }
        List<Child> children = new ArrayList<>();
        addMembers(children, object, object != this ? expression + "->" : parenthesized() + ".");
        return children;
    }

    private void addMembers(List<Child> children, Value object, String prefix) {
        for (Types.Member m : context.types().members(object.type)) {
            if (m.name().isEmpty()) {
                // BTF ruled out types that contain themselves, so this nesting is finite.
                addMembers(children, object.member(m, expression), prefix);
            } else {
                children.add(new Child(m.name(), object.member(m, prefix + m.name())));
            }
        }
    }

    public List<Child> elements(int start, int count) {
        int end = (int) Math.min((long) start + Math.max(0, count), indexedChildren());
        List<Child> children = new ArrayList<>();
        for (int i = Math.max(0, start); i < end; i++) {
            try {
                children.add(new Child("[" + i + "]", index(i)));
            } catch (ValueException e) {
                break;
            }
        }
        return children;
    }

    /** This struct, or the struct a non-null pointer points to; null if neither. */
    private Value structBehind() {
        if (isStruct() && inMemory) {
            return this;
        }
        if (isPointer() && context.types().isStruct(((CType.Pointer) resolved()).target())) {
            try {
                return scalar() == 0 ? null : dereference();
            } catch (AddressFault | IOException | ValueException e) {
                return null;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return expression + " = " + display(false);
    }
}
