package dev.kdumpbridge.memory;

import java.io.IOException;

/**
 * One architecture's page-table walk, rooted at one top-level table. Implemented in
 * {@code arch/<name>}; the memory layer owns this interface so that it needs no architecture
 * (ArchitectureTest: memory depends on dump only).
 *
 * <p>A walk reads at most one entry per level and the number of levels is fixed by the
 * format, so it ends even when the tables are corrupt or point at themselves. Implementations
 * are immutable and safe for concurrent use.
 */
public interface PageTableWalker {

    /**
     * The page containing {@code virtualAddress}.
     *
     * @param tables reads the page-table entries the walk needs
     * @throws AddressFault {@link AddressFault#notMapped} when an entry is not present or the
     *                      address cannot be mapped at all; whatever {@code tables} throws when
     *                      an entry cannot be read
     */
    PageMapping walk(long virtualAddress, EntryReader tables) throws AddressFault, IOException;

    /**
     * The page shifts a walk can return, smallest first (x86_64: 12, 21, 30), so a translation
     * cache knows which page bases to look up.
     */
    int[] pageShifts();

    /** Reads one page-table entry for a walk; the memory layer turns dump faults into {@link AddressFault}s. */
    @FunctionalInterface
    interface EntryReader {

        /**
         * @param level           the level's name, for fault messages ({@code "pmd"})
         * @param physicalAddress where the entry is
         * @return the entry in the dump's byte order, as an unsigned 64-bit value
         */
        long read(String level, long physicalAddress) throws AddressFault, IOException;
    }
}
