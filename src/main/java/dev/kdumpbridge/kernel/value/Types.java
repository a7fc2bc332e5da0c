package dev.kdumpbridge.kernel.value;

import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.kernel.btf.BtfKind;
import dev.kdumpbridge.kernel.btf.BtfType;
import dev.kdumpbridge.kernel.dwarf.DeclaredType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** C types over the kernel's BTF: their names as gdb spells them, sizes, members, and casts' type names. */
public final class Types {
    /** Words of C's integer type names, which may come in any order ({@code unsigned long}, {@code long unsigned int}). */
    private static final List<String> INTEGER_WORDS = List.of("signed", "unsigned", "short", "long", "int", "char",
        "_Bool");

    private final Btf btf;

    public Types(Btf btf) {
        this.btf = btf;
    }

    Btf btf() {
        return btf;
    }

    /** A struct or union member, with its bit offset from the start of the enclosing object. */
    public record Member(String name, CType type, long bitOffset, int bitfieldSize) {
    }

    /**
     * The type behind typedefs and qualifiers, with BTF pointers and arrays made {@link CType.Pointer}
     * and {@link CType.Array}, and a forward-declared struct replaced by its definition when BTF has one.
     */
    public CType resolve(CType type) {
        if (!(type instanceof CType.Btf b)) {
            return type;
        }
        BtfType resolved = btf.resolve(b.type());
        if (resolved instanceof BtfType.Ptr p) {
            return new CType.Pointer(new CType.Btf(btf.type(p.target())));
        }
        if (resolved instanceof BtfType.Array a) {
            return new CType.Array(new CType.Btf(btf.type(a.element())), a.length());
        }
        if (resolved instanceof BtfType.Fwd f) {
            return btf.struct(f.name()).<CType>map(CType.Btf::new).orElse(new CType.Btf(f));
        }
        return new CType.Btf(resolved);
    }

    /** Size in bytes; -1 for types without one (void, functions, incomplete structs, untyped symbols). */
    public long size(CType type) {
        CType r = resolve(type);
        if (r instanceof CType.Pointer) {
            return btf.pointerSize();
        }
        if (r instanceof CType.Array a) {
            long element = size(a.element());
            return element < 0 ? -1 : element * a.length();
        }
        if (r instanceof CType.Btf b) {
            try {
                return btf.sizeOf(b.type());
            } catch (IllegalArgumentException noSize) {
                return -1;
            }
        }
        return -1;
    }

    /** The type's name as gdb prints it: {@code struct task_struct *}, {@code char [16]}. */
    public String name(CType type) {
        if (type instanceof CType.Pointer p) {
            return name(p.target()) + (isPointer(p.target()) ? "*" : " *");
        }
        if (type instanceof CType.Array a) {
            return name(a.element()) + " [" + a.length() + "]";
        }
        if (type instanceof CType.Btf b) {
            return btfName(b.type());
        }
        return "<no debug info>";
    }

    private boolean isPointer(CType type) {
        return type instanceof CType.Pointer
            || type instanceof CType.Btf b && b.type().kind() == BtfKind.PTR;
    }

    private String btfName(BtfType type) {
        if (type instanceof BtfType.Struct s) {
            return (s.union() ? "union " : "struct ") + (s.name().isEmpty() ? "{...}" : s.name());
        }
        if (type instanceof BtfType.Fwd f) {
            return (f.union() ? "union " : "struct ") + f.name();
        }
        if (type instanceof BtfType.Enum e) {
            return "enum " + (e.name().isEmpty() ? "{...}" : e.name());
        }
        if (type instanceof BtfType.Ptr || type instanceof BtfType.Array) {
            return name(resolve(new CType.Btf(type)));
        }
        if (type instanceof BtfType.Modifier m) {
            return switch (m.kind()) {
                case TYPEDEF -> m.name();
                case CONST -> "const " + btfName(btf.type(m.target()));
                case VOLATILE -> "volatile " + btfName(btf.type(m.target()));
                default -> btfName(btf.type(m.target()));
            };
        }
        if (type instanceof BtfType.FuncProto f) {
            return btfName(btf.type(f.returnType())) + " (...)";
        }
        return type.name();
    }

    /** The members of a struct or union, in order; anonymous ones keep an empty name. */
    public List<Member> members(CType type) {
        if (!(resolve(type) instanceof CType.Btf b && b.type() instanceof BtfType.Struct s)) {
            return List.of();
        }
        List<Member> members = new ArrayList<>(s.members().size());
        for (BtfType.Member m : s.members()) {
            members.add(new Member(m.name(), new CType.Btf(btf.type(m.type())), m.bitOffset(), m.bitfieldSize()));
        }
        return members;
    }

