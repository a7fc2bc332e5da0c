package dev.kdumpbridge.dump;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Random access to the bytes of one dump file as its format defines them: a plain file, or the
 * file a flattened stream stands for. Every read names its position, so readers on several
 * threads never share a file position.
 */
interface ByteSource extends Closeable {

    /** The file as the user named it, for messages. */
    String name();

    /** Bytes in the source; reads at or past it return nothing. */
    long size();

    /**
     * Bytes the source really holds. For a file, its size. For a flattened stream, only what its
     * records carry: one record's offset can put the end of the file it stands for a petabyte
     * out, so sizes that decide how much is scanned or indexed are checked against this too.
     */
    default long storedBytes() {
        return size();
    }

    /**
     * Reads from {@code pos} until {@code dst} is full or the source ends.
     *
     * @return the number of bytes read, less than requested only at the end of the source
     */
    int read(long pos, ByteBuffer dst) throws IOException;

    /**
     * Exactly {@code len} bytes at {@code pos}, for a header or table the dump cannot do without.
     * The size is checked before anything is allocated, so a wild offset from a corrupt header
     * costs nothing.
     */
    default ByteBuffer readStruct(long pos, int len, ByteOrder order, String what) throws IOException {
        if (pos < 0 || len < 0 || pos > size() - len) {
            throw new DumpFormatException(name(), pos, what + " needs " + len
                    + " bytes, but the file is " + Sizes.exact(size()));
        }
        ByteBuffer buf = ByteBuffer.allocate(len).order(order);
        int got = read(pos, buf);
        if (got < len) {
            throw new DumpFormatException(name(), pos, what + " needs " + len
                    + " bytes, but only " + got + " could be read");
        }
        return buf.flip();
    }
}
