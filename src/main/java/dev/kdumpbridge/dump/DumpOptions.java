package dev.kdumpbridge.dump;

/**
 * How a dump is opened.
 *
 * @param pageCacheSize     decompressed kdump pages kept (LRU); 0 disables the cache. The memory
 *                          layer keeps its own cache, so this only needs to absorb the repeated
 *                          small reads of one structure.
 * @param findSplitSiblings given one part of a split dump, look for the other parts in the same
 *                          directory
 */
public record DumpOptions(int pageCacheSize, boolean findSplitSiblings) {
    public static final DumpOptions DEFAULTS = new DumpOptions(256, true);

    public DumpOptions {
        if (pageCacheSize < 0) {
            throw new IllegalArgumentException("pageCacheSize " + pageCacheSize + " < 0");
        }
    }
}
