/**
 * The kernel layer: what the dumped kernel was (its symbols, its types) and, built on those, what
 * it was doing (tasks, CPUs, the panic, the log, modules; issue 4, to come).
 *
 * <h2>Owns</h2>
 * <ul>
 *   <li>The kernel image ({@link dev.kdumpbridge.kernel.Vmlinux}): section headers, the ELF
 *       symbol table, {@code .BTF}, the build id and {@code linux_banner}, read with positioned
 *       reads of those sections only. A debug vmlinux is ~600 MB of which the symbol table,
 *       strings and BTF are ~10 MB; DWARF is never read at start-up.
 *   <li>Symbols ({@link dev.kdumpbridge.kernel.Symbols}): name to address and address to the
 *       nearest symbol, shifted by the KASLR offset except where the kernel does not move them
 *       (zero-based per-CPU offsets, absolute values). Later also from kallsyms in the dump's
 *       memory (VMCOREINFO 6.0+), for dumps without a vmlinux.
 *   <li>Types ({@link dev.kdumpbridge.kernel.btf.Btf}): struct layouts from BTF, whether from the
 *       vmlinux or from the kernel's own copy in memory. Every structure offset used anywhere
 *       comes from here, never from a constant in the code: layouts change between kernel
 *       versions and configurations (reference 05 §7).
 *   <li>Later: matching a vmlinux to a dump (build id, banner), tasks, per-CPU data, the panic
 *       CPU, dmesg from the printk ring buffer, modules.
 * </ul>
 *
 * <h2>Must not touch</h2>
 * The front ends and the boundary they share ({@code target}, {@code gdb}, {@code dap}) and the
 * command line ({@code cli}); ArchitectureTest enforces it. It may read dumps ({@code dump}) and
 * kernel memory ({@code memory}). It does not depend on {@code arch}, which will depend on it for
 * layouts (pt_regs, inactive_task_frame); a dependency both ways would be a cycle. What differs
 * between architectures stays in {@code arch}: this layer describes data, not registers or page
 * tables.
 *
 * <h2>Errors</h2>
 * A damaged image or BTF is a {@link dev.kdumpbridge.kernel.VmlinuxFormatException} or
 * {@link dev.kdumpbridge.kernel.btf.BtfFormatException} naming the file (or memory address) and
 * the byte offset. A symbol or member that this kernel does not have is an empty Optional or a
 * {@link java.util.NoSuchElementException} naming it: probing for members that come and go
 * between versions ({@code state} / {@code __state}) is normal use.
 */
package dev.kdumpbridge.kernel;
