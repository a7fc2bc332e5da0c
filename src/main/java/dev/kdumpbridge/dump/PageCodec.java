package dev.kdumpbridge.dump;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import io.airlift.compress.lzo.LzoCompressor;
import io.airlift.compress.lzo.LzoDecompressor;
import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import java.io.Closeable;
import java.io.IOException;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Decompresses one kdump page by its descriptor flags into exactly one block, and compresses one
 * for {@link KdumpWriter} (reference 01 §5). The containers are what makedumpfile and QEMU write:
 * a zlib stream with header, a raw LZO1X block, a raw snappy block, one zstd frame.
 */
final class PageCodec {

    /** The stored bytes do not decode to one block; the message says how they failed. */
    static final class BadPageException extends Exception {
        private static final long serialVersionUID = 1L;

        BadPageException(String message) {
            super(message, null, false, false);
        }
    }

    private PageCodec() {
    }

    /**
     * @throws BadPageException when the data is damaged or decodes to another length
     * @throws IOException      when the zstd native library cannot be loaded on this platform
     */
    static byte[] decode(Compression codec, byte[] in, int blockSize) throws BadPageException, IOException {
        byte[] out = new byte[blockSize];
        String label = codec.name().toLowerCase(Locale.ROOT);
        int produced;
        try {
            produced = switch (codec) {
                case ZLIB -> inflate(in, out);
                case LZO -> new LzoDecompressor().decompress(in, 0, in.length, out, 0, blockSize);
                case SNAPPY -> unsnappy(in, out);
                case ZSTD -> unzstd(in, out);
            };
        } catch (RuntimeException e) {
            // The decoders reject damaged input with unchecked exceptions of their own
            // (aircompressor's MalformedInputException, zstd-jni's ZstdException) or, on input
            // they did not anticipate, with index errors; all of them mean the same here.
            throw new BadPageException(label + " data is damaged: " + e);
        } catch (LinkageError e) {
            throw new IOException("cannot decompress a zstd page: the zstd-jni native library "
                    + "does not load on this platform (" + e + ")", e);
        }
        if (produced != blockSize) {
            throw new BadPageException(label + " data decompresses to " + produced
                    + " bytes, expected block_size " + blockSize);
        }
        return out;
    }

    private static int inflate(byte[] in, byte[] out) throws BadPageException {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(in);
            int produced = 0;
            while (produced < out.length) {
                int n = inflater.inflate(out, produced, out.length - produced);
                produced += n;
                if (n == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
            }
            if (inflater.needsDictionary()) {
                throw new BadPageException("zlib data asks for a preset dictionary, which kdump never uses");
            }
            if (!inflater.finished()) {
                if (produced == out.length && inflater.inflate(new byte[1]) > 0) {
                    throw new BadPageException("zlib data decompresses to more than block_size "
                            + out.length + " bytes");
                }
                throw new BadPageException("zlib stream ends early after " + produced
                        + " bytes (block_size " + out.length + ")");
            }
            return produced;
        } catch (DataFormatException e) {
            throw new BadPageException("zlib data is damaged: " + e.getMessage());
        } finally {
            inflater.end();
        }
    }

    private static int unsnappy(byte[] in, byte[] out) throws BadPageException {
        int declared = SnappyDecompressor.getUncompressedLength(in, 0);
        if (declared != out.length) {
            throw new BadPageException("snappy data declares " + declared
                    + " bytes, expected block_size " + out.length);
        }
        return new SnappyDecompressor().decompress(in, 0, in.length, out, 0, out.length);
    }

    /**
     * Setting up a zstd context per page took about two thirds of the decode time (85k pages/s
     * against 254k/s with a reused context, protocol-tests/bench), so each thread keeps one.
     */
    private static final ThreadLocal<ZstdDecompressCtx> ZSTD_CONTEXTS = ThreadLocal.withInitial(ZstdDecompressCtx::new);

    /** Damaged input raises zstd-jni's ZstdException, which {@link #decode} reports. */
    private static int unzstd(byte[] in, byte[] out) {
        return ZSTD_CONTEXTS.get().decompressByteArray(out, 0, out.length, in, 0, in.length);
    }

    /**
     * Compresses pages the way makedumpfile does ({@code compress_mdf} and friends): zlib at
     * {@code Z_BEST_SPEED}, LZO1X-1, snappy, zstd level 1. One encoder per thread: it keeps its
     * compressor state between pages.
     */
    static final class Encoder implements Closeable {
        /** makedumpfile's {@code ZSTD_compressCCtx(..., 1)}. */
        private static final int ZSTD_LEVEL = 1;

        private final Compression codec;
        private final int blockSize;
        private final byte[] out;
        private final Deflater deflater;
        private final LzoCompressor lzo;
        private final SnappyCompressor snappy;
        private final ZstdCompressCtx zstd;

        /** @throws IOException when the zstd native library cannot be loaded on this platform */
        Encoder(Compression codec, int blockSize) throws IOException {
            this.codec = codec;
            this.blockSize = blockSize;
            deflater = codec == Compression.ZLIB ? new Deflater(Deflater.BEST_SPEED) : null;
            lzo = codec == Compression.LZO ? new LzoCompressor() : null;
            snappy = codec == Compression.SNAPPY ? new SnappyCompressor() : null;
            try {
                zstd = codec == Compression.ZSTD ? new ZstdCompressCtx().setLevel(ZSTD_LEVEL) : null;
            } catch (LinkageError e) {
                throw new IOException("cannot write zstd pages: the zstd-jni native library does not "
                        + "load on this platform (" + e + ")", e);
            }
            // Room for the worst case of each codec, so no compressor ever runs out of space.
            int bound = switch (codec) {
                case ZLIB -> blockSize + blockSize / 1000 + 64;
                case LZO -> lzo.maxCompressedLength(blockSize);
                case SNAPPY -> snappy.maxCompressedLength(blockSize);
                case ZSTD -> (int) Zstd.compressBound(blockSize);
            };
            out = new byte[bound];
        }

        Compression codec() {
            return codec;
        }

        /**
         * Compresses one block. The result is in {@link #output()}.
         *
         * @return the compressed length, or -1 when it is not smaller than the block: such a page
         *         is stored raw, as makedumpfile does
         */
        int encode(byte[] page) {
            int n = switch (codec) {
                case ZLIB -> deflate(page);
                case LZO -> lzo.compress(page, 0, blockSize, out, 0, out.length);
                case SNAPPY -> snappy.compress(page, 0, blockSize, out, 0, out.length);
                case ZSTD -> zstd.compressByteArray(out, 0, out.length, page, 0, blockSize);
            };
            return n < blockSize ? n : -1;
        }

        /** The bytes of the last {@link #encode}. */
        byte[] output() {
            return out;
        }

        private int deflate(byte[] page) {
            deflater.reset();
            deflater.setInput(page, 0, blockSize);
            deflater.finish();
            int n = 0;
            while (!deflater.finished() && n < out.length) {
                n += deflater.deflate(out, n, out.length - n);
            }
            return deflater.finished() ? n : out.length;
        }

        @Override
        public void close() {
            if (deflater != null) {
                deflater.end();
            }
            if (zstd != null) {
                zstd.close();
            }
        }
    }
}
