package dev.kdumpbridge.dump;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens kernel dumps. The format is recognised from the content, never from the file name:
 * ELF core (vmcore, makedumpfile -E, QEMU, /proc/kcore), kdump-compressed, makedumpfile's
 * flattened stream, and split sets of kdump-compressed parts.
 */
public final class Dumps {
    private static final Logger LOG = LoggerFactory.getLogger("dump");
    /** A dump directory holds a handful of files; stop looking for split parts after this many. */
    private static final int MAX_SIBLING_CANDIDATES = 4096;
    private static final int SNIFF_BYTES = 32;

    private enum Format { ELF, KDUMP, FLATTENED }

    private Dumps() {
    }

    public static DumpFile open(Path path) throws IOException {
        return open(List.of(path), DumpOptions.DEFAULTS);
    }

    public static DumpFile open(List<Path> paths) throws IOException {
        return open(paths, DumpOptions.DEFAULTS);
    }

    /**
     * Opens one dump. Several paths must be the parts of one split dump; a single part of a
     * split dump brings its siblings from the same directory when the options allow.
     *
     * @throws DumpFormatException the files are not a dump we can read, with file, offset and
     *                             what was expected
     * @throws IOException         the files cannot be read (for /proc/kcore the message explains
     *                             the privileges needed)
     */
    public static DumpFile open(List<Path> paths, DumpOptions options) throws IOException {
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("no dump file given");
        }
        List<String> warnings = new ArrayList<>();
        List<KdumpPart> parts = new ArrayList<>();
        try {
            if (paths.size() == 1) {
                FileSource file = FileSource.open(paths.get(0));
                Format format;
                try {
                    format = sniff(file);
                    if (format == Format.ELF) {
                        ElfCore elf = ElfCore.open(file);
                        LOG.debug("{}: {}", file.name(), elf.info().formatName());
                        return elf;
                    }
                } catch (IOException | RuntimeException e) {
                    file.close();
                    throw e;
                }
                KdumpPart given = openPart(file, format, warnings);
                parts.add(given);
                if (given.header().split() && options.findSplitSiblings()) {
                    parts.addAll(findSiblings(given, warnings));
                }
            } else {
                openAllParts(paths, parts, warnings);
            }
            KdumpDump dump = new KdumpDump(parts, options, warnings);
            LOG.debug("{}: {}", dump.info().files(), dump.info().formatName());
            return dump;
        } catch (IOException | RuntimeException e) {
            for (KdumpPart p : parts) {
                try {
                    p.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static void openAllParts(List<Path> paths, List<KdumpPart> parts, List<String> warnings)
            throws IOException {
        List<Path> distinct = new ArrayList<>();
        for (Path p : paths) {
            if (distinct.stream().noneMatch(d -> sameFile(d, p))) {
                distinct.add(p);
            }
        }
        for (Path p : distinct) {
            FileSource file = FileSource.open(p);
            KdumpPart part;
            try {
                Format format = sniff(file);
                if (format == Format.ELF) {
                    throw new DumpFormatException(file.name(), "is an ELF core; only the parts of a "
                            + "split kdump-compressed dump can be opened together");
                }
                part = openPart(file, format, warnings);
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
            parts.add(part);
            if (!part.header().split()) {
                throw new DumpFormatException(part.name(), "is a complete dump (split=0 in its sub "
                        + "header), not a part of a split set; open it alone");
            }
            Optional<String> mismatch = parts.get(0).mismatch(part);
            if (mismatch.isPresent()) {
                throw new DumpFormatException(part.name(), "is not a part of the same dump as "
                        + parts.get(0).name() + ": " + mismatch.get());
            }
        }
    }

    private static Format sniff(FileSource file) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(SNIFF_BYTES);
        file.read(0, head);
        head.flip();
        if (head.limit() == 0) {
            throw new DumpFormatException(file.name(), "the file is empty");
        }
        if (Bytes.startsWith(head, ElfCore.MAGIC)) {
            return Format.ELF;
        }
        if (Bytes.startsWith(head, KdumpLayout.SIGNATURE)) {
            return Format.KDUMP;
        }
        if (Bytes.startsWith(head, KdumpLayout.LEGACY_SIGNATURE)) {
            throw new DumpFormatException(file.name(), 0, "signature \"DISKDUMP\": the legacy "
                    + "diskdump format is not supported, only makedumpfile's kdump-compressed "
                    + "format (\"KDUMP   \")");
        }
        if (Bytes.startsWith(head, FlattenedSource.SIGNATURE)) {
            return Format.FLATTENED;
        }
        byte[] first = new byte[Math.min(8, head.limit())];
        head.get(0, first);
        throw new DumpFormatException(file.name(), 0, "not a kernel dump: it starts with "
                + HexFormat.ofDelimiter(" ").formatHex(first) + ", expected an ELF core (7f 45 4c 46), "
                + "kdump-compressed (\"KDUMP   \") or a makedumpfile flattened stream (\"makedumpfile\")");
    }

    /** Takes ownership of {@code file}: closes it if the part cannot be opened. */
    private static KdumpPart openPart(FileSource file, Format format, List<String> warnings) throws IOException {
        try {
            if (format == Format.FLATTENED) {
                FlattenedSource flat = FlattenedSource.index(file, warnings);
                return KdumpPart.open(flat, file.path(), true, flat.complete(), warnings);
            }
            return KdumpPart.open(file, file.path(), false, true, warnings);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * The other parts of {@code given}'s split dump among the files next to it: every part
     * carries the same headers and notes, so a match on them (not on names) finds them.
     */
    private static List<KdumpPart> findSiblings(KdumpPart given, List<String> warnings) throws IOException {
        Path dir = given.path().toAbsolutePath().getParent();
        List<KdumpPart> found = new ArrayList<>();
        if (dir == null) {
            return found;
        }
        int inspected = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path candidate : entries) {
                if (++inspected > MAX_SIBLING_CANDIDATES) {
                    warnings.add(dir + ": more than " + MAX_SIBLING_CANDIDATES
                            + " files; stopped looking for the other parts of the split dump");
                    break;
                }
                if (!Files.isRegularFile(candidate) || sameFile(candidate, given.path())) {
                    continue;
                }
                KdumpPart part = sibling(candidate, given, warnings);
                if (part == null) {
                    continue;
                }
                long start = part.header().startPfn();
                if (start == given.header().startPfn() || found.stream().anyMatch(f -> f.header().startPfn() == start)) {
                    warnings.add(part.name() + ": another copy of the split part starting at pfn "
                            + start + "; ignored");
                    part.close();
                    continue;
                }
                found.add(part);
            }
        } catch (IOException e) {
            warnings.add(dir + ": cannot list the directory to find the other split parts: " + e.getMessage());
        }
        if (found.isEmpty()) {
            warnings.add(given.name() + " is one part of a split dump, and no other part was found in " + dir);
        }
        return found;
    }

    /** The part in {@code candidate} if it belongs to {@code given}'s dump, else null. */
    private static KdumpPart sibling(Path candidate, KdumpPart given, List<String> warnings) {
        List<String> partWarnings = new ArrayList<>();
        try {
            FileSource file = FileSource.open(candidate);
            ByteBuffer head = ByteBuffer.allocate(KdumpLayout.SIGNATURE.length);
            if (file.read(0, head) < head.capacity() || !Bytes.startsWith(head.flip(), KdumpLayout.SIGNATURE)) {
                file.close();
                return null;
            }
            KdumpPart part = openPart(file, Format.KDUMP, partWarnings);
            if (given.mismatch(part).isPresent()) {
                part.close();
                return null;
            }
            warnings.addAll(partWarnings);
            return part;
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }
}
