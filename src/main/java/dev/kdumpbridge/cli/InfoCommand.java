package dev.kdumpbridge.cli;

import dev.kdumpbridge.arch.Paging;
import dev.kdumpbridge.dump.Compression;
import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.DumpInfo;
import dev.kdumpbridge.dump.KdumpHeader;
import dev.kdumpbridge.dump.PhysRange;
import dev.kdumpbridge.dump.VmcoreInfo;
import dev.kdumpbridge.kernel.Kernel;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.kernel.printk.PanicMessage;
import dev.kdumpbridge.kernel.printk.PrintkLog;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.memory.PageCensus;
import dev.kdumpbridge.memory.TranslationUnavailableException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "info",
    description = {
        "Print what the dump says about the crash.",
        "The lines of crash's sys that the dump answers (release, version, machine, CPUs, date),"
            + " then the dump itself: format, compression, dump level, which pages makedumpfile"
            + " left out, and how the kernel mapped its memory (KASLR offset, phys_base, page"
            + " tables, region bases)."})
final class InfoCommand implements Callable<Integer> {
    /** {@code struct new_utsname}: six strings of __NEW_UTS_LEN + 1 bytes (include/uapi/linux/utsname.h). */
    private static final int UTS_FIELD = 65;
    private static final int UTS_FIELDS = 6;
    /**
     * Most pages counted for the page statistics: 8 GiB of RAM. A kdump-compressed file answers
     * 50 000 to 200 000 page probes a second (bitmap bytes and a descriptor each), so counting
     * takes up to tens of seconds here; beyond, info says the pages were not counted. Counting
     * bitmap bits in the dump layer would make this limit unnecessary.
     */
    private static final long MAX_COUNTED_PAGES = 1L << 21;
    /** ctime's layout, as crash prints DATE. */
    private static final DateTimeFormatter DATE =
        DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss 'UTC' yyyy", Locale.ROOT).withZone(ZoneOffset.UTC);
    /** makedumpfile's dump level bits, lowest first (makedumpfile(8), -d). */
    private static final List<String> LEVEL_BITS = List.of("zero", "cache", "cache private", "user", "free");

    @Spec
    CommandSpec spec;

    @Mixin
    DumpFiles dump;

    @Mixin
    VmlinuxOption vmlinux;

