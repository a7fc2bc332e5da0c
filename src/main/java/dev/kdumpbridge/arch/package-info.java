/**
 * Per-architecture code, one package per architecture, each behind a
 * {@link dev.kdumpbridge.arch.Machine} that {@link dev.kdumpbridge.arch.Machines} hands out by
 * the dump's ELF machine name; nothing outside {@code arch} names an architecture.
 *
 * <h2>Adding an architecture: the checklist</h2>
 * <ol>
 * <li><b>Registers:</b> an {@link dev.kdumpbridge.target.Architecture} whose register layout is
 *     gdb's target description for it (feature names, order, sizes, types), with DWARF numbers
 *     and the pc/sp/fp roles; a test that gdb-multiarch and LLDB read them from the server
 *     ({@code Aarch64GdbIT} is the model).</li>
 * <li><b>NT_PRSTATUS:</b> where {@code pr_reg} lies and what it holds; whether another CPU's note
 *     is the code a crash interrupted or its stopping handler (x86_64's NMI saves pt_regs of the
 *     interrupted code: {@code prstatusInterrupted}).</li>
 * <li><b>Paging:</b> the page-table walker ({@link dev.kdumpbridge.memory.PageTableWalker}) on
 *     synthetic tables, then discovery of its inputs from VMCOREINFO (and from QEMU's CPU state
 *     where VMCOREINFO is missing); checked against crash's or drgn's {@code rd} on the fixtures.</li>
 * <li><b>Sleeping tasks:</b> the registers the switch code saved ({@code thread.sp} frame on
 *     x86_64, {@code thread.cpu_context} on arm64), laid out by BTF; their pc and sp equal the first
 *     frame crash or drgn shows for every sleeping task of every fixture.</li>
 * <li><b>Unwinder:</b> an {@link dev.kdumpbridge.unwind.Unwinder}, bounded and cycle-safe, with
 *     exception frames and stack switches; every task's function list equals crash's or drgn's
 *     (TaskBacktracesIT), with and without the vmlinux.</li>
 * <li><b>crash's register block</b> for exception frames, and a disassembler if one is installed.</li>
 * <li><b>Fixtures:</b> a real kdump and a QEMU snapshot of Debian's kernel for it, with drgn's
 *     (and where it runs, crash's) output recorded as oracles.</li>
 * <li>Register it in {@link dev.kdumpbridge.arch.Machines}, and list it in the README.</li>
 * </ol>
 */
package dev.kdumpbridge.arch;
