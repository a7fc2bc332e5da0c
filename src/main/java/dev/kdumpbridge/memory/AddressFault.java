package dev.kdumpbridge.memory;

import dev.kdumpbridge.dump.MemoryFault;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A read of kernel memory that cannot be served: the first address that could not be read, in
 * the address space the reader used, why, and for a failed page-table walk the level it stopped
 * at.
 *
 * <p>The dump layer's {@link MemoryFault} only knows physical addresses and cannot say "not
 * mapped"; this wraps it so that a debugger asking for a virtual address hears about that
 * virtual address, with the physical one kept as a detail. Like {@code MemoryFault} it carries
 * no stack trace: gdb probes unreadable memory all the time.
 */
public final class AddressFault extends Exception {
    private static final long serialVersionUID = 1L;

    /** Which kind of address {@link #address()} is. */
    public enum Space {
        VIRTUAL, PHYSICAL;

        String label() {
            return this == VIRTUAL ? "virtual" : "physical";
        }
    }

    /**
     * Why the bytes are not available: {@link MemoryFault.Reason}'s reasons plus
     * {@link #NOT_MAPPED}, which only a translation can find.
     */
    public enum Reason {
        /** The page tables have no mapping: a guard page, a hole, a non-canonical address. */
        NOT_MAPPED,
        /** Not covered by the dump at all: a memory hole, or beyond the last page it describes. */
        NOT_IN_DUMP,
        /** RAM that the producer deliberately left out (makedumpfile {@code -d} filtering). */
        EXCLUDED,
        /** The dump was cut short: incomplete flag, missing page data, file shorter than claimed. */
        TRUNCATED,
        /** The bytes are in the file but do not decode. */
        CORRUPT;

        static Reason of(MemoryFault.Reason dumpReason) {
            return switch (dumpReason) {
                case NOT_IN_DUMP -> NOT_IN_DUMP;
                case EXCLUDED -> EXCLUDED;
                case TRUNCATED -> TRUNCATED;
                case CORRUPT -> CORRUPT;
            };
        }
    }

    private final long address;
    private final Space space;
    private final Reason reason;
    private final String level;
    private final OptionalLong physicalAddress;
    private final String detail;

    private AddressFault(long address, Space space, Reason reason, String level,
            OptionalLong physicalAddress, String detail) {
        super(String.format("%s 0x%x: %s", space.label(), address, detail), null, false, false);
        this.address = address;
        this.space = space;
        this.reason = reason;
        this.level = level;
        this.physicalAddress = physicalAddress;
        this.detail = detail;
    }

    /**
     * The walk found no mapping. Page-table walkers call this.
     *
     * @param level  the level whose entry says "not present", in the architecture's words
     *               ({@code pmd}), or null when no table was consulted (a non-canonical address)
     * @param detail what was found, e.g. the entry's value and where it is; the message puts
     *               "not mapped: " before it
     */
    public static AddressFault notMapped(long virtualAddress, String level, String detail) {
        return new AddressFault(virtualAddress, Space.VIRTUAL, Reason.NOT_MAPPED, level,
                OptionalLong.empty(), "not mapped: " + detail);
    }

    /**
     * A physical read made for a virtual one failed.
     *
     * @param virtualAddress the virtual address whose bytes (or whose page-table entry) the
     *                       failed read was for
     * @param level          the page-table level being read, or null when the data page itself
     *                       was being read
     */
    static AddressFault translated(MemoryFault fault, long virtualAddress, String level) {
        String where = level == null ? "maps to physical" : "its " + level + " entry at physical";
        return new AddressFault(virtualAddress, Space.VIRTUAL, Reason.of(fault.reason()), level,
                OptionalLong.of(fault.address()),
                String.format("%s 0x%x: %s", where, fault.address(), fault.detail()));
    }

    /** A read of /proc/kcore, which is addressed virtually, failed. */
    static AddressFault live(MemoryFault fault) {
        return new AddressFault(fault.address(), Space.VIRTUAL, Reason.of(fault.reason()), null,
                OptionalLong.empty(), fault.detail());
    }

    /** A physical read failed; the address stays the physical one. */
    static AddressFault physical(MemoryFault fault) {
        return new AddressFault(fault.address(), Space.PHYSICAL, Reason.of(fault.reason()), null,
                OptionalLong.of(fault.address()), fault.detail());
    }

    /** First address of the request that could not be read; bytes before it were filled. */
    public long address() {
        return address;
    }

    public Space space() {
        return space;
    }

    public Reason reason() {
        return reason;
    }

    /** The page-table level where the walk stopped; empty when the walk succeeded or never began. */
    public Optional<String> level() {
        return Optional.ofNullable(level);
    }

    /** The physical address whose read failed, when a physical read was what failed. */
    public OptionalLong physicalAddress() {
        return physicalAddress;
    }

    /** Human-readable explanation, without the address. */
    public String detail() {
        return detail;
    }
}
