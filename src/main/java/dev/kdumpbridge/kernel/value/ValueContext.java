package dev.kdumpbridge.kernel.value;

import dev.kdumpbridge.kernel.Symbols;
import dev.kdumpbridge.memory.KernelMemory;

/** What values are read from and named by: the dump's memory, the kernel's types and symbols. */
public record ValueContext(KernelMemory memory, Types types, Symbols symbols) {
}
