package dev.kdumpbridge.cli;

import dev.kdumpbridge.dump.ConvertListener;
import dev.kdumpbridge.dump.ConvertOptions;
import dev.kdumpbridge.dump.ConvertSummary;
import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.DumpOptions;
import dev.kdumpbridge.dump.Dumps;
import dev.kdumpbridge.dump.KdumpWriter;
import dev.kdumpbridge.dump.MemoryFault;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "convert",
    description = {
        "Write the dump in makedumpfile's kdump-compressed format.",
        "crash, drgn and kdump-bridge read the result. The input can be any dump kdump-bridge"
            + " reads except /proc/kcore; the output is one plain (not flattened, not split) file,"
            + " written as OUT.tmp and renamed to OUT when complete. A one-line summary goes to"
            + " stdout, a progress bar to the terminal."})
final class ConvertCommand implements Callable<Integer> {

    /** Failed pages are listed one by one up to this many; a damaged dump can have millions. */
    private static final int FAILURES_LISTED = 20;

    enum Compression {
        ZSTD, ZLIB, LZO, SNAPPY, NONE;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }

        Optional<dev.kdumpbridge.dump.Compression> codec() {
            return this == NONE ? Optional.empty() : Optional.of(dev.kdumpbridge.dump.Compression.valueOf(name()));
        }
    }

    static final class CompressionConverter extends SpelledEnumConverter<Compression> {
        CompressionConverter() {
            super(Compression.class);
        }
    }

    /**
     * The page classes of makedumpfile's dump level bits that convert can leave out. Only zero
     * pages can be told from the page itself; page cache, user and free pages need the kernel's
     * struct page, which the dump layer does not read.
     */
    enum PageClass {
        ZERO;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final class PageClassConverter extends SpelledEnumConverter<PageClass> {
        PageClassConverter() {
            super(PageClass.class);
        }
    }

    @Spec
    CommandSpec spec;

    /** picocli cannot put a single operand after a variadic one, so OUT is the last of these. */
    @Parameters(
        arity = "2..*",
        paramLabel = "IN... OUT",
        hideParamSyntax = true,
        description = "The dump's files (see info --help), then the file to write.")
    List<Path> operands;

    @Option(
        names = "--compress",
        paramLabel = "METHOD",
        defaultValue = "zlib",
        converter = CompressionConverter.class,
        description = "Page compression: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE},"
            + " which every version of crash and makedumpfile reads. A page that does not shrink is"
            + " stored as it is.")
    Compression compression;

    @Option(
        names = "--exclude",
        paramLabel = "CLASS",
        split = ",",
        converter = PageClassConverter.class,
        description = "Page classes to leave out (${COMPLETION-CANDIDATES}). With zero, every all-zero"
            + " page points at one stored zero page, as with makedumpfile -d 1; such pages still read"
            + " as zeros.")
    Set<PageClass> excluded;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        List<Path> inputs = operands.subList(0, operands.size() - 1);
        Path out = operands.get(operands.size() - 1);
        ConvertOptions options = new ConvertOptions(compression.codec(),
            excluded != null && excluded.contains(PageClass.ZERO));
        long started = System.nanoTime();
        Progress progress = new Progress(err, System.console() != null);
        // Pages are read once each, in order: the reader's page cache would only be churned.
        try (DumpFile dump = Dumps.open(inputs, new DumpOptions(0, true))) {
            dump.info().warnings().forEach(w -> err.println("warning: " + w));
            ConvertSummary summary = KdumpWriter.convert(dump, out, options, progress);
            progress.finish();
            double seconds = (System.nanoTime() - started) / 1e9;
            spec.commandLine().getOut().printf(Locale.ROOT,
                "%s (%s): %d pages stored, %d zero pages shared, %d excluded, %d failed; %d bytes in %.1f s%n",
                out, compression, summary.pagesStored(), summary.zeroPages(), summary.pagesExcluded(),
                summary.pagesFailed(), summary.bytes(), seconds);
            return Main.EXIT_OK;
        } catch (IllegalArgumentException e) {
            progress.finish();
            err.println("kdump-bridge convert: " + e.getMessage());
            return Main.EXIT_USAGE;
        } catch (IOException e) {
            progress.finish();
            err.println("kdump-bridge convert: " + describe(e));
            return Main.EXIT_INPUT_ERROR;
        } finally {
            err.flush();
        }
    }

    /** NIO names only the file in most of its exceptions; say what went wrong with it too. */
    private static String describe(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() == null) {
            String what = e instanceof NoSuchFileException ? "no such file or directory"
                : e instanceof AccessDeniedException ? "permission denied"
                : e.getClass().getSimpleName();
            return f.getFile() + ": " + what;
        }
        return e.getMessage();
    }

    /** A progress bar on a terminal, and the failed pages wherever stderr goes. */
    private static final class Progress implements ConvertListener {
        private static final int BAR_WIDTH = 30;
        /** Redraw at most this often: the writer reports every few thousand pages. */
        private static final long REDRAW_NANOS = 100_000_000L;

        private final PrintWriter err;
        private final boolean terminal;
        private long lastDraw;
        private boolean drawn;
        private long failures;

        Progress(PrintWriter err, boolean terminal) {
            this.err = err;
            this.terminal = terminal;
        }

        @Override
        public void progress(Phase phase, long done, long total) {
            long now = System.nanoTime();
            if (!terminal || done < total && now - lastDraw < REDRAW_NANOS) {
                return;
            }
            lastDraw = now;
            int filled = total == 0 ? BAR_WIDTH : (int) (BAR_WIDTH * done / total);
            err.printf(Locale.ROOT, "\r%-8s [%s%s] %3d%% %d/%d pages", phase.name().toLowerCase(Locale.ROOT),
                "#".repeat(filled), " ".repeat(BAR_WIDTH - filled), total == 0 ? 100 : 100 * done / total,
                done, total);
            err.flush();
            drawn = true;
        }

        @Override
        public void pageFailed(MemoryFault fault) {
            failures++;
            if (failures <= FAILURES_LISTED) {
                clearBar();
                err.println("warning: page at " + fault.getMessage() + "; written as not saved");
            }
        }

        /** Clears the bar and counts the failures not listed; safe to call again. */
        void finish() {
            clearBar();
            if (failures > FAILURES_LISTED) {
                err.println("warning: " + (failures - FAILURES_LISTED) + " more pages could not be read");
                failures = FAILURES_LISTED;
            }
        }

        private void clearBar() {
            if (drawn) {
                // Back to the start of the line and erase it (ANSI EL), before stdout's summary.
                err.print("\r\033[K");
                err.flush();
                drawn = false;
            }
        }
    }
}
