package dev.kdumpbridge.target;

import dev.kdumpbridge.target.RegisterLayout.Register;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The registers of one thread: each one's value, or "unavailable" where it could not be
 * recovered (a sleeping task's caller-saved registers, the FPU state nobody saved). Unavailable
 * is never shown as zero.
 */
public final class RegisterSet {

    private final RegisterLayout layout;
    private final ByteOrder byteOrder;
    private final byte[] values;
    private final BitSet available;

    private RegisterSet(RegisterLayout layout, ByteOrder byteOrder, byte[] values, BitSet available) {
        this.layout = layout;
        this.byteOrder = byteOrder;
        this.values = values;
        this.available = available;
    }

    /** A set where every register starts unavailable. */
    public static Builder builder(Architecture architecture) {
        return new Builder(architecture.registers(), architecture.byteOrder());
    }

    public RegisterLayout layout() {
        return layout;
    }

    public boolean isAvailable(Register register) {
        return available.get(register.number());
    }

    /** The value in target byte order, {@code register.byteSize()} bytes. */
    public Optional<byte[]> bytes(Register register) {
        if (!isAvailable(register)) {
            return Optional.empty();
        }
        int offset = layout.offset(register);
        return Optional.of(Arrays.copyOfRange(values, offset, offset + register.byteSize()));
    }

    /** The value as a number, for registers of at most 64 bits. */
    public OptionalLong value(Register register) {
        if (register.bitSize() > 64) {
            throw new IllegalArgumentException(register.name() + " has " + register.bitSize() + " bits");
        }
        return bytes(register).map(b -> OptionalLong.of(toLong(b))).orElse(OptionalLong.empty());
    }

    /** The value of the register of that name; empty when the layout has none or it is unavailable. */
    public OptionalLong value(String name) {
        return layout().register(name).map(this::value).orElse(OptionalLong.empty());
    }

    private long toLong(byte[] bytes) {
        byte[] wide = new byte[Long.BYTES];
        int start = byteOrder == ByteOrder.BIG_ENDIAN ? Long.BYTES - bytes.length : 0;
        System.arraycopy(bytes, 0, wide, start, bytes.length);
        return ByteBuffer.wrap(wide).order(byteOrder).getLong();
    }

    /** Fills in available registers; the rest stay unavailable. */
    public static final class Builder {
        private final RegisterLayout layout;
        private final ByteOrder byteOrder;
        private final byte[] values;
        private final BitSet available = new BitSet();

        private Builder(RegisterLayout layout, ByteOrder byteOrder) {
            this.layout = layout;
            this.byteOrder = byteOrder;
            this.values = new byte[layout.totalBytes()];
        }

        /** Sets a register of at most 64 bits; higher bits of {@code value} beyond its size are dropped. */
        public Builder set(String name, long value) {
            Register r = named(name);
            if (r.bitSize() > 64) {
                throw new IllegalArgumentException(name + " has " + r.bitSize() + " bits");
            }
            byte[] wide = ByteBuffer.allocate(Long.BYTES).order(byteOrder).putLong(value).array();
            int start = byteOrder == ByteOrder.BIG_ENDIAN ? Long.BYTES - r.byteSize() : 0;
            return setBytes(name, Arrays.copyOfRange(wide, start, start + r.byteSize()));
        }

        /** Sets a register from its value in target byte order. */
        public Builder setBytes(String name, byte[] value) {
            Register r = named(name);
            if (value.length != r.byteSize()) {
                throw new IllegalArgumentException(
                    name + " takes " + r.byteSize() + " bytes, got " + value.length);
            }
            System.arraycopy(value, 0, values, layout.offset(r), value.length);
            available.set(r.number());
            return this;
        }

        private Register named(String name) {
            return layout.register(name)
                .orElseThrow(() -> new IllegalArgumentException("no register " + name));
        }

        public RegisterSet build() {
            return new RegisterSet(layout, byteOrder, values.clone(), (BitSet) available.clone());
        }
    }
}
