package dev.kdumpbridge.target;

import java.util.Optional;

/** Names of code and data addresses, from the target's symbol table. */
public interface SymbolLookup {

    /**
     * The symbol an address lies in.
     *
     * @param name   the symbol
     * @param start  its first address
     * @param offset how far into it the address is
     */
    record Location(String name, long start, long offset) {
        /** As the kernel's {@code %pS} and gdb's {@code <sym+off>} print it, without the size. */
        @Override
        public String toString() {
            return offset == 0 ? name : name + "+0x" + Long.toHexString(offset);
        }
    }

    Optional<Location> at(long address);
}
