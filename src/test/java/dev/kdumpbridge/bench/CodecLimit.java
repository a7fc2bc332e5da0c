package dev.kdumpbridge.bench;

import com.github.luben.zstd.ZstdDecompressCtx;
import dev.kdumpbridge.dump.DumpInternals.StoredPage;
import io.airlift.compress.lzo.LzoDecompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import java.io.IOException;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The decompression libraries alone on pages already in memory, each keeping its state from page
 * to page and checking nothing: the most any reader on this JVM could get out of these stored
 * pages, and so the yardstick for the reader's own decoding and for a whole read.
 */
final class CodecLimit implements AutoCloseable {
    private final Inflater zlib = new Inflater();
    private final LzoDecompressor lzo = new LzoDecompressor();
    private final SnappyDecompressor snappy = new SnappyDecompressor();
    private final ZstdDecompressCtx zstd = new ZstdDecompressCtx();

    /** Decodes every page once. */
    void decodeAll(List<StoredPage> pages) throws IOException {
        byte[] out = new byte[pages.get(0).blockSize()];
        try {
            for (StoredPage p : pages) {
                decode(p, out);
            }
        } catch (DataFormatException e) {
            throw new IOException("a stored page does not inflate: " + e.getMessage(), e);
        }
    }

    private void decode(StoredPage p, byte[] out) throws DataFormatException {
        byte[] in = p.bytes();
        if (p.codec() == null) {
            System.arraycopy(in, 0, out, 0, out.length);
            return;
        }
        switch (p.codec()) {
            case ZLIB -> {
                zlib.reset();
                zlib.setInput(in);
                zlib.inflate(out);
            }
            case LZO -> lzo.decompress(in, 0, in.length, out, 0, out.length);
            case SNAPPY -> snappy.decompress(in, 0, in.length, out, 0, out.length);
            case ZSTD -> zstd.decompressByteArray(out, 0, out.length, in, 0, in.length);
        }
    }

    @Override
    public void close() {
        zlib.end();
        zstd.close();
    }
}
