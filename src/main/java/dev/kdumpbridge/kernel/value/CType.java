package dev.kdumpbridge.kernel.value;

import dev.kdumpbridge.kernel.btf.BtfType;

/**
 * A C type: a record of the kernel's BTF, or a pointer or array of one that BTF holds no record
 * for ({@code (struct task_struct *)} in a cast, the type of {@code &init_task}).
 */
public sealed interface CType {

    /** A type as BTF records it, typedefs and qualifiers included. */
    record Btf(BtfType type) implements CType {
    }

    record Pointer(CType target) implements CType {
    }

    /** {@code length} elements; 0 for a flexible array member or an unknown length. */
    record Array(CType element, long length) implements CType {
    }

    /** A symbol the debug information says nothing about: it has an address and no type. */
    record Untyped() implements CType {
    }
}
