package dev.kdumpbridge.dump;

/**
 * A read that cannot be served, with the first address that could not be read and why.
 *
 * <p>Faults are ordinary outcomes for a debugger (gdb probes excluded pages all the time), so
 * they carry no stack trace: building one per probe would dominate the cost of the probe.
 */
public final class MemoryFault extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why the bytes are not available; the layers above map these to protocol errors. */
    public enum Reason {
        /** Not covered by the dump at all: a memory hole, or beyond the last page it describes. */
        NOT_IN_DUMP,
        /** RAM that the producer deliberately left out (makedumpfile {@code -d} filtering). */
        EXCLUDED,
        /** The dump was cut short: incomplete flag, missing page data, file shorter than claimed. */
        TRUNCATED,
        /** The bytes are in the file but do not decode: bad descriptor or compressed data. */
        CORRUPT
    }

    private final long address;
    private final Reason reason;
    private final String detail;

    public MemoryFault(long address, Reason reason, String detail) {
        super(String.format("0x%x: %s", address, detail), null, false, false);
        this.address = address;
        this.reason = reason;
        this.detail = detail;
    }

    /** First address of the request that could not be read; bytes before it were filled. */
    public long address() {
        return address;
    }

    public Reason reason() {
        return reason;
    }

    /** Human-readable explanation, without the address. */
    public String detail() {
        return detail;
    }

    /** The same fault reported at another address (a later byte of the same page). */
    MemoryFault at(long otherAddress) {
        return otherAddress == address ? this : new MemoryFault(otherAddress, reason, detail);
    }
}
