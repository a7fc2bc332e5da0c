package dev.kdumpbridge.kernel.btf;

/**
 * The kinds of {@code include/uapi/linux/btf.h} ({@code BTF_KIND_*}), with their numbers;
 * reference 07 §3.
 */
public enum BtfKind {
    VOID(0),
    INT(1),
    PTR(2),
    ARRAY(3),
    STRUCT(4),
    UNION(5),
    ENUM(6),
    FWD(7),
    TYPEDEF(8),
    VOLATILE(9),
    CONST(10),
    RESTRICT(11),
    FUNC(12),
    FUNC_PROTO(13),
    VAR(14),
    DATASEC(15),
    FLOAT(16),
    DECL_TAG(17),
    TYPE_TAG(18),
    /** Linux 6.0+. */
    ENUM64(19);

    private static final BtfKind[] BY_CODE = values();

    private final int code;

    BtfKind(int code) {
        this.code = code;
    }

    /** The number stored in bits 24-28 of {@code btf_type.info}. */
    public int code() {
        return code;
    }

    /** The kind with that number, or null for a number this reader does not know. */
    static BtfKind ofCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
