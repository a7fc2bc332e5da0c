package dev.kdumpbridge.kernel.dwarf;

/**
 * The C type of a variable as its DWARF declares it, by name, with qualifiers dropped: enough to
 * find the same type in BTF, which holds the layouts.
 */
public sealed interface DeclaredType {

    /** A type known by its name: {@code long unsigned int}, {@code u64}, or a tagged one. */
    record Named(Tag tag, String name) implements DeclaredType {
    }

    /** How a name is looked up: C keeps struct, union and enum tags apart from other names. */
    enum Tag {
        NONE(""), STRUCT("struct "), UNION("union "), ENUM("enum ");

        private final String prefix;

        Tag(String prefix) {
            this.prefix = prefix;
        }

        public String prefix() {
            return prefix;
        }
    }

    record Pointer(DeclaredType target) implements DeclaredType {
    }

    /** {@code length} elements; -1 when the declaration leaves it out ({@code char linux_banner[]}). */
    record Array(DeclaredType element, long length) implements DeclaredType {
    }

    record Void() implements DeclaredType {
    }

    /** A function, or a type this package does not describe (an anonymous struct). */
    record Opaque(String description) implements DeclaredType {
    }
}
