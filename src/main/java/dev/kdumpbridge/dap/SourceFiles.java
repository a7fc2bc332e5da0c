package dev.kdumpbridge.dap;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.lsp4j.debug.Source;
import java.util.function.ToIntFunction;

/**
 * Source files of frames, found where the client can open them. The DWARF names files as the
 * build saw them ({@code debian/build/build_amd64_none_cloud-amd64/kernel/sched/core.c},
 * {@code /build/reproducible-path/linux-6.1.192/arch/x86/entry/entry_64.S}); under a kernel
 * source tree given in the attach request the file is the longest tail of that path that exists
 * there. A file found nowhere gets a source reference, whose text says how to make it openable:
 * a source the client can show, so that VS Code still focuses the frame on a stop (it passes
 * over frames whose source is missing or de-emphasized).
 */
final class SourceFiles {
    /** Path components dropped at most while looking for the tail under the source tree. */
    private static final int MAX_DROPPED = 8;

    private SourceFiles() {
    }

    /** @param reference the source reference to give a file that is not found */
    static Source source(String file, Optional<String> kernelSource, ToIntFunction<String> reference) {
        Source source = new Source();
        source.setName(Path.of(file).getFileName().toString());
        Optional<Path> found = find(file, kernelSource);
        if (found.isPresent()) {
            source.setPath(found.get().toString());
        } else {
            // The client fetches a referenced source's text even when it has a path; the path names it.
            source.setPath(file);
            source.setSourceReference(reference.applyAsInt(file));
            source.setOrigin(notFound(kernelSource));
        }
        return source;
    }

    /** What the client shows for a file that is not found: why, and what to do. */
    static String placeholder(String file, Optional<String> kernelSource) {
        return "// " + file + "\n// This kernel source file is " + notFound(kernelSource) + ".\n"
            + "// Give \"kernelSource\": a source tree of this kernel's version in the attach configuration.\n";
    }

    private static String notFound(Optional<String> kernelSource) {
        return kernelSource.isPresent() ? "not found under " + kernelSource.get()
            : "not available: the kernel source was not given";
    }

    static Optional<Path> find(String file, Optional<String> kernelSource) {
        try {
            Path path = Path.of(file);
            if (path.isAbsolute() && Files.isRegularFile(path)) {
                return Optional.of(path);
            }
            if (kernelSource.isEmpty()) {
                return Optional.empty();
            }
            Path root = Path.of(kernelSource.get());
            Path relative = path.isAbsolute() ? path.getRoot().relativize(path) : path;
            for (int dropped = 0; dropped < Math.min(MAX_DROPPED, relative.getNameCount()); dropped++) {
                Path candidate = root.resolve(relative.subpath(dropped, relative.getNameCount()));
                if (Files.isRegularFile(candidate)) {
                    return Optional.of(candidate);
                }
            }
            return Optional.empty();
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }
}
