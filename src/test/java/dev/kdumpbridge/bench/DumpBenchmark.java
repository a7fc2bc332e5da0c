package dev.kdumpbridge.bench;

import dev.kdumpbridge.arch.x86_64.X86_64Paging;
import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.DumpInternals;
import dev.kdumpbridge.dump.DumpInternals.StoredPage;
import dev.kdumpbridge.dump.DumpOptions;
import dev.kdumpbridge.dump.Dumps;
import dev.kdumpbridge.dump.LoadSegment;
import dev.kdumpbridge.dump.MemoryFault;
import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.memory.TranslationUnavailableException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The dump layer's benchmark: the same work through kdump-bridge and through drgn 0.0.31
 * (libkdumpfile) on every fixture dump, and the ratios. It measures and prints; it asserts
 * nothing (speed is not a test verdict). Run by {@code protocol-tests/bench/dump-bench.sh}:
 *
 * <ol>
 *   <li>{@code prepare FIXTURES OUT}: picks the pages once, from vmcore.elf's PT_LOADs, keeping
 *       only pages every dump holds, and writes {@code pages.txt}, {@code dumps.tsv} and
 *       {@code passes.txt} for drgn;
 *   <li>the script runs {@code drgn_reads.py} on the same list, once per workload, writing
 *       {@code drgn-phys.tsv} and {@code drgn-virt.tsv};
 *   <li>{@code run FIXTURES OUT}: measures kdump-bridge and prints one table with drgn's numbers.
 * </ol>
 *
 * <p>Work comes as {@link Workload}s: random 4 KiB physical reads, and the same pages read at
 * their kernel-virtual addresses in the direct map, through the page-table walk (each dump's own
 * direct-map base, which {@code prepare} writes into {@code dumps.tsv} for drgn too). Each has
 * a matching mode of {@code drgn_reads.py}.
 */
public final class DumpBenchmark {
    /** Pages per pass: enough that no reader's page cache (ours keeps 256) can serve a pass. */
    private static final int PAGES = 4096;
    private static final int PAGE = 4096;
    private static final long SEED = 4096;
    /**
     * Open times are the median of this many. Rates are the best of their passes: on a shared
     * machine the slower passes measure the neighbours (a median moved by half between two runs
     * under load 5 on 2 CPUs, the best pass by far less), and drgn's side is taken the same way.
     */
    private static final int OPENS = 15;
    private static final int COLD_PASSES = 3;
    private static final int WARM_PASSES = 9;
    /** The decoding loops repeat their pass over the pages for at least this long. */
    private static final long CODEC_NANOS = 1_000_000_000L;
    /** The scale check: a sparse kdump-compressed file of this much address space. */
    private static final long SPARSE_ADDRESS_SPACE = 64L << 30;
    private static final int SPARSE_PRESENT = 4096;
    /** The fixture the scale check is compared with: 1 GiB of guest RAM. */
    private static final String SCALE_REFERENCE = "kdump-zlib-d31";

