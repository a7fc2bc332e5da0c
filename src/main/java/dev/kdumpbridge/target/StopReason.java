package dev.kdumpbridge.target;

import java.util.Objects;

/**
 * Why the target is stopped.
 *
 * @param kind what stopped it
 * @param description for people, e.g. the panic message; may be empty
 */
public record StopReason(Kind kind, String description) {

    public enum Kind {
        /** The kernel panicked (or oopsed into a panic) and the dump was taken. */
        PANIC,
        /** Nothing went wrong: a dump taken on request, or a live kernel read through kcore. */
        PAUSED
    }

    public StopReason {
        Objects.requireNonNull(kind);
        Objects.requireNonNull(description);
    }
}
