package dev.kdumpbridge.kernel;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Code addresses as people read them: the function, the offset into it and its size, the way the
 * kernel's {@code %pS} prints them in {@code /proc/PID/stack} and oopses ("do_wait+0x114/0x320").
 * The size is the distance to the next symbol, as kallsyms measures it, so names and sizes are
 * the same with the vmlinux's symbol table and with the dump's own kallsyms.
 */
public final class Symbolizer {
    private final Symbols symbols;

    public Symbolizer(Symbols symbols) {
        this.symbols = symbols;
    }

    /**
     * The function at {@code address}, or empty outside the kernel image.
     *
     * @param size the function's extent: to the next symbol, or its symbol-table size where no
     *             symbol follows
     */
    public record Location(String function, long offset, long size) {
        /** {@code name+0x1a/0x40}. */
        @Override
        public String toString() {
            return function + "+0x" + Long.toHexString(offset) + "/0x" + Long.toHexString(size);
        }
    }

    public Optional<Location> at(long address) {
        Optional<SymbolOffset> found = symbols.at(address);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Symbol symbol = found.get().symbol();
        OptionalLong next = symbols.nextAbove(address);
        long size = next.isPresent() ? next.getAsLong() - symbol.address() : symbol.size();
        return Optional.of(new Location(symbol.name(), found.get().offset(), size));
    }
}
