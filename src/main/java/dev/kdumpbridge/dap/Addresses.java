package dev.kdumpbridge.dap;

/** Memory references as this adapter hands them out ({@code 0x...}) or clients type them. */
final class Addresses {
    private Addresses() {
    }

    /** {@code 0x}-prefixed hex or decimal, as reference 09 section 4 allows; an error response otherwise. */
    static long parse(String reference) {
        if (reference == null || reference.isBlank()) {
            throw DapSession.error("memoryReference is required");
        }
        String text = reference.strip();
        try {
            return text.startsWith("0x") || text.startsWith("0X") ? Long.parseUnsignedLong(text.substring(2), 16)
                : Long.parseUnsignedLong(text);
        } catch (NumberFormatException e) {
            throw DapSession.error("memoryReference " + reference + " is not an address (0x... or decimal)");
        }
    }
}
