package dev.kdumpbridge.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Evicts files from the kernel's page cache so that the next pass reads the disk: a cold cache
 * for one dump without root's {@code drop_caches} for the whole machine. GNU dd's
 * {@code iflag=nocache count=0} is {@code posix_fadvise(POSIX_FADV_DONTNEED)} on the whole file;
 * Java has no call for it.
 */
final class PageCacheDropper {
    private PageCacheDropper() {
    }

    static void drop(List<Path> files) throws IOException {
        for (Path file : files) {
            Process dd = new ProcessBuilder("dd", "if=" + file, "iflag=nocache", "count=0", "status=none")
                    .redirectErrorStream(true).start();
            try {
                if (dd.waitFor() != 0) {
                    throw new IOException("dd could not drop " + file + " from the page cache: "
                            + new String(dd.getInputStream().readAllBytes()));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while dropping " + file + " from the page cache", e);
            }
        }
    }
}
