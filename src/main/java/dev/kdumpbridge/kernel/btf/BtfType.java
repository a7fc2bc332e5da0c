package dev.kdumpbridge.kernel.btf;

import java.util.List;
import java.util.OptionalLong;

/**
 * One BTF type record, decoded. Types refer to each other by id ({@code int}); {@link Btf#type}
 * turns an id into its record, and id 0 is {@code void}. Names are empty for anonymous types.
 * Layouts are in {@code include/uapi/linux/btf.h}; reference 07 §3.
 */
public sealed interface BtfType {

    /** The type id: 0 for void, then 1, 2, ... in the order the records are stored. */
    int id();

    BtfKind kind();

    /** The name, empty for anonymous types and for kinds that have none. */
    String name();

    /** {@code void}: id 0, never stored. */
    record Void() implements BtfType {
        @Override
        public int id() {
            return 0;
        }

        @Override
        public BtfKind kind() {
            return BtfKind.VOID;
        }

        @Override
        public String name() {
            return "void";
        }
    }

    /**
     * An integer. For structs without {@code kind_flag}, a bitfield member's width and extra bit
     * offset live here ({@code bits} below {@code 8 * size}, or a non-zero {@code bitOffset}).
     */
    record Int(int id, String name, int size, int encoding, int bitOffset, int bits) implements BtfType {
        public static final int SIGNED = 1;
        public static final int CHAR = 2;
        public static final int BOOL = 4;

        @Override
        public BtfKind kind() {
            return BtfKind.INT;
        }

        public boolean isSigned() {
            return (encoding & SIGNED) != 0;
        }
    }

    record Ptr(int id, int target) implements BtfType {
        @Override
        public BtfKind kind() {
            return BtfKind.PTR;
        }

        @Override
        public String name() {
            return "";
        }
    }

    /** {@code length} elements of {@code element}; 0 for flexible array members. */
    record Array(int id, int element, int indexType, long length) implements BtfType {
        @Override
        public BtfKind kind() {
            return BtfKind.ARRAY;
        }

        @Override
        public String name() {
            return "";
        }
    }

    /** A struct or, with {@code union} set, a union. */
    record Struct(int id, String name, boolean union, long size, List<Member> members) implements BtfType {
        @Override
        public BtfKind kind() {
            return union ? BtfKind.UNION : BtfKind.STRUCT;
        }
    }

    /**
     * A struct or union member.
     *
     * @param bitOffset    from the start of the enclosing struct, in bits
     * @param bitfieldSize width in bits for a bitfield, 0 for an ordinary member
     */
    record Member(String name, int type, long bitOffset, int bitfieldSize) {
        public boolean isBitfield() {
            return bitfieldSize != 0;
        }
    }

    /** ENUM or, with {@code wide} set, ENUM64 (Linux 6.0+). */
    record Enum(int id, String name, boolean wide, boolean signed, long size, List<Enumerator> values)
            implements BtfType {
        @Override
        public BtfKind kind() {
            return wide ? BtfKind.ENUM64 : BtfKind.ENUM;
        }

        public OptionalLong value(String enumerator) {
            return values.stream().filter(e -> e.name().equals(enumerator)).mapToLong(Enumerator::value).findFirst();
        }
    }

    /**
     * One enumerator. Its value is sign-extended when the enum is signed, zero-extended
     * otherwise; before 6.0 {@code kind_flag} was always 0 and 32-bit values were stored as
     * {@code s32}, so a negative one then reads as a large unsigned number.
     */
    record Enumerator(String name, long value) {
    }

    /** A forward declaration: a struct or union named but not defined in this BTF. */
    record Fwd(int id, String name, boolean union) implements BtfType {
        @Override
        public BtfKind kind() {
            return BtfKind.FWD;
        }
    }

    /**
     * TYPEDEF, VOLATILE, CONST, RESTRICT or TYPE_TAG: another name or a qualifier for
     * {@code target}. A TYPE_TAG's name is its tag ({@code "user"}, {@code "percpu"}, ...).
     */
    record Modifier(int id, BtfKind kind, String name, int target) implements BtfType {
    }

    /** A function; {@code linkage} 0 static, 1 global, 2 extern. */
    record Func(int id, String name, int prototype, int linkage) implements BtfType {
        @Override
        public BtfKind kind() {
            return BtfKind.FUNC;
        }
    }

    /** A function's type; a trailing parameter with no name and type 0 means "...". */
    record FuncProto(int id, int returnType, List<Param> params) implements BtfType {
        @Override
        public BtfKind kind() {
            return BtfKind.FUNC_PROTO;
        }

        @Override
        public String name() {
            return "";
        }

        public boolean isVariadic() {
            return !params.isEmpty() && params.get(params.size() - 1).type() == 0;
        }
    }

    record Param(String name, int type) {
    }

    /** A variable; {@code linkage} 0 static, 1 global. Placed by a {@link DataSec}. */
    record Var(int id, String name, int type, int linkage) implements BtfType {
        @Override
        public BtfKind kind() {
            return BtfKind.VAR;
        }
    }

    /**
     * A data section and the variables in it, with their offsets: {@code .data..percpu} lists the
     * per-CPU variables (reference 07 §4).
     */
    record DataSec(int id, String name, long size, List<SectionVar> vars) implements BtfType {
        @Override
        public BtfKind kind() {
            return BtfKind.DATASEC;
        }
    }

    /** A {@link Var} ({@code var} is its id) at {@code offset} in a {@link DataSec}. */
    record SectionVar(int var, long offset, long size) {
    }

    record Float(int id, String name, int size) implements BtfType {
        @Override
        public BtfKind kind() {
            return BtfKind.FLOAT;
        }
    }

    /**
     * A {@code btf_decl_tag} attribute on {@code target}; on one of its members or parameters
     * when {@code component} is not -1.
     */
    record DeclTag(int id, String name, int target, int component) implements BtfType {
        @Override
        public BtfKind kind() {
            return BtfKind.DECL_TAG;
        }
    }
}
