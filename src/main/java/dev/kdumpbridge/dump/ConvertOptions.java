package dev.kdumpbridge.dump;

import java.util.Optional;

/**
 * How {@link KdumpWriter} writes a dump.
 *
 * @param compression      the codec pages are tried with; a page that does not shrink is stored
 *                         raw, and empty stores every page raw
 * @param excludeZeroPages what {@code makedumpfile -d 1} does: every all-zero page points at one
 *                         shared zero page. Adds bit 1 to the dump level, and a source whose dump
 *                         level already has it keeps sharing without being asked.
 */
public record ConvertOptions(Optional<Compression> compression, boolean excludeZeroPages) {
    public ConvertOptions {
        if (compression == null) {
            throw new NullPointerException("compression: use Optional.empty() for raw pages");
        }
    }
}
