package dev.kdumpbridge.kernel.dwarf;

import dev.kdumpbridge.kernel.ElfSection;
import dev.kdumpbridge.kernel.Vmlinux;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Address to source file and line, from a debug vmlinux's DWARF, read lazily: the first lookup
 * reads {@code .debug_aranges} (160 KB) to find compile units by address, and each lookup then
 * reads only its unit's header, root DIE and line table, which stay cached. Nothing of the
 * 590 MB of DWARF is read up front. Safe for concurrent use.
 */
public final class SourceLines {
    /**
     * Line tables kept. All 2 172 units of Debian's 6.1 kernel take 102 MB on the heap, 48 KB a
     * unit (SourceLinesIT), so this bounds the cache near 12 MB; a backtrace touches a few dozen
     * units, and reading a unit again costs about half a millisecond.
     */
    private static final int CACHED_UNITS = 256;

    private final DwarfSection debugAranges;
    private final DwarfSection debugInfo;
    private final DwarfSection debugAbbrev;
    private final DwarfSection debugLine;
    private final DwarfForm.Strings strings;
    private volatile AddressRanges units;
    private final Map<Long, LineTable> tables = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, LineTable> eldest) {
            return size() > CACHED_UNITS;
        }
    };

    SourceLines(DwarfSection debugAranges, DwarfSection debugInfo, DwarfSection debugAbbrev, DwarfSection debugLine,
            DwarfForm.Strings strings) {
        this.debugAranges = debugAranges;
        this.debugInfo = debugInfo;
        this.debugAbbrev = debugAbbrev;
        this.debugLine = debugLine;
        this.strings = strings;
    }

    /**
     * Empty when the image has no {@code .debug_line} (a stripped or non-debug vmlinux), or no
     * {@code .debug_aranges} to find units by (clang leaves it out unless given
     * {@code -gdwarf-aranges}). Cheap: reads no DWARF yet.
     */
    public static Optional<SourceLines> of(Vmlinux vmlinux) throws IOException {
        Optional<DwarfSection> line = section(vmlinux, ".debug_line");
        Optional<DwarfSection> aranges = section(vmlinux, ".debug_aranges");
        Optional<DwarfSection> info = section(vmlinux, ".debug_info");
        Optional<DwarfSection> abbrev = section(vmlinux, ".debug_abbrev");
        if (line.isEmpty() || aranges.isEmpty() || info.isEmpty() || abbrev.isEmpty()) {
            return Optional.empty();
        }
        DwarfForm.Strings strings = new DwarfForm.Strings(section(vmlinux, ".debug_str").orElse(null),
                section(vmlinux, ".debug_line_str").orElse(null));
        return Optional.of(new SourceLines(aranges.get(), info.get(), abbrev.get(), line.get(), strings));
    }

    static Optional<DwarfSection> section(Vmlinux vmlinux, String name) {
        return vmlinux.section(name).filter(ElfSection::hasFileBytes)
                .map(s -> new DwarfSection(vmlinux.path().toString(), name, s.size(), vmlinux.byteOrder(),
                        (offset, length) -> vmlinux.readSection(s, offset, length)));
    }

    /**
     * The line of the instruction at a link-time address (callers subtract KASLR), empty if no
     * line table covers it.
     *
     * @throws DwarfFormatException when the DWARF on the way is damaged
     */
    public Optional<SourceLine> at(long linkAddress) throws IOException {
        long unitOffset = units().find(linkAddress);
        return unitOffset < 0 ? Optional.empty() : table(unitOffset).lookup(linkAddress);
    }

    private AddressRanges units() throws IOException {
        AddressRanges read = units;
        if (read == null) {
            synchronized (this) {
                read = units;
                if (read == null) {
                    read = Aranges.read(debugAranges);
                    units = read;
                }
            }
        }
        return read;
    }

    /**
     * Every compile unit's primary source file, as the build named it, in unit order and without
     * repeats: the kernel's C and assembly files. Reads each unit's header and root DIE (about
     * 2,000 for a distribution kernel).
     *
     * @throws DwarfFormatException when the DWARF on the way is damaged
     */
    public List<String> sourceFiles() throws IOException {
        Set<String> files = new LinkedHashSet<>();
        long offset = 0;
        while (offset < debugInfo.size()) {
            UnitHeader header = UnitHeader.read(debugInfo, debugAbbrev, offset);
            CompileUnit.read(debugInfo, debugAbbrev, strings, offset).sourceFile().ifPresent(files::add);
            offset = header.end();
        }
        return List.copyOf(files);
    }

    /** The unit's line table, from the cache or read now; two threads may both read it once. */
    LineTable table(long unitOffset) throws IOException {
        synchronized (tables) {
            LineTable cached = tables.get(unitOffset);
            if (cached != null) {
                return cached;
            }
        }
        CompileUnit unit = CompileUnit.read(debugInfo, debugAbbrev, strings, unitOffset);
        LineTable table = unit.lineTableOffset().isPresent()
                ? LineTable.read(debugLine, unit.lineTableOffset().getAsLong(), unit.compDir(), strings)
                : LineTable.EMPTY;
        synchronized (tables) {
            tables.put(unitOffset, table);
        }
        return table;
    }
}
