package dev.kdumpbridge.dump;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The kdump-compressed file that a flattened stream ({@code makedumpfile -F}, QEMU
 * {@code kdump-*}) stands for, served in place through an index of its records instead of being
 * rearranged into a temporary copy (reference 01 §10; crash {@code makedumpfile.c} does the same).
 *
 * <p>Bytes no record wrote read as zeros, exactly as they would in the file that
 * {@code makedumpfile -R} rearranges with {@code pwrite}; only the end of the last record ends
 * the source.
 */
final class FlattenedSource implements ByteSource {
    /** {@code MAX_SIZE_MDF_HEADER} in makedumpfile.h: the flat header occupies one 4 KiB block. */
    static final int FLAT_HEADER_SIZE = 4096;
    static final byte[] SIGNATURE = "makedumpfile".getBytes(StandardCharsets.US_ASCII);
    private static final int RECORD_HEADER_SIZE = 16;
    private static final long TYPE_FLAT_HEADER = 1;
    /**
     * At 24 bytes an entry this is 1.5 GiB of index. Writers emit one record per cache flush:
     * QEMU up to 16 KiB, makedumpfile up to 64 KiB (measured on the fixtures), so this allows
     * a terabyte of compressed stream; more records than that are garbage, not a dump.
     */
    private static final int MAX_RECORDS = 1 << 26;

    private final FileSource file;
    private final long[] start;
    private final long[] end;
    private final long[] filePos;
    private final int count;
    private final long size;
    private final long stored;
    private final boolean complete;

    private FlattenedSource(FileSource file, long[] start, long[] end, long[] filePos, int count,
            boolean complete) {
        this.file = file;
        this.start = start;
        this.end = end;
        this.filePos = filePos;
        this.count = count;
        this.size = count == 0 ? 0 : end[count - 1];
        long payload = 0;
        for (int i = 0; i < count; i++) {
            payload += end[i] - start[i];
        }
        this.stored = payload;
        this.complete = complete;
    }

    /**
     * Scans every record header once and indexes the payloads by their rearranged offset.
     * Each header is read with one positioned read: payloads are at least a page, so reading
     * ahead would read the whole stream.
     */
    static FlattenedSource index(FileSource file, List<String> warnings) throws IOException {
        String name = file.name();
        ByteBuffer header = file.readStruct(0, 32, ByteOrder.BIG_ENDIAN, "the flattened-format header");
        long type = header.getLong(16);
        if (type != TYPE_FLAT_HEADER) {
            throw new DumpFormatException(name, 16, "flattened-format header type " + type
                    + ", expected " + TYPE_FLAT_HEADER + " (TYPE_FLAT_HEADER)");
        }
        long version = header.getLong(24);
        if (version != 1) {
            warnings.add(name + ": offset 24: flattened-format version " + version
                    + ", expected 1; reading it as version 1");
        }
        RecordList records = new RecordList();
        ByteBuffer recordHeader = ByteBuffer.allocate(RECORD_HEADER_SIZE).order(ByteOrder.BIG_ENDIAN);
        long pos = FLAT_HEADER_SIZE;
        boolean ended = false;
        while (true) {
            recordHeader.clear();
            int got = file.read(pos, recordHeader);
            if (got < RECORD_HEADER_SIZE) {
                break;
            }
            long offset = recordHeader.getLong(0);
            long length = recordHeader.getLong(8);
            if (offset == -1 && length == -1) {
                ended = true;
                break;
            }
            if (offset < 0 || length < 0 || offset > Long.MAX_VALUE - length) {
                throw new DumpFormatException(name, pos, "flattened record header says "
                        + length + " bytes at offset " + offset
                        + ", expected non-negative values or the end marker -1/-1");
            }
            long payload = pos + RECORD_HEADER_SIZE;
            long available = Math.min(length, file.size() - payload);
            if (available < length) {
                warnings.add(name + ": offset " + pos + ": flattened record of " + length
                        + " bytes is cut off after " + available + " bytes");
            }
            if (available > 0) {
                if (records.count == MAX_RECORDS) {
                    throw new DumpFormatException(name, pos, "more than " + MAX_RECORDS
                            + " flattened records; this is not a stream makedumpfile or QEMU writes");
                }
                records.add(offset, offset + available, payload);
            }
            if (available < length) {
                break;
            }
            pos = payload + length;
        }
        if (!ended) {
            warnings.add(name + ": offset " + pos + ": the flattened stream has no end marker; "
                    + "it was cut short, pages written after this point are missing");
        }
        return records.resolve(file, ended);
    }

    /** False when the stream has no end marker: the writer stopped before it was done. */
    boolean complete() {
        return complete;
    }

    @Override
    public String name() {
        return file.name();
    }

    @Override
    public long size() {
        return size;
    }

    /** The payload of the records, overlaps counted once. */
    @Override
    public long storedBytes() {
        return stored;
    }

