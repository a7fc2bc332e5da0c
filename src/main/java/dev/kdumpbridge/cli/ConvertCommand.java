package dev.kdumpbridge.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "convert",
    description = {
        "Write the dump in makedumpfile's kdump-compressed format.",
        "crash, drgn and kdump-bridge read the result. Pages can be left out the way"
            + " makedumpfile -d does."})
final class ConvertCommand extends NotYetImplemented {

    enum Compression {
        ZSTD, ZLIB, LZO, SNAPPY, NONE;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final class CompressionConverter extends SpelledEnumConverter<Compression> {
        CompressionConverter() {
            super(Compression.class);
        }
    }

    /** The page classes of makedumpfile's dump level bits, in bit order. */
    enum PageClass {
        ZERO, CACHE, CACHE_PRIVATE, USER, FREE;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    static final class PageClassConverter extends SpelledEnumConverter<PageClass> {
        PageClassConverter() {
            super(PageClass.class);
        }
    }

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
            + " which every version of crash and makedumpfile reads.")
    Compression compression;

    @Option(
        names = "--exclude",
        paramLabel = "CLASS",
        split = ",",
        converter = PageClassConverter.class,
        description = "Pages to leave out, comma-separated: ${COMPLETION-CANDIDATES}.")
    Set<PageClass> excluded;
}
