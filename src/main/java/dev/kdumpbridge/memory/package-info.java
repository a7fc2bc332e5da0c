/**
 * The memory layer: the dumped kernel's memory addressed the way the kernel addressed it.
 * Entry points {@link dev.kdumpbridge.memory.KernelMemory} (what the layers above read through)
 * and {@link dev.kdumpbridge.memory.AddressSpace} (its implementation over a
 * {@link dev.kdumpbridge.dump.DumpFile}).
 *
 * <h2>Owns</h2>
 * <ul>
 *   <li>Kernel-virtual reads: a page-table walk for every page a read touches, starting at the
 *       root the architecture found, through the dump's physical reads; /proc/kcore's virtual
 *       segments are read directly, because the kernel serves them by virtual address.
 *   <li>The walker interface, {@link dev.kdumpbridge.memory.PageTableWalker}. The walks
 *       themselves are per architecture and live in {@code arch/<name>}, which also works out the
 *       root and the layout from VMCOREINFO; this package knows no architecture
 *       (ArchitectureTest: memory depends on dump only).
 *   <li>Faults, {@link dev.kdumpbridge.memory.AddressFault}: the address as the reader gave it
 *       (virtual or physical), the reason (not mapped, excluded, not in the dump, truncated,
 *       corrupt) and, for a failed walk, the level. The dump's physical faults are wrapped so
 *       that nobody above sees a physical address they did not ask for.
 *   <li>A translation cache (software TLB), never invalidated: dumps do not change. A live
 *       kernel's translations are not cached.
 *   <li>Page statistics of a dump ({@link dev.kdumpbridge.memory.PageCensus}) until the dump
 *       layer can count its bitmaps itself.
 * </ul>
 *
 * <h2>Must not touch</h2>
 * File formats (dump), page-table entry formats (arch), kernel symbols and structures
 * (kernel), debuggers (target, gdb, dap), the command line.
 *
 * <h2>Threads</h2>
 * Everything here is immutable or lock-free and may be used by any number of threads; the
 * dump below is thread-safe too.
 *
 * <h2>Why design.md's lz4 page cache is not here</h2>
 * The dump layer already keeps decompressed pages (an LRU in {@code dump}); a second cache of
 * the same pages would only duplicate it. What translation adds is the TLB.
 */
package dev.kdumpbridge.memory;
