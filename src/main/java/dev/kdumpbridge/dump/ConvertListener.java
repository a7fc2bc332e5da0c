package dev.kdumpbridge.dump;

/**
 * Hears how a {@link KdumpWriter} conversion goes, on the converting thread. Both methods do
 * nothing by default.
 */
public interface ConvertListener {
    /** Listens to nothing. */
    ConvertListener NONE = new ConvertListener() {
    };

    /** The two passes over the source's RAM pages. */
    enum Phase {
        /** Asking the source which pages it holds; reads headers and bitmaps, no page data. */
        SCANNING,
        /** Reading, compressing and writing the pages the source holds. */
        WRITING
    }

    /**
     * Called every few thousand pages and at the end of each phase, {@code done} growing to
     * {@code total}.
     */
    default void progress(Phase phase, long done, long total) {
    }

    /** A page the source should hold could not be read; the conversion goes on without it. */
    default void pageFailed(MemoryFault fault) {
    }
}
