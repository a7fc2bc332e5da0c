package dev.kdumpbridge.kernel.dwarf;

import dev.kdumpbridge.kernel.Vmlinux;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The declared types of a debug vmlinux's global variables ({@code jiffies},
 * {@code init_task}), which BTF does not record: it has types, and variables only per CPU.
 *
 * <p>The first lookup indexes every compile unit's top-level {@code DW_TAG_variable} DIEs,
 * stepping over functions and types by their {@code DW_AT_sibling}, so it reads the DIE headers
 * but not the bodies of 160 MB of {@code .debug_info}; each lookup then reads a few type DIEs.
 * A definition wins over a declaration, whose array length may be missing. Safe for concurrent
 * use.
 */
public final class GlobalVariables {
    private static final int DW_TAG_ARRAY_TYPE = 0x01;
    private static final int DW_TAG_ENUMERATION_TYPE = 0x04;
    private static final int DW_TAG_POINTER_TYPE = 0x0f;
    private static final int DW_TAG_STRUCTURE_TYPE = 0x13;
    private static final int DW_TAG_SUBROUTINE_TYPE = 0x15;
    private static final int DW_TAG_TYPEDEF = 0x16;
    private static final int DW_TAG_UNION_TYPE = 0x17;
    private static final int DW_TAG_SUBRANGE_TYPE = 0x21;
    private static final int DW_TAG_BASE_TYPE = 0x24;
    private static final int DW_TAG_CONST_TYPE = 0x26;
    private static final int DW_TAG_VARIABLE = 0x34;
    private static final int DW_TAG_VOLATILE_TYPE = 0x35;
    private static final int DW_TAG_RESTRICT_TYPE = 0x37;
    private static final int DW_TAG_ATOMIC_TYPE = 0x47;
    private static final int DW_AT_SIBLING = 0x01;
    private static final int DW_AT_NAME = 0x03;
    private static final int DW_AT_UPPER_BOUND = 0x2f;
    private static final int DW_AT_COUNT = 0x37;
    private static final int DW_AT_DECLARATION = 0x3c;
    private static final int DW_AT_SPECIFICATION = 0x47;
    private static final int DW_AT_TYPE = 0x49;
    /** Type DIEs followed for one variable: pointers to pointers to arrays of typedefs stay far below. */
    private static final int MAX_TYPE_DEPTH = 32;
    /** DIE nesting stepped through where a DIE has children but no sibling link. */
    private static final int MAX_DIE_DEPTH = 256;

    private final DwarfSection info;
    private final DwarfSection abbrev;
    private final DwarfForm.Strings strings;
    private volatile Index index;

    /** Where one variable's type is: the type DIE and its unit. */
    private record Entry(int unit, long type, boolean declaration) {
    }

    private record Index(Map<String, Entry> variables, List<UnitHeader> units, Map<Long, Abbreviations> tables) {
    }

    /** What {@link #readDie} keeps of a DIE: the attributes this class uses, -1 where absent. */
    private record Die(int tag, boolean hasChildren, String name, long type, long sibling, long specification,
            boolean declaration, long bound, long count) {
    }

    private GlobalVariables(DwarfSection info, DwarfSection abbrev, DwarfForm.Strings strings) {
        this.info = info;
        this.abbrev = abbrev;
        this.strings = strings;
    }

    /** Empty when the image has no {@code .debug_info}. Cheap: reads no DWARF yet. */
    public static Optional<GlobalVariables> of(Vmlinux vmlinux) {
        Optional<DwarfSection> infoSection = SourceLines.section(vmlinux, ".debug_info");
        Optional<DwarfSection> abbrevSection = SourceLines.section(vmlinux, ".debug_abbrev");
        if (infoSection.isEmpty() || abbrevSection.isEmpty()) {
            return Optional.empty();
        }
        DwarfForm.Strings strings = new DwarfForm.Strings(SourceLines.section(vmlinux, ".debug_str").orElse(null),
                SourceLines.section(vmlinux, ".debug_line_str").orElse(null));
        return Optional.of(new GlobalVariables(infoSection.get(), abbrevSection.get(), strings));
    }

    /**
     * The declared type of the global variable {@code name}, empty if no unit declares one.
     *
     * @throws DwarfFormatException when the DWARF on the way is damaged
     */
    public Optional<DeclaredType> typeOf(String name) throws IOException {
        Index built = index();
        Entry entry = built.variables().get(name);
        if (entry == null) {
            return Optional.empty();
        }
        return Optional.of(describe(built, built.units().get(entry.unit()), entry.type(), 0));
    }

    /** How many variables the index holds (building it if needed), for logs and tests. */
    public int size() throws IOException {
        return index().variables().size();
    }

    private Index index() throws IOException {
        Index built = index;
        if (built == null) {
            synchronized (this) {
                built = index;
                if (built == null) {
                    built = buildIndex();
                    index = built;
                }
            }
        }
        return built;
    }

