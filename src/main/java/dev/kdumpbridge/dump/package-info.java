/**
 * The dump layer: turns a file, or the files of a split set, into physical memory bytes plus
 * the metadata stored beside them. Entry point {@link dev.kdumpbridge.dump.Dumps#open}, result
 * {@link dev.kdumpbridge.dump.DumpFile}.
 *
 * <h2>Owns</h2>
 * <ul>
 *   <li>Recognising the format from content (never the name): ELF cores (/proc/vmcore copies,
 *       makedumpfile -E, QEMU, /proc/kcore), kdump-compressed, flattened streams (read in place
 *       through a record index, never rearranged into a temporary file), split sets (siblings
 *       found by matching headers and notes).
 *   <li>Headers and their validation: every size or count from a header is checked against the
 *       file before anything is allocated from it; a header that cannot be true is a
 *       {@link dev.kdumpbridge.dump.DumpFormatException} naming file, offset, expected and found.
 *       Damage the dump can live without (notes, VMCOREINFO, a cut-off stream) becomes a
 *       warning in {@link dev.kdumpbridge.dump.DumpInfo#warnings()}.
 *   <li>Physical reads and their failures: {@link dev.kdumpbridge.dump.MemoryFault} with a reason
 *       (not in the dump, excluded, truncated, corrupt). Excluded or missing pages are never
 *       served as zeros.
 *   <li>Page decompression (zlib, LZO1X, snappy, zstd) and a small LRU of decompressed pages.
 *   <li>Notes as raw bytes (NT_PRSTATUS in file order, QEMU CPU state, VMCOREINFO) and the
 *       VMCOREINFO text as raw key/value strings.
 *   <li>Writing: {@link dev.kdumpbridge.dump.KdumpWriter} turns any dump above but /proc/kcore
 *       into one kdump-compressed file as makedumpfile writes it, in memory that does not grow
 *       with the dump. {@code KdumpLayout} is the one table of header offsets for reading and
 *       writing, {@code PageCodec} the one place codecs are called, both ways.
 * </ul>
 *
 * <h2>Must not touch</h2>
 * Kernel virtual addresses and page tables (the memory layer's; /proc/kcore's segments are
 * handed over as they are, through {@link dev.kdumpbridge.dump.VirtualMemory}), the meaning of
 * register notes (arch), kernel structures or symbols (kernel), and anything about gdb, DAP or
 * the command line. Dump files are opened read-only; the writer's output is refused when it is
 * one of them. The writer resolves one kernel-virtual address, {@code init_uts_ns} for the
 * header's utsname, and only through the ELF header's own kernel-image PT_LOAD, never page tables.
 *
 * <h2>Threads and I/O</h2>
 * Every read is a positioned read ({@code FileChannel.read(buf, pos)}), so any number of
 * threads may read one dump concurrently. Bitmaps and page descriptors are read on demand and
 * the descriptor index is a lazily built prefix count (one long per 4096 PFNs), so a dump of a
 * huge machine opens by reading only its headers. /proc/kcore data is never cached: it changes.
 *
 * <h2>Why one package</h2>
 * The formats share their readers (note parsing, positioned struct reads, segment lookup), and
 * keeping the implementations package-private leaves the public surface at the types above;
 * sub-packages would force those helpers public.
 */
package dev.kdumpbridge.dump;
