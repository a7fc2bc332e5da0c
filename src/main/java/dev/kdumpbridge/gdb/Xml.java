package dev.kdumpbridge.gdb;

/** Escaping for the XML documents served through qXfer. */
final class Xml {

    private Xml() {
    }

    /** Escapes markup; control characters, which XML 1.0 does not allow at all, become '?'. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                default -> sb.append(c < 0x20 && c != '\t' && c != '\n' ? '?' : c);
            }
        }
        return sb.toString();
    }
}
