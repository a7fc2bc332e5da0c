/**
 * The kernel log: every record of the printk buffer read from a dump's memory
 * ({@link dev.kdumpbridge.kernel.printk.PrintkLog}), rendered the way crash's {@code log} command
 * prints it ({@link dev.kdumpbridge.kernel.printk.CrashLogFormat}), and the panic message crash's
 * {@code sys} picks from it ({@link dev.kdumpbridge.kernel.printk.PanicMessage}).
 *
 * <h2>Two formats</h2>
 * <ul>
 *   <li>Linux 5.10 and later: the lockless ring buffer {@code prb} (kernel/printk/printk_ringbuffer.c),
 *       a ring of descriptors with their {@code printk_info}, and a ring of text blocks that each
 *       start with the id of the descriptor owning them.
 *   <li>Before: {@code log_buf}, a byte buffer of {@code struct printk_log} headers each followed
 *       by its text and dictionary, a header with length 0 marking the wrap to the start.
 * </ul>
 * Both are read with nothing but VMCOREINFO, which the kernel fills with the symbols, sizes and
 * member offsets a log reader needs; no vmlinux, no BTF. The two exceptions are syslog facility
 * and level, bit fields VMCOREINFO gives no offset for: they are the two bytes after
 * {@code text_len} (lockless) or {@code dict_len} (log_buf) in every kernel that has the format,
 * and the reader checks that the exported offsets around them leave room for exactly that.
 *
 * <h2>Damage</h2>
 * Every loop is bounded by the buffer's own size. A record that cannot be trusted (text
 * recycled for a newer record, a descriptor still being written at the crash, lengths that do
 * not fit the buffer, an unreadable page) is left out with a note saying which and why; the
 * records around it are still read. Only an unreadable or impossible buffer header fails the
 * whole read.
 */
package dev.kdumpbridge.kernel.printk;
