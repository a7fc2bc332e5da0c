package dev.kdumpbridge.kernel.dwarf;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** One abbreviation table of {@code .debug_abbrev}: what each DIE code stands for. */
final class Abbreviations {

    /**
     * One entry: the DIE's tag, whether children follow it, and its attributes with their forms
     * ({@code implicitConsts[i]} holds the value of a {@code DW_FORM_implicit_const} attribute).
     */
    record Abbreviation(int tag, boolean hasChildren, int[] attributes, int[] forms, long[] implicitConsts) {
    }

    private final Map<Long, Abbreviation> byCode;
    private final DwarfSection section;
    private final long offset;

    private Abbreviations(Map<Long, Abbreviation> byCode, DwarfSection section, long offset) {
        this.byCode = byCode;
        this.section = section;
        this.offset = offset;
    }

    /** The table at {@code offset}, read up to its terminating zero code. */
    static Abbreviations read(DwarfSection abbrev, long offset) throws IOException {
        DwarfCursor c = abbrev.cursor(offset, abbrev.size());
        Map<Long, Abbreviation> byCode = new HashMap<>();
        while (true) {
            long code = c.uleb();
            if (code == 0) {
                return new Abbreviations(byCode, abbrev, offset);
            }
            int tag = c.ulebIndex("tag");
            boolean children = c.u8() != 0;
            int[] attributes = new int[8];
            int[] forms = new int[8];
            long[] consts = new long[8];
            int count = 0;
            while (true) {
                int attribute = c.ulebIndex("attribute");
                int form = c.ulebIndex("form");
                if (attribute == 0 && form == 0) {
                    break;
                }
                if (count == attributes.length) {
                    attributes = Arrays.copyOf(attributes, count * 2);
                    forms = Arrays.copyOf(forms, count * 2);
                    consts = Arrays.copyOf(consts, count * 2);
                }
                attributes[count] = attribute;
                forms[count] = form;
                consts[count] = form == DwarfForm.IMPLICIT_CONST ? c.sleb() : 0;
                count++;
            }
            byCode.put(code, new Abbreviation(tag, children, Arrays.copyOf(attributes, count),
                    Arrays.copyOf(forms, count), Arrays.copyOf(consts, count)));
        }
    }

    /**
     * The abbreviation of a DIE whose code was read at {@code codeAt} by {@code die}.
     *
     * @throws DwarfFormatException when the table has no such code
     */
    Abbreviation get(long code, DwarfCursor die, long codeAt) throws DwarfFormatException {
        Abbreviation a = byCode.get(code);
        if (a == null) {
            throw die.error(codeAt, "abbreviation " + Long.toUnsignedString(code) + " is not in the table at "
                    + section.name() + " offset 0x" + Long.toHexString(offset));
        }
        return a;
    }
}
