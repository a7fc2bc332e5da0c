package dev.kdumpbridge.dump;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The VMCOREINFO text the crashed kernel left for its debuggers: {@code KEY=VALUE} lines
 * (reference 03). Values stay raw strings because their bases are not uniform; the accessors
 * apply the rules makedumpfile uses.
 */
public final class VmcoreInfo {
    private final String text;
    private final Map<String, String> entries;

    private VmcoreInfo(String text, Map<String, String> entries) {
        this.text = text;
        this.entries = entries;
    }

    /** Parses the note descriptor; NUL padding after the text is dropped. */
    public static VmcoreInfo parse(byte[] raw) {
        int len = raw.length;
        while (len > 0 && raw[len - 1] == 0) {
            len--;
        }
        String text = new String(raw, 0, len, StandardCharsets.ISO_8859_1);
        Map<String, String> entries = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                // The kernel writes each key once; should one repeat, the first wins, as in a
                // top-down search of the text.
                entries.putIfAbsent(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return new VmcoreInfo(text, Collections.unmodifiableMap(entries));
    }

    /** The whole text as stored. */
    public String text() {
        return text;
    }

    /** The first VMCOREINFO note's text, if there is one. */
    static Optional<VmcoreInfo> fromNotes(List<ElfNote> notes) {
        return notes.stream()
                .filter(n -> n.name().equals(ElfNote.VMCOREINFO))
                .findFirst()
                .map(n -> parse(n.descriptor()));
    }

    /** Every {@code KEY=VALUE} line in file order, values unparsed. */
    public Map<String, String> entries() {
        return entries;
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /**
     * A numeric value the way makedumpfile's {@code read_vmcoreinfo_long} reads it: decimal,
     * and if the whole value is not decimal, hexadecimal with or without {@code 0x}. Right for
     * {@code NUMBER()}, {@code OFFSET()}, {@code SIZE()}, {@code LENGTH()}, {@code PAGESIZE}.
     */
    public OptionalLong number(String key) {
        String value = entries.get(key);
        if (value == null) {
            return OptionalLong.empty();
        }
        String v = value.trim();
        try {
            return OptionalLong.of(Long.parseLong(v));
        } catch (NumberFormatException notDecimal) {
            return parseHex(v);
        }
    }

    /** A value that is always hexadecimal: {@code SYMBOL()}, {@code KERNELOFFSET}. */
    public OptionalLong hex(String key) {
        String value = entries.get(key);
        return value == null ? OptionalLong.empty() : parseHex(value.trim());
    }

    /** {@code SYMBOL(name)}: the runtime (already relocated) address of a kernel symbol. */
    public OptionalLong symbol(String name) {
        return hex("SYMBOL(" + name + ")");
    }

    private static OptionalLong parseHex(String v) {
        String digits = v.startsWith("0x") || v.startsWith("0X") ? v.substring(2) : v;
        try {
            return OptionalLong.of(Long.parseUnsignedLong(digits, 16));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public String toString() {
        return "VmcoreInfo[" + entries.size() + " entries]";
    }
}
