package dev.kdumpbridge.dump;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A few decompressed pages by PFN, least recently used out first. Keyed by PFN rather than file
 * offset so that a hit needs no bitmap or descriptor read at all; the shared zero page may then
 * sit here several times, which costs only memory the bound already allows for.
 */
final class PageCache {
    private final int capacity;
    private final LinkedHashMap<Long, byte[]> pages;

    PageCache(int capacity) {
        this.capacity = capacity;
        this.pages = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
                return size() > PageCache.this.capacity;
            }
        };
    }

    /** The page, or null; callers must not modify it. */
    synchronized byte[] get(long pfn) {
        return capacity == 0 ? null : pages.get(pfn);
    }

    synchronized void put(long pfn, byte[] page) {
        if (capacity > 0) {
            pages.put(pfn, page);
        }
    }
}
