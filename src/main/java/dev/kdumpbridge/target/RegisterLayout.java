package dev.kdumpbridge.target;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The registers of one architecture as debuggers number them: grouped in features the way gdb
 * target descriptions group them ("org.gnu.gdb.i386.core", ...), numbered 0, 1, 2, ... in that
 * order, each with its size, its gdb type, its DWARF number and, for pc, sp, fp and flags, its
 * role. Front ends derive everything they send about registers from this: gdb's target.xml and
 * {@code g} packet layout, LLDB's register info, DAP's register scopes.
 *
 * <p>Values are laid out in register number order, each register taking {@code bitSize / 8}
 * bytes: {@link #offset} and {@link #totalBytes} describe that block, which is also gdb's
 * {@code g} packet.
 */
public final class RegisterLayout {

    /** The registers debuggers need to find by role rather than by name. */
    public enum Role { PC, SP, FP, RA, FLAGS }

    /**
     * One register.
     *
     * @param name as gdb's target description names it
     * @param number debugger register number (gdb's regnum; LLDB's register index)
     * @param bitSize a multiple of 8
     * @param type a gdb target description type: a predefined one ("int64", "code_ptr",
     *     "data_ptr", "i387_ext", ...) or the id of a {@link Flags} in the same feature
     * @param group gdb register group ("general", "float", ...) or null for gdb's default
     * @param dwarfNumber the DWARF register number in the psABI, or -1 if it has none
     * @param role its role, or null
     */
    public record Register(
        String name, int number, int bitSize, String type, String group, int dwarfNumber, Role role) {

        public Register {
            Objects.requireNonNull(name);
            Objects.requireNonNull(type);
            if (bitSize <= 0 || bitSize % 8 != 0) {
                throw new IllegalArgumentException(name + ": bit size " + bitSize);
            }
        }

        public int byteSize() {
            return bitSize / 8;
        }
    }

    /** A bit field of a {@link Flags} type. Bits {@code start..end}, inclusive. */
    public record Field(String name, int start, int end) {
    }

    /** A flags register type, as gdb's {@code <flags>} element describes one. */
    public record Flags(String id, int size, List<Field> fields) {
        public Flags {
            fields = List.copyOf(fields);
        }
    }

    /** A named group of registers: a gdb target description {@code <feature>}. */
    public record Feature(String name, List<Flags> flags, List<Register> registers) {
        public Feature {
            flags = List.copyOf(flags);
            registers = List.copyOf(registers);
        }
    }

    private final List<Feature> features;
    private final List<Register> registers;
    private final int[] offsets;
    private final int totalBytes;
    private final Map<String, Register> byName = new HashMap<>();

    private RegisterLayout(List<Feature> features) {
        this.features = List.copyOf(features);
        this.registers = features.stream().flatMap(f -> f.registers().stream()).toList();
        this.offsets = new int[registers.size()];
        int offset = 0;
        for (Register r : registers) {
            offsets[r.number()] = offset;
            offset += r.byteSize();
            if (byName.put(r.name(), r) != null) {
                throw new IllegalArgumentException("two registers named " + r.name());
            }
        }
        this.totalBytes = offset;
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<Feature> features() {
        return features;
    }

    /** All registers, index = register number. */
    public List<Register> registers() {
        return registers;
    }

    public Optional<Register> register(int number) {
        return number >= 0 && number < registers.size()
            ? Optional.of(registers.get(number)) : Optional.empty();
    }

    public Optional<Register> register(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Optional<Register> register(Role role) {
        return registers.stream().filter(r -> r.role() == role).findFirst();
    }

    /** Where the register's value starts in the block of all values. */
    public int offset(Register register) {
        return offsets[register.number()];
    }

    /** The size of the block of all values. */
    public int totalBytes() {
        return totalBytes;
    }

    /** Adds features and their registers in order, numbering the registers from 0. */
    public static final class Builder {
        private final List<Feature> features = new ArrayList<>();
        private String featureName;
        private final List<Flags> flags = new ArrayList<>();
        private final List<Register> registers = new ArrayList<>();
        private int next;

        private Builder() {
        }

        /** Starts a feature; the registers added next belong to it. */
        public Builder feature(String name, Flags... types) {
            endFeature();
            featureName = name;
            flags.addAll(List.of(types));
            return this;
        }

        public Builder register(String name, int bitSize, String type, int dwarfNumber) {
            return add(name, bitSize, type, null, dwarfNumber, null);
        }

        public Builder register(String name, int bitSize, String type, int dwarfNumber, Role role) {
            return add(name, bitSize, type, null, dwarfNumber, role);
        }

        public Builder register(String name, int bitSize, String type, String group, int dwarfNumber) {
            return add(name, bitSize, type, group, dwarfNumber, null);
        }

        private Builder add(String name, int bitSize, String type, String group, int dwarf, Role role) {
            if (featureName == null) {
                throw new IllegalStateException("register " + name + " outside a feature");
            }
            registers.add(new Register(name, next++, bitSize, type, group, dwarf, role));
            return this;
        }

        public RegisterLayout build() {
            endFeature();
            return new RegisterLayout(features);
        }

        private void endFeature() {
            if (featureName != null) {
                features.add(new Feature(featureName, flags, registers));
            }
            featureName = null;
            flags.clear();
            registers.clear();
        }
    }
}
