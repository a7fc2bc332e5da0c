package dev.kdumpbridge.dump;

import com.github.luben.zstd.Zstd;
import io.airlift.compress.lzo.LzoDecompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import java.io.IOException;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses one kdump page by its descriptor flags into exactly one block (reference 01
 * §5). The containers are what makedumpfile and QEMU write: a zlib stream with header, a raw
 * LZO1X block, a raw snappy block, one zstd frame.
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

    private static int unzstd(byte[] in, byte[] out) throws BadPageException {
        long result = Zstd.decompressByteArray(out, 0, out.length, in, 0, in.length);
        if (Zstd.isError(result)) {
            throw new BadPageException("zstd data is damaged: " + Zstd.getErrorName(result));
        }
        return (int) result;
    }
}