    private Index buildIndex() throws IOException {
        Map<String, Entry> variables = new HashMap<>();
        List<UnitHeader> units = new ArrayList<>();
        Map<Long, Abbreviations> tables = new HashMap<>();
        Index built = new Index(variables, units, tables);
        long offset = 0;
        while (offset < info.size()) {
            UnitHeader unit = UnitHeader.read(info, abbrev, offset);
            units.add(unit);
            indexUnit(built, unit, units.size() - 1);
            offset = unit.end();
        }
        return built;
    }

    private void indexUnit(Index built, UnitHeader unit, int unitIndex) throws IOException {
        DwarfCursor c = info.cursor(unit.firstDie(), unit.end());
        Die root = readDie(built, unit, c);
        if (root == null || !root.hasChildren()) {
            return;
        }
        while (c.hasRemaining()) {
            Die die = readDie(built, unit, c, true);
            if (die == null) {
                return;
            }
            if (die.tag() == DW_TAG_VARIABLE && die.type() >= 0) {
                String name = die.name();
                if (name == null && die.specification() >= 0) {
                    name = readDieAt(built, unit, die.specification()).name();
                }
                if (name != null) {
                    Entry entry = new Entry(unitIndex, die.type(), die.declaration());
                    built.variables().merge(name, entry, (old, now) -> old.declaration() && !now.declaration() ? now : old);
                }
            }
            if (die.hasChildren()) {
                if (die.sibling() > c.position()) {
                    c.seek(die.sibling());
                } else {
                    skipChildren(built, unit, c);
                }
            }
        }
    }

    /** Steps over the children of the DIE just read, down to the null entry that ends them. */
    private void skipChildren(Index built, UnitHeader unit, DwarfCursor c) throws IOException {
        int depth = 1;
        while (depth > 0) {
            long at = c.position();
            Die die = readDie(built, unit, c, true);
            if (die == null) {
                depth--;
            } else if (die.hasChildren()) {
                if (die.sibling() > c.position()) {
                    c.seek(die.sibling());
                } else if (++depth > MAX_DIE_DEPTH) {
                    throw c.error(at, "DIEs nest more than " + MAX_DIE_DEPTH + " deep");
                }
            }
        }
    }

    /** The DIE at {@code offset}, which usually lies in {@code unit} but may be in another. */
    private Die readDieAt(Index built, UnitHeader unit, long offset) throws IOException {
        UnitHeader owner = owner(built, unit, offset);
        Die die = readDie(built, owner, info.cursor(offset, owner.end()));
        if (die == null) {
            throw info.cursor(0, info.size()).error(offset, "a reference to a null entry");
        }
        return die;
    }

    /** The unit holding {@code offset}: {@code unit} itself, as references mostly stay inside one. */
    private UnitHeader owner(Index built, UnitHeader unit, long offset) throws DwarfFormatException, IOException {
        if (offset >= unit.firstDie() && offset < unit.end()) {
            return unit;
        }
        UnitHeader found = unitOf(built, offset);
        if (found == null) {
            throw info.cursor(0, info.size()).error(offset, "a reference to 0x" + Long.toHexString(offset)
                    + ", which lies in no unit");
        }
        return found;
    }

