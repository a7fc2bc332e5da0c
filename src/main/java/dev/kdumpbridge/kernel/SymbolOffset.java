package dev.kdumpbridge.kernel;

/**
 * An address described as the nearest symbol at or below it plus an offset, the way kallsyms
 * prints {@code %pS}.
 */
public record SymbolOffset(Symbol symbol, long offset) {

    /**
     * Whether the address lies inside the symbol's own extent; false beyond its end (padding
     * between functions) and for labels without a size.
     */
    public boolean inside() {
        return Long.compareUnsigned(offset, symbol.size()) < 0;
    }

    /** {@code name+0x1a/0x40}, or {@code name+0x1a} when the symbol has no size. */
    @Override
    public String toString() {
        String at = symbol.name() + "+0x" + Long.toHexString(offset);
        return symbol.size() == 0 ? at : at + "/0x" + Long.toHexString(symbol.size());
    }
}
