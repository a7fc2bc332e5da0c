package dev.kdumpbridge.kernel.dwarf;

import java.io.IOException;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The attributes of a compile unit's root DIE that lead to its line table and name its source
 * file: where the table is ({@code DW_AT_stmt_list}), the directory relative paths start from
 * ({@code DW_AT_comp_dir}) and the primary source file ({@code DW_AT_name}). Reads the unit
 * header, its abbreviations and one DIE, never the unit's other DIEs.
 */
record CompileUnit(OptionalLong lineTableOffset, Optional<String> compDir, Optional<String> name) {
    private static final int DW_AT_NAME = 0x03;
    private static final int DW_AT_STMT_LIST = 0x10;
    private static final int DW_AT_COMP_DIR = 0x1b;

    /** The unit header at {@code offset} in {@code .debug_info}, versions 2 to 5, and its root DIE. */
    static CompileUnit read(DwarfSection info, DwarfSection abbrev, DwarfForm.Strings strings, long offset)
            throws IOException {
        UnitHeader header = UnitHeader.read(info, abbrev, offset);
        DwarfCursor c = info.cursor(header.firstDie(), header.end());
        long codeAt = c.position();
        long code = c.uleb();
        if (code == 0) {
            throw c.error(codeAt, "the unit's first DIE is a null entry");
        }
        DwarfForm.UnitFormat format = header.format();
        OptionalLong lineTableOffset = OptionalLong.empty();
        String compDir = null;
        String name = null;
        Abbreviations.Abbreviation root = Abbreviations.read(abbrev, header.abbrevOffset()).get(code, c, codeAt);
        for (int i = 0; i < root.attributes().length; i++) {
            int attribute = root.attributes()[i];
            int form = root.forms()[i];
            if (attribute == DW_AT_STMT_LIST) {
                lineTableOffset = OptionalLong.of(DwarfForm.unsigned(c, form, format));
            } else if (attribute == DW_AT_NAME && DwarfForm.isDirectString(form)) {
                name = DwarfForm.string(c, form, format, strings);
            } else if (attribute == DW_AT_COMP_DIR && DwarfForm.isDirectString(form)) {
                // Only DWARF 4 line tables need it (DWARF 5 repeats it as directory 0), and DWARF 4
                // has no indexed strings; those are stepped over.
                compDir = DwarfForm.string(c, form, format, strings);
            } else {
                DwarfForm.skip(c, form, format);
            }
        }
        return new CompileUnit(lineTableOffset, Optional.ofNullable(compDir), Optional.ofNullable(name));
    }

    /** The primary source file as the build named it: the name, under the compile directory if relative. */
    Optional<String> sourceFile() {
        return name.map(n -> n.startsWith("/") || compDir.isEmpty() ? n : compDir.get() + "/" + n);
    }
}
