package dev.kdumpbridge.target;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of {@link DebugTarget#readMemory}: how many bytes were read from the start of the
 * request and, if that is fewer than asked, the first address that could not be read and why.
 *
 * @param length bytes read, from the requested address on
 * @param fault present exactly when the read stopped short
 */
public record MemoryRead(int length, Optional<Fault> fault) {

    /**
     * @param address the first unreadable address
     * @param reason for people: "excluded by makedumpfile", "not mapped", "beyond the dump", ...
     */
    public record Fault(long address, String reason) {
        public Fault {
            Objects.requireNonNull(reason);
        }
    }

    public MemoryRead {
        if (length < 0) {
            throw new IllegalArgumentException("length " + length);
        }
        Objects.requireNonNull(fault);
    }

    public static MemoryRead complete(int length) {
        return new MemoryRead(length, Optional.empty());
    }

    public static MemoryRead stopped(int length, long faultAddress, String reason) {
        return new MemoryRead(length, Optional.of(new Fault(faultAddress, reason)));
    }
}
