package dev.kdumpbridge.target;

import java.util.Objects;
import java.util.Optional;

/**
 * A code image loaded in the target: the kernel itself or a module.
 *
 * @param symbolFile   the file its symbols came from, where there is one
 * @param symbolStatus where its symbols come from, or that there are none, for people
 */
public record TargetModule(String name, long start, long end, Optional<String> symbolFile, String symbolStatus) {
    public TargetModule {
        Objects.requireNonNull(name);
        Objects.requireNonNull(symbolFile);
        Objects.requireNonNull(symbolStatus);
    }
}
