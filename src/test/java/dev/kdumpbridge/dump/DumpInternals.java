package dev.kdumpbridge.dump;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the benchmark ({@code dev.kdumpbridge.bench}) needs from inside this package, and the
 * public API rightly does not give: a page's bytes as the file stores them, still compressed, the
 * decoder the reader runs on them, and the synthetic sparse dump. Test code only.
 */
public final class DumpInternals {

    /** One page as a kdump-compressed file stores it; {@code codec} is null for a raw page. */
    public record StoredPage(long address, Compression codec, byte[] bytes, int blockSize) {
    }

    private DumpInternals() {
    }

    /**
     * The stored bytes of the pages at {@code addresses} in the kdump-compressed dump made of
     * {@code files} (one file, a flattened stream, or the parts of a split set); empty for an ELF
     * dump, which stores pages as they are. Every address must be a stored page.
     */
    public static List<StoredPage> storedPages(List<Path> files, long[] addresses) throws IOException {
        List<ByteSource> sources = new ArrayList<>();
        List<KdumpPart> parts = new ArrayList<>();
        try {
            for (Path file : files) {
                FileSource raw = FileSource.open(file);
                ByteBuffer head = ByteBuffer.allocate(FlattenedSource.SIGNATURE.length);
                raw.read(0, head);
                head.flip();
                if (Bytes.startsWith(head, ElfCore.MAGIC)) {
                    raw.close();
                    return List.of();
                }
                boolean flattened = Bytes.startsWith(head, FlattenedSource.SIGNATURE);
                ByteSource source = flattened ? FlattenedSource.index(raw, new ArrayList<>()) : raw;
                sources.add(source);
                parts.add(KdumpPart.open(source, file, flattened, true, new ArrayList<>()));
            }
            List<StoredPage> pages = new ArrayList<>();
            for (long address : addresses) {
                int blockSize = parts.get(0).header().blockSize();
                long pfn = address / blockSize;
                int p = 0;
                while (p < parts.size() - 1 && !(pfn >= parts.get(p).header().startPfn() && pfn < parts.get(p).header().endPfn())) {
                    p++;
                }
                KdumpPart.Descriptor d = parts.get(p).locate(pfn);
                ByteBuffer bytes = ByteBuffer.allocate(d.size());
                sources.get(p).read(d.offset(), bytes);
                pages.add(new StoredPage(address, d.codec(), bytes.array(), blockSize));
            }
            return pages;
        } catch (MemoryFault fault) {
            throw new IOException(files + ": not a stored page: " + fault.getMessage(), fault);
        } finally {
            for (ByteSource s : sources) {
                s.close();
            }
        }
    }

    /** The page, decoded exactly as a read through {@link Dumps#open} decodes it. */
    public static byte[] decode(StoredPage page) throws IOException {
        if (page.codec() == null) {
            return page.bytes().clone();
        }
        try {
            return PageCodec.decode(page.codec(), page.bytes(), page.blockSize());
        } catch (PageCodec.BadPageException e) {
            throw new IOException(Sizes.hex(page.address()) + ": " + e.getMessage(), e);
        }
    }

    /** {@link SyntheticDumps.Kdump#sparse} written as a sparse file. */
    public static Path writeSparseKdump(Path file, long addressSpace, int present) throws IOException {
        return SyntheticDumps.Kdump.sparse(addressSpace, present).image().write(file);
    }
}
