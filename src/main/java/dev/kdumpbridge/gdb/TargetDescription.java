package dev.kdumpbridge.gdb;

import dev.kdumpbridge.target.Architecture;
import dev.kdumpbridge.target.RegisterLayout.Feature;
import dev.kdumpbridge.target.RegisterLayout.Field;
import dev.kdumpbridge.target.RegisterLayout.Flags;
import dev.kdumpbridge.target.RegisterLayout.Register;
import java.util.Locale;

/**
 * gdb's target description XML (gdb manual, "Target Descriptions"), made from the
 * architecture's register layout, one document with every feature inline. Registers carry
 * explicit {@code regnum}s so their numbers never depend on gdb's defaults.
 *
 * <p>The {@code generic} and {@code dwarf_regnum} attributes are LLDB's (lldbgdbremote.md,
 * "qXfer:features:read"); gdb ignores attributes it does not know.
 */
final class TargetDescription {

    /**
     * Every target is a Linux kernel. gdb configured for a Linux host would pick this OS ABI
     * anyway; saying it keeps gdb-multiarch on other hosts the same.
     */
    private static final String OSABI = "GNU/Linux";

    private TargetDescription() {
    }

    static String xml(Architecture architecture) {
        StringBuilder xml = new StringBuilder(8192)
            .append("<?xml version=\"1.0\"?>\n")
            .append("<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n")
            .append("<target version=\"1.0\">\n")
            .append("  <architecture>").append(Xml.escape(architecture.gdbName())).append("</architecture>\n")
            .append("  <osabi>").append(OSABI).append("</osabi>\n");
        for (Feature feature : architecture.registers().features()) {
            xml.append("  <feature name=\"").append(Xml.escape(feature.name())).append("\">\n");
            for (Flags flags : feature.flags()) {
                appendFlags(xml, flags);
            }
            for (Register r : feature.registers()) {
                appendRegister(xml, r);
            }
            xml.append("  </feature>\n");
        }
        return xml.append("</target>\n").toString();
    }

    private static void appendFlags(StringBuilder xml, Flags flags) {
        xml.append("    <flags id=\"").append(Xml.escape(flags.id()))
            .append("\" size=\"").append(flags.size()).append("\">\n");
        for (Field f : flags.fields()) {
            xml.append("      <field name=\"").append(Xml.escape(f.name()))
                .append("\" start=\"").append(f.start())
                .append("\" end=\"").append(f.end()).append("\"/>\n");
        }
        xml.append("    </flags>\n");
    }

    private static void appendRegister(StringBuilder xml, Register r) {
        xml.append("    <reg name=\"").append(Xml.escape(r.name()))
            .append("\" bitsize=\"").append(r.bitSize())
            .append("\" type=\"").append(Xml.escape(r.type()))
            .append("\" regnum=\"").append(r.number()).append('"');
        if (r.group() != null) {
            xml.append(" group=\"").append(Xml.escape(r.group())).append('"');
        }
        if (r.dwarfNumber() >= 0) {
            xml.append(" dwarf_regnum=\"").append(r.dwarfNumber()).append('"');
        }
        if (r.role() != null) {
            xml.append(" generic=\"").append(r.role().name().toLowerCase(Locale.ROOT)).append('"');
        }
        xml.append("/>\n");
    }
}