    /** A member by name, found inside anonymous members too, as C finds it. */
    public Optional<Member> member(CType type, String name) {
        if (!(resolve(type) instanceof CType.Btf b && b.type() instanceof BtfType.Struct s)) {
            return Optional.empty();
        }
        return btf.member(s, name).map(m -> new Member(m.name(), new CType.Btf(btf.type(m.type())), m.bitOffset(),
            m.bitfieldSize()));
    }

    /** An integer, an enum or a pointer: a type whose value is one number. */
    public boolean isScalar(CType type) {
        CType r = resolve(type);
        return r instanceof CType.Pointer
            || r instanceof CType.Btf b && (b.type() instanceof BtfType.Int || b.type() instanceof BtfType.Enum);
    }

    public boolean isStruct(CType type) {
        return resolve(type) instanceof CType.Btf b && b.type() instanceof BtfType.Struct;
    }

    /** An integer type of this kernel by its C name: {@code int}, {@code unsigned long}, {@code u64}. */
    public Optional<CType> integer(String name) {
        return named(canonicalInteger(name));
    }

    /**
     * The type a cast names: {@code struct task_struct *}, {@code unsigned long}, {@code u8 **},
     * {@code void *}; empty when this kernel's BTF has no such type.
     */
    public Optional<CType> parse(String typeName) {
        String text = typeName.trim();
        int pointers = 0;
        while (text.endsWith("*")) {
            pointers++;
            text = text.substring(0, text.length() - 1).trim();
        }
        Optional<CType> base;
        String[] words = text.split("\\s+");
        if (words.length == 2 && List.of("struct", "union", "enum").contains(words[0])) {
            base = tagged(words[0], words[1]);
        } else if (text.equals("void")) {
            base = Optional.of(new CType.Btf(btf.type(0)));
        } else if (Arrays.stream(words).allMatch(INTEGER_WORDS::contains)) {
            base = integer(text);
        } else if (words.length == 1) {
            base = btf.types(text).stream().filter(t -> t.kind() == BtfKind.TYPEDEF || t.kind() == BtfKind.INT)
                .findFirst().map(CType.Btf::new);
        } else {
            base = Optional.empty();
        }
        if (base.isEmpty()) {
            return base;
        }
        CType result = base.get();
        for (int i = 0; i < pointers; i++) {
            result = new CType.Pointer(result);
        }
        return Optional.of(result);
    }

    /** The BTF type of a variable whose DWARF declaration names it. */
    public Optional<CType> fromDeclared(DeclaredType declared) {
        if (declared instanceof DeclaredType.Named n) {
            return n.tag() == DeclaredType.Tag.NONE ? named(n.name()) : tagged(n.tag().prefix().trim(), n.name());
        }
        if (declared instanceof DeclaredType.Pointer p) {
            return Optional.of(new CType.Pointer(fromDeclared(p.target()).orElse(new CType.Btf(btf.type(0)))));
        }
        if (declared instanceof DeclaredType.Array a) {
            return fromDeclared(a.element()).map(e -> new CType.Array(e, Math.max(0, a.length())));
        }
        if (declared instanceof DeclaredType.Void) {
            return Optional.of(new CType.Btf(btf.type(0)));
        }
        return Optional.empty();
    }

    private Optional<CType> named(String name) {
        return btf.types(name).stream()
            .filter(t -> t.kind() == BtfKind.TYPEDEF || t.kind() == BtfKind.INT || t.kind() == BtfKind.FLOAT)
            .findFirst().map(CType.Btf::new);
    }

    private Optional<CType> tagged(String keyword, String name) {
        if (keyword.equals("enum")) {
            return btf.types(name).stream().filter(t -> t instanceof BtfType.Enum).findFirst().map(CType.Btf::new);
        }
        boolean union = keyword.equals("union");
        return btf.types(name).stream().filter(t -> t instanceof BtfType.Struct s && s.union() == union).findFirst()
            .map(CType.Btf::new);
    }

    /** The name GCC gives an integer type in BTF: {@code unsigned long} is {@code long unsigned int}. */
    static String canonicalInteger(String name) {
        List<String> words = List.of(name.trim().split("\\s+"));
        if (!INTEGER_WORDS.containsAll(words)) {
            return name.trim();
        }
        if (words.contains("_Bool")) {
            return "_Bool";
        }
        long longs = words.stream().filter("long"::equals).count();
        boolean unsigned = words.contains("unsigned");
        if (words.contains("char")) {
            return unsigned ? "unsigned char" : words.contains("signed") ? "signed char" : "char";
        }
        String size = words.contains("short") ? "short " : longs == 1 ? "long " : longs >= 2 ? "long long " : "";
        return size + (unsigned ? "unsigned " : "") + "int";
    }
}
