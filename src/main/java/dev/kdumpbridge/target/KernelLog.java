package dev.kdumpbridge.target;

import java.util.List;
import java.util.Optional;

/** What the kernel logged before the dump, for people: the crash's own account of itself. */
public interface KernelLog {

    /** Every line, oldest first, as crash's {@code log} prints them. */
    List<String> lines();

    /** The panic message crash's {@code sys} shows as PANIC, if the log has one. */
    Optional<String> panicMessage();
}