    @Override
    public int read(long pos, ByteBuffer dst) throws IOException {
        int startPosition = dst.position();
        long at = pos;
        int i = lastStartingAtOrBefore(at);
        while (dst.hasRemaining() && at < size) {
            if (i >= 0 && at < end[i]) {
                int n = (int) Math.min(dst.remaining(), end[i] - at);
                ByteBuffer slice = dst.slice();
                slice.limit(n);
                int got = file.read(filePos[i] + (at - start[i]), slice);
                dst.position(dst.position() + got);
                at += got;
                if (got < n) {
                    break;
                }
            } else {
                long gapEnd = i + 1 < count ? start[i + 1] : size;
                int n = (int) Math.min(dst.remaining(), gapEnd - at);
                for (int k = 0; k < n; k++) {
                    dst.put((byte) 0);
                }
                at += n;
            }
            if (i + 1 < count && at >= start[i + 1]) {
                i++;
            }
        }
        return dst.position() - startPosition;
    }

    private int lastStartingAtOrBefore(long pos) {
        int found = Arrays.binarySearch(start, 0, count, pos);
        return found >= 0 ? found : -found - 2;
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    /** Records in stream order, before overlaps are resolved. */
    private static final class RecordList {
        long[] start = new long[1024];
        long[] end = new long[1024];
        long[] filePos = new long[1024];
        int count;

        void add(long s, long e, long pos) {
            if (count == start.length) {
                int grown = (int) Math.min((long) count * 2, Integer.MAX_VALUE - 8);
                start = Arrays.copyOf(start, grown);
                end = Arrays.copyOf(end, grown);
                filePos = Arrays.copyOf(filePos, grown);
            }
            start[count] = s;
            end[count] = e;
            filePos[count] = pos;
            count++;
        }

        /**
         * Later records win where two overlap, as when makedumpfile -R applies them in order:
         * walk the stream backwards and let each record keep only what no later record wrote.
         * {@code claimed} holds merged intervals, so contiguous writers keep it tiny.
         */
        FlattenedSource resolve(FileSource file, boolean complete) {
            RecordList pieces = new RecordList();
            TreeMap<Long, Long> claimed = new TreeMap<>();
            for (int r = count - 1; r >= 0; r--) {
                long s = start[r];
                long e = end[r];
                long cur = s;
                Map.Entry<Long, Long> before = claimed.floorEntry(s);
                if (before != null && before.getValue() > cur) {
                    cur = before.getValue();
                }
                while (cur < e) {
                    Map.Entry<Long, Long> next = claimed.ceilingEntry(cur);
                    long gapEnd = next == null ? e : Math.min(e, next.getKey());
                    if (gapEnd > cur) {
                        pieces.add(cur, gapEnd, filePos[r] + (cur - s));
                    }
                    if (next == null || next.getKey() >= e) {
                        break;
                    }
                    cur = next.getValue();
                }
                claim(claimed, s, e);
            }
            pieces.sortByStart();
            return new FlattenedSource(file, pieces.start, pieces.end, pieces.filePos, pieces.count, complete);
        }

        private static void claim(TreeMap<Long, Long> claimed, long s, long e) {
            long mergedStart = s;
            long mergedEnd = e;
            Map.Entry<Long, Long> before = claimed.floorEntry(s);
            if (before != null && before.getValue() >= s) {
                mergedStart = before.getKey();
                mergedEnd = Math.max(mergedEnd, before.getValue());
                claimed.remove(before.getKey());
            }
            Map.Entry<Long, Long> next;
            while ((next = claimed.ceilingEntry(mergedStart)) != null && next.getKey() <= mergedEnd) {
                mergedEnd = Math.max(mergedEnd, next.getValue());
                claimed.remove(next.getKey());
            }
            claimed.put(mergedStart, mergedEnd);
        }

        /** Pieces are disjoint, so a plain sort of the three parallel arrays by start will do. */
        void sortByStart() {
            quicksort(0, count - 1);
        }

        private void quicksort(int lo, int hi) {
            while (lo < hi) {
                long pivot = start[(lo + hi) >>> 1];
                int i = lo;
                int j = hi;
                while (i <= j) {
                    while (start[i] < pivot) {
                        i++;
                    }
                    while (start[j] > pivot) {
                        j--;
                    }
                    if (i <= j) {
                        swap(i++, j--);
                    }
                }
                // Recurse into the smaller half so the stack stays logarithmic.
                if (j - lo < hi - i) {
                    quicksort(lo, j);
                    lo = i;
                } else {
                    quicksort(i, hi);
                    hi = j;
                }
            }
        }

        private void swap(int a, int b) {
            long t = start[a];
            start[a] = start[b];
            start[b] = t;
            t = end[a];
            end[a] = end[b];
            end[b] = t;
            t = filePos[a];
            filePos[a] = filePos[b];
            filePos[b] = t;
        }
    }
}
