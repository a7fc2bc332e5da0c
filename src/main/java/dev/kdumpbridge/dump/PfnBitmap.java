package dev.kdumpbridge.dump;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One bitmap of a kdump-compressed file, read from the file on demand so that opening a dump of
 * a terabyte machine reads nothing but headers. PFN {@code n} is bit {@code n & 7} of byte
 * {@code n >> 3} (reference 01 §4), so little-endian longs keep PFN order.
 */
final class PfnBitmap {
    /** Rank granularity: one prefix count per 512 bytes of bitmap, as crash's BITMAP_SECT_LEN. */
    static final int CHUNK_BITS = 4096;
    private static final int CHUNK_BYTES = CHUNK_BITS / 8;
    /** Sequential scans (rank index, RAM ranges) read this much at a time. */
    private static final int SCAN_BYTES = 1 << 20;

    private final ByteSource source;
    private final long offset;
    private final long bits;

    /** @param bits PFNs covered; the caller has checked that {@code bits / 8} bytes fit in the file */
    PfnBitmap(ByteSource source, long offset, long bits) {
        this.source = source;
        this.offset = offset;
        this.bits = bits;
    }

    boolean get(long pfn) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        if (source.read(offset + (pfn >>> 3), one) != 1) {
            throw new DumpFormatException(source.name(), offset + (pfn >>> 3),
                    "bitmap byte for pfn " + pfn + " cannot be read: the file shrank while open");
        }
        return (one.get(0) >> (pfn & 7) & 1) != 0;
    }

    /** Set bits in {@code [from, to)}, where both lie in the same {@link #CHUNK_BITS} chunk. */
    private long countInChunk(long from, long to) throws IOException {
        if (from >= to) {
            return 0;
        }
        long firstByte = from >>> 3;
        int len = (int) (((to + 7) >>> 3) - firstByte);
        ByteBuffer buf = source.readStruct(offset + firstByte, len, ByteOrder.LITTLE_ENDIAN, "bitmap");
        long count = 0;
        for (int i = 0; i < len; i++) {
            int b = buf.get(i) & 0xff;
            long bitBase = (firstByte + i) << 3;
            if (bitBase < from) {
                b &= 0xff << (from - bitBase);
            }
            if (bitBase + 8 > to) {
                b &= 0xff >>> (bitBase + 8 - to);
            }
            count += Integer.bitCount(b);
        }
        return count;
    }

    /**
     * Maximal runs of set bits below {@code limit}, as physical ranges of {@code blockSize}
     * pages. One sequential pass; the result is as long as the number of RAM ranges.
     */
    List<PhysRange> runs(long limit, int blockSize) throws IOException {
        List<PhysRange> out = new ArrayList<>();
        long runStart = -1;
        long end = Math.min(limit, bits);
        long bytes = (end + 7) >>> 3;
        for (long base = 0; base < bytes; base += SCAN_BYTES) {
            int len = (int) Math.min(SCAN_BYTES, bytes - base);
            ByteBuffer buf = source.readStruct(offset + base, len, ByteOrder.LITTLE_ENDIAN, "bitmap");
            for (int i = 0; i < len; i++) {
                int b = buf.get(i) & 0xff;
                if (b == (runStart >= 0 ? 0xff : 0)) {
                    continue;
                }
                for (int bit = 0; bit < 8; bit++) {
                    long pfn = ((base + i) << 3) + bit;
                    if (pfn >= end) {
                        break;
                    }
                    boolean set = (b >> bit & 1) != 0;
                    if (set && runStart < 0) {
                        runStart = pfn;
                    } else if (!set && runStart >= 0) {
                        out.add(new PhysRange(runStart * blockSize, pfn * blockSize));
                        runStart = -1;
                    }
                }
            }
        }
        if (runStart >= 0) {
            out.add(new PhysRange(runStart * blockSize, end * blockSize));
        }
        return out;
    }

    /**
     * Rank of a PFN among the set bits from {@code from} on: the index of its page descriptor
     * (reference 01 §5; for split parts {@code from} is {@code start_pfn_64}). Built lazily, a
     * prefix count per chunk, never one object per page.
     */
    final class Rank {
        private final long from;
        private final long firstChunk;
        /**
         * prefix[i] = set bits in [from, end of chunk firstChunk + i); grown as the scan goes,
         * so memory follows what was read, not what the header claims.
         */
        private long[] prefix = new long[64];
        private int built;

        /** @param from first PFN counted; the caller keeps PFNs below 2^40 so chunk indexes fit an int */
        Rank(long from) {
            this.from = from;
            this.firstChunk = from / CHUNK_BITS;
        }

        /** Set bits in {@code [from, pfn)}; {@code pfn >= from}. */
        long of(long pfn) throws IOException {
            long chunk = pfn / CHUNK_BITS;
            long before = chunk == firstChunk ? 0 : prefixUpTo((int) (chunk - firstChunk - 1));
            return before + countInChunk(Math.max(from, chunk * CHUNK_BITS), pfn);
        }

        private synchronized long prefixUpTo(int index) throws IOException {
            while (built <= index) {
                long chunk = firstChunk + built;
                long startBit = Math.max(from, chunk * CHUNK_BITS);
                int chunksNow = (int) Math.min(SCAN_BYTES / CHUNK_BYTES, index + 1L - built);
                if (built + chunksNow > prefix.length) {
                    prefix = Arrays.copyOf(prefix, Math.max(prefix.length * 2, built + chunksNow));
                }
                if (startBit != chunk * CHUNK_BITS) {
                    // The first chunk of a split part starts mid-chunk at start_pfn.
                    prefix[built] = countInChunk(startBit, (chunk + 1) * CHUNK_BITS);
                    built++;
                    continue;
                }
                ByteBuffer buf = source.readStruct(offset + chunk * CHUNK_BYTES, chunksNow * CHUNK_BYTES,
                        ByteOrder.LITTLE_ENDIAN, "bitmap");
                for (int c = 0; c < chunksNow; c++) {
                    long ones = 0;
                    for (int w = 0; w < CHUNK_BYTES; w += Long.BYTES) {
                        ones += Long.bitCount(buf.getLong(c * CHUNK_BYTES + w));
                    }
                    prefix[built] = (built == 0 ? 0 : prefix[built - 1]) + ones;
                    built++;
                }
            }
            return prefix[index];
        }
    }
}