    /** Label and value lines, labels right-aligned in crash's 12 columns. */
    private final Rows lines = new Rows();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (DumpSession session = DumpSession.open(dump.files, vmlinux.vmlinux)) {
            DumpFile file = session.dump();
            DumpInfo info = file.info();
            Optional<VmcoreInfo> vmcoreInfo = file.vmcoreInfo();
            Optional<PageCensus> census = PageCensus.count(file, MAX_COUNTED_PAGES);
            Paging paging = null;
            String untranslatable = null;
            try {
                paging = session.paging();
            } catch (TranslationUnavailableException e) {
                untranslatable = e.getMessage();
            }
            out.print(systemSection(session, census));

            out.println();
            add("FORMAT", info.formatName());
            add("COMPRESSION", info.compressions().isEmpty() ? "none"
                : info.compressions().stream().map(Compression::name).map(n -> n.toLowerCase(Locale.ROOT))
                    .sorted().collect(Collectors.joining(", ")));
            info.dumpLevel().ifPresent(level -> add("DUMP LEVEL", dumpLevel(level)));
            add("PAGES", census.map(InfoCommand::pages).orElse("(not counted: more than "
                + MAX_COUNTED_PAGES + " pages, or the page size is unknown)"));
            add("INCOMPLETE", info.incomplete() ? "yes: the dump was cut short; missing pages read as errors" : "no");
            vmcoreInfo.flatMap(v -> v.get("BUILD-ID")).ifPresent(id -> add("BUILD-ID", id));
            add("KASLR OFFSET", session.kernelOffset().isPresent() ? hex(session.kernelOffset().getAsLong()) : "(unknown)");
            if (paging != null) {
                paging.facts().forEach(this::add);
            } else {
                add("PAGE TABLES", "(" + untranslatable + ")");
            }
            List<String> warnings = session.warnings();
            if (!warnings.isEmpty()) {
                add("WARNINGS", String.join("\n", warnings));
            }
            print(out);
            return Main.EXIT_OK;
        } catch (IOException e) {
            err.println("kdump-bridge info: " + e.getMessage());
            return Main.EXIT_INPUT_ERROR;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private void add(String label, String value) {
        lines.add(label, value);
    }

    private void print(PrintWriter out) {
        out.print(lines);
        lines.clear();
    }

    /** Label and value lines in crash's layout: "%12s: value", continuation lines under the value. */
    private static final class Rows {
        private final List<String[]> rows = new ArrayList<>();

        void add(String label, String value) {
            rows.add(new String[] {label, value});
        }

        void clear() {
            rows.clear();
        }

        @Override
        public String toString() {
            StringBuilder text = new StringBuilder();
            for (String[] row : rows) {
                String[] values = row[1].split("\n");
                text.append(String.format("%12s: %s%n", row[0], values[0]));
                for (int i = 1; i < values.length; i++) {
                    text.append(String.format("%12s  %s%n", "", values[i]));
                }
            }
            return text.toString();
        }
    }

    /**
     * What crash's {@code sys} shows, in its order and layout: the kernel, the dump, CPUs, date,
     * tasks, uts name, memory and the panic message. Also gdb's {@code monitor sys}.
     */
    static String systemSection(DumpSession session, Optional<PageCensus> census) throws IOException {
        DumpFile file = session.dump();
        DumpInfo info = file.info();
        Optional<VmcoreInfo> vmcoreInfo = file.vmcoreInfo();
        Optional<KernelMemory> memory;
        try {
            memory = Optional.of(session.paging().memory());
        } catch (TranslationUnavailableException e) {
            memory = Optional.empty();
        }
        Rows rows = new Rows();
        rows.add("KERNEL", session.vmlinux().map(v -> v.path().toString())
            .orElse("(none: symbols from the dump's kallsyms)"));
        boolean partial = info.dumpLevel().orElse(0) > 0 || census.map(c -> c.excluded() > 0).orElse(false);
        // Spaced as crash spaces it, so the two compare line by line.
        String mark = !partial ? "" : info.files().size() == 1 ? "  [PARTIAL DUMP]" : " [PARTIAL DUMP]";
        rows.add(info.files().size() == 1 ? "DUMPFILE" : "DUMPFILES",
            info.files().stream().map(p -> p + mark).collect(Collectors.joining("\n")));
        rows.add("CPUS", cpus(session, memory));
        rows.add("DATE", date(vmcoreInfo, info));
        Optional<Kernel> kernel = kernel(session);
        rows.add("UPTIME", kernel.map(k -> uptime(k.uptimeNanos()))
            .orElse("(unknown: the kernel's symbols or types are missing; see WARNINGS)"));
        rows.add("TASKS", tasks(kernel));
        String[] uts = utsname(session, vmcoreInfo, memory, info);
        rows.add("NODENAME", uts[1]);
        rows.add("RELEASE", uts[2]);
        rows.add("VERSION", uts[3]);
        rows.add("MACHINE", uts[4].isEmpty() ? info.machine() : uts[4]);
        rows.add("MEMORY", memory(file));
        rows.add("PANIC", panic(vmcoreInfo, memory));
        return rows.toString();
    }

    private static Optional<Kernel> kernel(DumpSession session) throws IOException {
        try {
            return session.kernel();
        } catch (TranslationUnavailableException e) {
            return Optional.empty();
        }
    }

    /** crash counts every task it lists, idle tasks included. */
    private static String tasks(Optional<Kernel> kernel) throws IOException {
        if (kernel.isEmpty()) {
            return "(unknown: the kernel's symbols or types are missing; see WARNINGS)";
        }
        try {
            return Integer.toString(kernel.get().tasks().size());
        } catch (KernelDataException e) {
            return "(unknown: " + e.getMessage() + ")";
        }
    }

    /** crash's layout: HH:MM:SS, with "N days, " in front past a day. */
    static String uptime(long nanos) {
        long seconds = nanos / 1_000_000_000L;
        long days = seconds / 86_400;
        String clock = String.format("%02d:%02d:%02d", seconds / 3600 % 24, seconds / 60 % 60, seconds % 60);
        return days > 0 ? days + " days, " + clock : clock;
    }

    /** The kernel's own count when a symbol table says where it is; else the CPUs that saved registers. */
    private static String cpus(DumpSession session, Optional<KernelMemory> memory) throws IOException {
        OptionalLong online = session.symbol("__num_online_cpus");
        if (online.isPresent() && memory.isPresent()) {
            try {
                return Integer.toString(memory.get().readInt(online.getAsLong()));
            } catch (AddressFault | IOException e) {
                // fall back to the notes
            }
        }
        int notes = session.dump().prstatus().size();
        return notes + " (CPUs that saved registers)";
    }

    private static String date(Optional<VmcoreInfo> vmcoreInfo, DumpInfo info) {
        OptionalLong crashTime = vmcoreInfo.map(v -> v.number("CRASHTIME")).orElse(OptionalLong.empty());
        if (crashTime.isPresent()) {
            return DATE.format(Instant.ofEpochSecond(crashTime.getAsLong()));
        }
        long stamp = info.kdumpHeaders().isEmpty() ? 0 : info.kdumpHeaders().get(0).timestampSeconds();
        return stamp != 0 ? DATE.format(Instant.ofEpochSecond(stamp)) + " (when the dump was written)"
            : "(unknown: no CRASHTIME in the dump)";
    }

    /**
     * {@code init_uts_ns.name} read from memory (what {@code uname} said), else the copy in the
     * kdump header, else VMCOREINFO's OSRELEASE.
     */
    private static String[] utsname(DumpSession session, Optional<VmcoreInfo> vmcoreInfo,
            Optional<KernelMemory> memory, DumpInfo info) throws IOException {
        OptionalLong namespace = session.symbol("init_uts_ns");
        OptionalLong offset = vmcoreInfo.map(v -> v.number("OFFSET(uts_namespace.name)")).orElse(OptionalLong.empty());
        if (namespace.isPresent() && offset.isPresent() && memory.isPresent()) {
            try {
                byte[] raw = memory.get().read(namespace.getAsLong() + offset.getAsLong(), UTS_FIELD * UTS_FIELDS);
                String[] fields = new String[UTS_FIELDS];
                for (int i = 0; i < UTS_FIELDS; i++) {
                    fields[i] = cString(raw, i * UTS_FIELD, UTS_FIELD);
                }
                return fields;
            } catch (AddressFault | IOException e) {
                // fall back to the header
            }
        }
        if (!info.kdumpHeaders().isEmpty() && !info.kdumpHeaders().get(0).utsname().release().isEmpty()) {
            KdumpHeader.Utsname u = info.kdumpHeaders().get(0).utsname();
            return new String[] {u.sysname(), u.nodename(), u.release(), u.version(), u.machine(), u.domainname()};
        }
        String release = vmcoreInfo.flatMap(v -> v.get("OSRELEASE")).orElse("(unknown)");
        return new String[] {"", "(unknown)", release, "(unknown)", "", ""};
    }

    /**
     * crash's PANIC line: the message its get_panicmsg finds in the kernel log, quoted, with
     * crash's hint after an Oops. A dump without CRASHTIME was not written by a crashing kernel
     * (a QEMU snapshot, for one), so no message there is no surprise.
     */
    private static String panic(Optional<VmcoreInfo> vmcoreInfo, Optional<KernelMemory> memory) {
        if (vmcoreInfo.isEmpty() || memory.isEmpty()) {
            return "(unknown: the kernel log needs VMCOREINFO and the kernel's page tables)";
        }
        try {
            Optional<String> message = PanicMessage.find(PrintkLog.read(memory.get(), vmcoreInfo.get()).records());
            if (message.isPresent()) {
                return "\"" + message.get() + "\"" + (message.get().contains("Oops: ") ? " (check log for details)" : "");
            }
            return vmcoreInfo.get().get("CRASHTIME").isPresent() ? "(none found in the kernel log)"
                : "(none: no CRASHTIME, so a snapshot of a running kernel, not a crash)";
        } catch (KernelDataException | AddressFault | IOException e) {
            return "(unknown: the kernel log cannot be read: " + e.getMessage() + ")";
        }
    }

    private static String cString(byte[] bytes, int off, int max) {
        int end = off;
        while (end < off + max && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, off, end - off, StandardCharsets.UTF_8);
    }

    private static String memory(DumpFile file) throws IOException {
        List<PhysRange> ranges = file.physicalRanges();
        long bytes = ranges.stream().mapToLong(PhysRange::size).sum();
        return String.format(Locale.ROOT, "%s of RAM in %d range%s (what the dump describes)", human(bytes),
            ranges.size(), ranges.size() == 1 ? "" : "s");
    }

    private static String dumpLevel(int level) {
        List<String> excluded = new ArrayList<>();
        for (int bit = 0; bit < LEVEL_BITS.size(); bit++) {
            if ((level & 1 << bit) != 0) {
                excluded.add(LEVEL_BITS.get(bit));
            }
        }
        return level + (excluded.isEmpty() ? " (nothing excluded)" : " (excluded: " + String.join(", ", excluded) + " pages)");
    }

    private static String pages(PageCensus c) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%d of RAM (%s pages): %d stored, %d excluded",
            c.ramPages(), human(c.pageSize()), c.stored(), c.excluded()));
        if (c.truncated() > 0) {
            s.append(", ").append(c.truncated()).append(" missing from the incomplete dump");
        }
        if (c.other() > 0) {
            s.append(", ").append(c.other()).append(" not in the dump");
        }
        return s.toString();
    }

    private static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }

    /** "1023.9 MiB": what people compare with the machine's RAM. */
    private static String human(long bytes) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " bytes"
            : String.format(Locale.ROOT, value == Math.floor(value) ? "%.0f %s" : "%.1f %s", value, units[unit]);
    }
}