    private static UnitHeader unitOf(Index built, long offset) {
        List<UnitHeader> units = built.units();
        int low = 0;
        int high = units.size() - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            UnitHeader u = units.get(mid);
            if (offset < u.firstDie()) {
                high = mid - 1;
            } else if (offset >= u.end()) {
                low = mid + 1;
            } else {
                return u;
            }
        }
        return null;
    }

    private Die readDie(Index built, UnitHeader unit, DwarfCursor c) throws IOException {
        return readDie(built, unit, c, false);
    }

    /**
     * The DIE at the cursor, which moves past its attributes; null for a null entry. While
     * {@code scanning}, only variables get their names read.
     */
    private Die readDie(Index built, UnitHeader unit, DwarfCursor c, boolean scanning) throws IOException {
        long codeAt = c.position();
        long code = c.uleb();
        if (code == 0) {
            return null;
        }
        Abbreviations table = built.tables().get(unit.abbrevOffset());
        if (table == null) {
            table = Abbreviations.read(abbrev, unit.abbrevOffset());
            built.tables().put(unit.abbrevOffset(), table);
        }
        Abbreviations.Abbreviation a = table.get(code, c, codeAt);
        DwarfForm.UnitFormat format = unit.format();
        String name = null;
        long type = -1;
        long sibling = -1;
        long specification = -1;
        boolean declaration = false;
        long bound = -1;
        long count = -1;
        // The index scan reads names of variables only: most top-level DIEs are functions and types.
        boolean wantName = !scanning || a.tag() == DW_TAG_VARIABLE;
        for (int i = 0; i < a.attributes().length; i++) {
            int form = a.forms()[i];
            switch (a.attributes()[i]) {
                case DW_AT_SIBLING -> sibling = DwarfForm.reference(c, form, format, unit.offset());
                case DW_AT_TYPE -> type = DwarfForm.reference(c, form, format, unit.offset());
                case DW_AT_SPECIFICATION -> specification = DwarfForm.reference(c, form, format, unit.offset());
                case DW_AT_NAME -> {
                    if (wantName && DwarfForm.isDirectString(form)) {
                        name = DwarfForm.string(c, form, format, strings);
                    } else {
                        DwarfForm.skip(c, form, format);
                    }
                }
                case DW_AT_DECLARATION -> declaration = switch (form) {
                    case DwarfForm.FLAG_PRESENT -> true;
                    case DwarfForm.IMPLICIT_CONST -> a.implicitConsts()[i] != 0;
                    default -> c.u8() != 0;
                };
                case DW_AT_UPPER_BOUND -> bound = constant(c, a, i, format);
                case DW_AT_COUNT -> count = constant(c, a, i, format);
                default -> DwarfForm.skip(c, form, format);
            }
        }
        return new Die(a.tag(), a.hasChildren(), name, type, sibling, specification, declaration, bound, count);
    }

    private static long constant(DwarfCursor c, Abbreviations.Abbreviation a, int i, DwarfForm.UnitFormat format)
            throws IOException {
        int form = a.forms()[i];
        if (form == DwarfForm.IMPLICIT_CONST) {
            return a.implicitConsts()[i];
        }
        if (form == DwarfForm.SDATA) {
            return c.sleb();
        }
        if (form == DwarfForm.DATA1 || form == DwarfForm.DATA2 || form == DwarfForm.DATA4
                || form == DwarfForm.DATA8 || form == DwarfForm.UDATA) {
            return DwarfForm.unsigned(c, form, format);
        }
        // A bound computed at run time (an expression or a variable): the length is unknown.
        DwarfForm.skip(c, form, format);
        return -1;
    }

    private DeclaredType describe(Index built, UnitHeader unit, long offset, int depth) throws IOException {
        if (offset < 0) {
            return new DeclaredType.Opaque("a type in another file");
        }
        if (depth > MAX_TYPE_DEPTH) {
            throw info.cursor(0, info.size()).error(offset, "types nest more than " + MAX_TYPE_DEPTH + " deep");
        }
        UnitHeader owner = owner(built, unit, offset);
        Die die = readDieAt(built, owner, offset);
        return switch (die.tag()) {
            case DW_TAG_BASE_TYPE, DW_TAG_TYPEDEF -> named(DeclaredType.Tag.NONE, die);
            case DW_TAG_STRUCTURE_TYPE -> named(DeclaredType.Tag.STRUCT, die);
            case DW_TAG_UNION_TYPE -> named(DeclaredType.Tag.UNION, die);
            case DW_TAG_ENUMERATION_TYPE -> named(DeclaredType.Tag.ENUM, die);
            case DW_TAG_CONST_TYPE, DW_TAG_VOLATILE_TYPE, DW_TAG_RESTRICT_TYPE, DW_TAG_ATOMIC_TYPE ->
                die.type() < 0 ? new DeclaredType.Void() : describe(built, owner, die.type(), depth + 1);
            case DW_TAG_POINTER_TYPE -> new DeclaredType.Pointer(
                die.type() < 0 ? new DeclaredType.Void() : describe(built, owner, die.type(), depth + 1));
            case DW_TAG_ARRAY_TYPE -> array(built, owner, offset, die, depth);
            case DW_TAG_SUBROUTINE_TYPE -> new DeclaredType.Opaque("a function");
            default -> new DeclaredType.Opaque("DWARF tag 0x" + Integer.toHexString(die.tag()));
        };
    }

    private static DeclaredType named(DeclaredType.Tag tag, Die die) {
        return die.name() == null ? new DeclaredType.Opaque("an anonymous " + tag.prefix().trim())
                : new DeclaredType.Named(tag, die.name());
    }

    /** An array DIE's subranges, outermost first, become nested arrays. */
    private DeclaredType array(Index built, UnitHeader unit, long offset, Die die, int depth) throws IOException {
        DeclaredType element = describe(built, unit, die.type(), depth + 1);
        List<Long> lengths = new ArrayList<>();
        if (die.hasChildren()) {
            DwarfCursor c = info.cursor(offset, unit.end());
            readDie(built, unit, c);
            for (int i = 0; i < MAX_TYPE_DEPTH; i++) {
                Die child = readDie(built, unit, c);
                if (child == null) {
                    break;
                }
                if (child.tag() == DW_TAG_SUBRANGE_TYPE) {
                    lengths.add(child.count() >= 0 ? child.count() : child.bound() >= 0 ? child.bound() + 1 : -1);
                }
                if (child.hasChildren()) {
                    skipChildren(built, unit, c);
                }
            }
        }
        if (lengths.isEmpty()) {
            lengths.add(-1L);
        }
        DeclaredType type = element;
        long[] reversed = lengths.stream().mapToLong(Long::longValue).toArray();
        for (int i = reversed.length - 1; i >= 0; i--) {
            type = new DeclaredType.Array(type, reversed[i]);
        }
        return type;
    }
}
