package dev.kdumpbridge.kernel;

import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.kernel.btf.Field;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Some members of one struct, located through BTF, read together: one memory read spans them
 * all, so reading a task costs one read instead of one per member. Immutable once built.
 */
final class StructFields {
    /** A member's place within the struct. */
    record Member(String path, long offset, int size) {
    }

    private final Btf btf;
    private final String struct;
    private final List<Member> members = new ArrayList<>();
    private long spanStart = Long.MAX_VALUE;
    private long spanEnd;

    StructFields(Btf btf, String struct) {
        this.btf = btf;
        this.struct = struct;
    }

    /** The member at {@code path}, which this kernel must have. */
    Member require(String path) throws KernelDataException {
        return find(path).orElseThrow(() -> new KernelDataException(
            "this kernel's types have no " + struct + "." + path + " (BTF " + btf + ")"));
    }

    /** The first of {@code paths} this kernel has: members are renamed between versions. */
    Optional<Member> find(String... paths) {
        for (String path : paths) {
            Optional<Field> field = btf.findField(struct, path);
            if (field.isPresent() && !field.get().isBitfield()) {
                Member member = new Member(path, field.get().offset(), (int) field.get().size());
                members.add(member);
                spanStart = Math.min(spanStart, member.offset());
                spanEnd = Math.max(spanEnd, member.offset() + member.size());
                return Optional.of(member);
            }
        }
        return Optional.empty();
    }

    /** The bytes of every member found so far, read at once from the struct at {@code address}. */
    Instance read(KernelMemory memory, long address) throws AddressFault, IOException {
        byte[] bytes = memory.read(address + spanStart, (int) (spanEnd - spanStart));
        return new Instance(address, ByteBuffer.wrap(bytes).order(memory.byteOrder()));
    }

    /** One struct's members as read. */
    final class Instance {
        private final long address;
        private final ByteBuffer bytes;

        private Instance(long address, ByteBuffer bytes) {
            this.address = address;
            this.bytes = bytes;
        }

        long address() {
            return address;
        }

        /** An integer or pointer member, zero-extended. */
        long unsigned(Member member) {
            int at = (int) (member.offset() - spanStart);
            return switch (member.size()) {
                case 1 -> Byte.toUnsignedLong(bytes.get(at));
                case 2 -> Short.toUnsignedLong(bytes.getShort(at));
                case 4 -> Integer.toUnsignedLong(bytes.getInt(at));
                case 8 -> bytes.getLong(at);
                default -> throw new IllegalStateException(struct + "." + member.path() + " has "
                    + member.size() + " bytes, not an integer");
            };
        }

        /** An {@code int} member such as a pid. */
        int signedInt(Member member) {
            return (int) unsigned(member);
        }

        /** A {@code char[]} member up to its first NUL. */
        byte[] chars(Member member) {
            int at = (int) (member.offset() - spanStart);
            int length = 0;
            while (length < member.size() && bytes.get(at + length) != 0) {
                length++;
            }
            byte[] text = new byte[length];
            bytes.get(at, text);
            return text;
        }
    }
}