    private DumpBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3 || !Set.of("prepare", "run").contains(args[0])) {
            System.err.println("usage: DumpBenchmark prepare|run FIXTURES OUT");
            System.exit(2);
        }
        // The fixture tests' own reader of manifest.tsv, pointed where they would be.
        System.setProperty("kdump.fixtures", args[1]);
        Map<String, List<Path>> dumps = new LinkedHashMap<>();
        Fixtures.dumps().forEach(d -> dumps.put(d.id(), d.files()));
        Path out = Path.of(args[2]);
        if (args[0].equals("prepare")) {
            Files.createDirectories(out);
            long[] pages = pickPages(dumps, Fixtures.x86_64().resolve("kdump/vmcore.elf"));
            Files.write(out.resolve("pages.txt"), Arrays.stream(pages).mapToObj(Long::toHexString).toList());
            List<String> lines = new ArrayList<>();
            for (Map.Entry<String, List<Path>> e : dumps.entrySet()) {
                lines.add(e.getKey() + "\t" + e.getValue().stream().map(Path::toString).collect(Collectors.joining(","))
                        + "\t" + Long.toHexString(directMapBase(e.getValue())));
            }
            Files.write(out.resolve("dumps.tsv"), lines);
            // drgn_reads.py repeats each measurement as often as we do.
            Files.writeString(out.resolve("passes.txt"), OPENS + " " + COLD_PASSES + " " + WARM_PASSES + "\n");
            System.err.println("picked " + pages.length + " pages held by all " + dumps.size() + " dumps");
        } else {
            long[] pages = Files.readAllLines(out.resolve("pages.txt")).stream()
                    .mapToLong(line -> Long.parseUnsignedLong(line, 16)).toArray();
            run(dumps, pages, out);
        }
    }

    /**
     * {@link #PAGES} page addresses drawn at random (fixed seed) from vmcore.elf's PT_LOADs and
     * kept only where every dump holds the page, so each format reads the very same pages. The
     * d31 dumps decide: they keep kernel pages only.
     */
    static long[] pickPages(Map<String, List<Path>> dumps, Path vmcore) throws IOException {
        List<DumpFile> open = new ArrayList<>();
        try {
            for (List<Path> files : dumps.values()) {
                open.add(Dumps.open(files, new DumpOptions(0, false)));
            }
            List<LoadSegment> loads;
            try (DumpFile elf = Dumps.open(vmcore)) {
                loads = elf.loadSegments();
            }
            long total = loads.stream().mapToLong(s -> s.fileSize() / PAGE).sum();
            Random random = new Random(SEED);
            LinkedHashSet<Long> picked = new LinkedHashSet<>();
            for (int tries = 0; picked.size() < PAGES && tries < 1000 * PAGES; tries++) {
                long n = (long) (random.nextDouble() * total);
                for (LoadSegment s : loads) {
                    if (n < s.fileSize() / PAGE) {
                        long address = s.paddr() + n * PAGE;
                        if (heldByAll(open, address)) {
                            picked.add(address);
                        }
                        break;
                    }
                    n -= s.fileSize() / PAGE;
                }
            }
            return picked.stream().mapToLong(Long::longValue).toArray();
        } finally {
            for (DumpFile d : open) {
                d.close();
            }
        }
    }

    private static boolean heldByAll(List<DumpFile> dumps, long address) throws IOException {
        for (DumpFile d : dumps) {
            if (d.probe(address).isPresent()) {
                return false;
            }
        }
        return true;
    }

    /** Where the dump's kernel mapped physical 0 in its direct map. */
    static long directMapBase(List<Path> files) throws IOException {
        try (DumpFile dump = Dumps.open(files)) {
            return X86_64Paging.discover(dump, name -> dump.vmcoreInfo().map(v -> v.symbol(name))
                    .orElse(OptionalLong.empty())).directMap().orElseThrow(
                        () -> new IOException(files + ": the direct map's base cannot be found")).value();
        } catch (TranslationUnavailableException e) {
            throw new IOException(files + ": " + e.getMessage(), e);
        }
    }

    private static void run(Map<String, List<Path>> dumps, long[] pages, Path out) throws IOException {
        Map<String, DrgnResult> drgn = DrgnResult.read(out.resolve("drgn-phys.tsv"));
        Map<String, DrgnResult> drgnVirtual = DrgnResult.read(out.resolve("drgn-virt.tsv"));
        String loadBefore = loadAverage();
        Workload<DumpFile> reads = new PhysicalReads(pages);
        // One untimed pass over everything first, so the JIT has compiled the read path before the
        // first dump is timed rather than during it.
        for (List<Path> files : dumps.values()) {
            try (DumpFile d = reads.open(files)) {
                reads.pass(d);
            }
            decodeRates(files, pages, 1);
        }
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, List<Path>> e : dumps.entrySet()) {
            List<Path> files = e.getValue();
            double openMs = median(OPENS, () -> {
                long t = System.nanoTime();
                reads.open(files).close();
                return (System.nanoTime() - t) / 1e6;
            });
            double cold = best(COLD_PASSES, () -> {
                PageCacheDropper.drop(files);
                return rate(reads, files);
            });
            double warm = best(WARM_PASSES, () -> rate(reads, files));
            double[] decode = decodeRates(files, pages, CODEC_NANOS);
            rows.add(new Row(e.getKey(), size(files), openMs, cold, warm, decode[0], decode[1],
                    drgn.getOrDefault(e.getKey(), DrgnResult.MISSING)));
            System.err.println("measured " + e.getKey());
        }
        Path sparse = DumpInternals.writeSparseKdump(out.resolve("sparse-64GiB.kdump"), SPARSE_ADDRESS_SPACE, SPARSE_PRESENT);
        try {
            Scale scale = Scale.measure(sparse, rows.stream()
                    .filter(r -> r.id().equals(SCALE_REFERENCE)).findFirst().orElseThrow().openMs());
            Table.print(rows, pages.length, reads.id(), scale, loadBefore + " before, " + loadAverage() + " after");
        } finally {
            Files.delete(sparse);
        }
        VirtualReads virtual = new VirtualReads(pages);
        List<VirtualRow> virtualRows = new ArrayList<>();
        for (Map.Entry<String, List<Path>> e : dumps.entrySet()) {
            List<Path> files = e.getValue();
            rate(virtual, files);
            double cold = best(COLD_PASSES, () -> {
                PageCacheDropper.drop(files);
                return rate(virtual, files);
            });
            double warm = best(WARM_PASSES, () -> rate(virtual, files));
            virtualRows.add(new VirtualRow(e.getKey(), cold, warm, drgnVirtual.getOrDefault(e.getKey(), DrgnResult.MISSING)));
            System.err.println("measured " + e.getKey() + " (virtual)");
        }
        Table.printVirtual(virtualRows, pages.length);
    }

    /** One pass on a freshly opened dump, so nothing in our page cache carries over. */
    private static <T extends Closeable> double rate(Workload<T> work, List<Path> files) throws IOException {
        try (T opened = work.open(files)) {
            long t = System.nanoTime();
            int ops = work.pass(opened);
            return ops / ((System.nanoTime() - t) / 1e9);
        }
    }

    /**
     * Pages per second decoded from these very pages, already in memory, by the reader's own
     * decoder and by the libraries alone ({@link CodecLimit}): the most any read of this file can
     * do. NaN for ELF, which stores pages raw.
     */
    private static double[] decodeRates(List<Path> files, long[] pages, long nanos) throws IOException {
        List<StoredPage> stored = DumpInternals.storedPages(files, pages);
        if (stored.isEmpty()) {
            return new double[] {Double.NaN, Double.NaN};
        }
        double ours = bestPassFor(nanos, () -> {
            for (StoredPage p : stored) {
                DumpInternals.decode(p);
            }
        }) * stored.size();
        try (CodecLimit limit = new CodecLimit()) {
            return new double[] {ours, bestPassFor(nanos, () -> limit.decodeAll(stored)) * stored.size()};
        }
    }

    interface Pass {
        void run() throws IOException;
    }

    /** Passes per second of the fastest pass, repeating passes for at least {@code nanos}. */
    private static double bestPassFor(long nanos, Pass pass) throws IOException {
        double best = 0;
        long start = System.nanoTime();
        do {
            long t = System.nanoTime();
            pass.run();
            best = Math.max(best, 1e9 / (System.nanoTime() - t));
        } while (System.nanoTime() - start < nanos);
        return best;
    }

    /** The 1, 5 and 15 minute load averages: how much the shared machine disturbed the numbers. */
    private static String loadAverage() throws IOException {
        Path proc = Path.of("/proc/loadavg");
        if (!Files.exists(proc)) {
            return "unknown";
        }
        String[] f = Files.readString(proc).split(" ");
        return f[0] + " " + f[1] + " " + f[2];
    }

    interface Measurement {
        double once() throws IOException;
    }

    private static double median(int times, Measurement m) throws IOException {
        double[] values = new double[times];
        for (int i = 0; i < times; i++) {
            values[i] = m.once();
        }
        Arrays.sort(values);
        return values[times / 2];
    }

    private static double best(int times, Measurement m) throws IOException {
        double best = 0;
        for (int i = 0; i < times; i++) {
            best = Math.max(best, m.once());
        }
        return best;
    }

    private static long size(List<Path> files) throws IOException {
        long total = 0;
        for (Path f : files) {
            total += Files.size(f);
        }
        return total;
    }

    /**
     * Work done the same way through kdump-bridge and through drgn: {@link #id()} names the mode
     * of {@code drgn_reads.py} that does drgn's half.
     */
    interface Workload<T extends Closeable> {
        String id();

        /** What one pass works on, opened from the dump's files. */
        T open(List<Path> files) throws IOException;

        /** One pass; returns the operations done. */
        int pass(T opened) throws IOException;
    }

    /** Random 4 KiB physical reads of pages the dump holds. */
    record PhysicalReads(long[] pages) implements Workload<DumpFile> {
        @Override
        public String id() {
            return "phys";
        }

        @Override
        public DumpFile open(List<Path> files) throws IOException {
            return Dumps.open(files, new DumpOptions(DumpOptions.DEFAULTS.pageCacheSize(), false));
        }

        @Override
        public int pass(DumpFile dump) throws IOException {
            byte[] page = new byte[PAGE];
            for (long address : pages) {
                try {
                    dump.read(address, page, 0, PAGE);
                } catch (MemoryFault fault) {
                    throw new IOException("a picked page does not read: " + fault.getMessage(), fault);
                }
            }
            return pages.length;
        }
    }

    /** A dump's memory seen by kernel-virtual address, and where its direct map starts. */
    record KernelView(DumpFile dump, KernelMemory memory, long directMap) implements Closeable {
        @Override
        public void close() throws IOException {
            dump.close();
        }
    }

    /**
     * The physical benchmark's pages read at their direct-map addresses: the same bytes, plus a
     * page-table walk (cached per page, as any reader does) on every read.
     */
    record VirtualReads(long[] pages) implements Workload<KernelView> {
        @Override
        public String id() {
            return "virt";
        }

        @Override
        public KernelView open(List<Path> files) throws IOException {
            DumpFile dump = Dumps.open(files, new DumpOptions(DumpOptions.DEFAULTS.pageCacheSize(), false));
            try {
                X86_64Paging paging = X86_64Paging.discover(dump,
                        name -> dump.vmcoreInfo().map(v -> v.symbol(name)).orElse(OptionalLong.empty()));
                long base = paging.directMap().orElseThrow(
                        () -> new IOException(files + ": the direct map's base cannot be found")).value();
                return new KernelView(dump, paging.memory(), base);
            } catch (TranslationUnavailableException | IOException | RuntimeException e) {
                dump.close();
                throw e instanceof IOException io ? io : new IOException(files + ": " + e.getMessage(), e);
            }
        }

        @Override
        public int pass(KernelView view) throws IOException {
            byte[] page = new byte[PAGE];
            for (long address : pages) {
                try {
                    view.memory().read(view.directMap() + address, page, 0, PAGE);
                } catch (AddressFault fault) {
                    throw new IOException("a picked page does not read by its virtual address: " + fault.getMessage(), fault);
                }
            }
            return pages.length;
        }
    }

    record VirtualRow(String id, double cold, double warm, DrgnResult drgn) {
    }

    /** drgn's numbers for one dump, as drgn_reads.py writes them. */
    record DrgnResult(double openMs, double cold, double warm, String note) {
        static final DrgnResult MISSING = new DrgnResult(Double.NaN, Double.NaN, Double.NaN, "no drgn run");

        static Map<String, DrgnResult> read(Path tsv) throws IOException {
            Map<String, DrgnResult> results = new HashMap<>();
            if (!Files.exists(tsv)) {
                return results;
            }
            for (String line : Files.readAllLines(tsv)) {
                String[] c = line.split("\t", -1);
                results.put(c[0], new DrgnResult(number(c[1]), number(c[2]), number(c[3]), c[4]));
            }
            return results;
        }

        private static double number(String s) {
            return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
        }
    }

    record Row(String id, long bytes, double openMs, double cold, double warm, double decode, double codec,
            DrgnResult drgn) {
    }

    /** The sparse 64 GiB dump beside the 1 GiB fixture: opening must not grow with the address space. */
    record Scale(double openMs, double firstTopReadMs, double rangesMs, double referenceOpenMs) {
        static Scale measure(Path sparse, double referenceOpenMs) throws IOException {
            PhysicalReads top = new PhysicalReads(new long[] {SPARSE_ADDRESS_SPACE - PAGE});
            double open = median(OPENS, () -> {
                long t = System.nanoTime();
                top.open(List.of(sparse)).close();
                return (System.nanoTime() - t) / 1e6;
            });
            // The top page's descriptor index needs the prefix count of the whole bitmap.
            double firstRead = median(OPENS, () -> {
                try (DumpFile d = top.open(List.of(sparse))) {
                    long t = System.nanoTime();
                    top.pass(d);
                    return (System.nanoTime() - t) / 1e6;
                }
            });
            double ranges = median(OPENS, () -> {
                try (DumpFile d = top.open(List.of(sparse))) {
                    long t = System.nanoTime();
                    d.physicalRanges();
                    return (System.nanoTime() - t) / 1e6;
                }
            });
            return new Scale(open, firstRead, ranges, referenceOpenMs);
        }
    }

    /** The one table: ours, drgn's, and ours/drgn as speed ratios (above 1: kdump-bridge is faster). */
    static final class Table {
        static void print(List<Row> rows, int pages, String workload, Scale scale, String load) {
            System.out.printf(Locale.ROOT, "Dump layer: %d random 4 KiB physical reads (%s) per pass, the same pages for every"
                    + " dump and for drgn; open: median of %d; reads: best of %d cold and %d warm passes, each on a fresh"
                    + " open; decoding: best pass in 1 s.%n", pages, workload, OPENS, COLD_PASSES, WARM_PASSES);
            System.out.printf(Locale.ROOT, "%d CPUs, load average %s.%n", Runtime.getRuntime().availableProcessors(), load);
            System.out.println("ratio = kdump-bridge speed / drgn 0.0.31 speed (>1: kdump-bridge faster). decode/s: our"
                    + " decoder, codec/s: the library alone with its state reused, both on those stored pages in memory;"
                    + " warm% = warm reads/s as a share of codec/s.");
            String head = "%-21s %10s | %7s %7s %5s | %7s %7s %5s | %7s %7s %5s | %8s %8s %5s%n";
            System.out.printf(Locale.ROOT, head, "dump", "size", "open ms", "drgn", "ratio", "cold/s", "drgn", "ratio",
                    "warm/s", "drgn", "ratio", "decode/s", "codec/s", "warm%");
            for (Row r : rows) {
                DrgnResult d = r.drgn();
                System.out.printf(Locale.ROOT, head, r.id(), mib(r.bytes()),
                        f(r.openMs(), 2), f(d.openMs(), 2), f(d.openMs() / r.openMs(), 2),
                        f(r.cold(), 0), f(d.cold(), 0), f(r.cold() / d.cold(), 2),
                        f(r.warm(), 0), f(d.warm(), 0), f(r.warm() / d.warm(), 2),
                        f(r.decode(), 0), f(r.codec(), 0), f(100 * r.warm() / r.codec(), 0));
            }
            rows.stream().filter(r -> !r.drgn().note().isEmpty())
                    .forEach(r -> System.out.println("  " + r.id() + ": drgn: " + r.drgn().note()));
            System.out.printf(Locale.ROOT, "Scale: sparse kdump-compressed file, %d GiB of address space (bitmaps %s, %d"
                    + " pages): open %.2f ms (%s, 1 GiB: %.2f ms); first read of the top page %.2f ms; RAM ranges %.2f ms%n",
                    SPARSE_ADDRESS_SPACE >> 30, mib(2 * SPARSE_ADDRESS_SPACE / PAGE / 8), SPARSE_PRESENT, scale.openMs(),
                    SCALE_REFERENCE, scale.referenceOpenMs(), scale.firstTopReadMs(), scale.rangesMs());
        }

        static void printVirtual(List<VirtualRow> rows, int pages) {
            System.out.printf(Locale.ROOT, "%nMemory layer: the same %d pages read at their kernel-virtual addresses in the"
                    + " direct map (page-table walk included); best of %d cold and %d warm passes.%n", pages, COLD_PASSES,
                    WARM_PASSES);
            String head = "%-21s | %7s %7s %5s | %7s %7s %5s%n";
            System.out.printf(Locale.ROOT, head, "dump", "cold/s", "drgn", "ratio", "warm/s", "drgn", "ratio");
            for (VirtualRow r : rows) {
                DrgnResult d = r.drgn();
                System.out.printf(Locale.ROOT, head, r.id(), f(r.cold(), 0), f(d.cold(), 0), f(r.cold() / d.cold(), 2),
                        f(r.warm(), 0), f(d.warm(), 0), f(r.warm() / d.warm(), 2));
            }
            rows.stream().filter(r -> !r.drgn().note().isEmpty())
                    .forEach(r -> System.out.println("  " + r.id() + ": drgn: " + r.drgn().note()));
        }

        private static String f(double v, int decimals) {
            return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
        }

        private static String mib(long bytes) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
        }
    }
}
