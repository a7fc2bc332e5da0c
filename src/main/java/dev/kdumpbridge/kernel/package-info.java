/**
 * The kernel layer: what the dumped kernel was (its symbols, its types) and, built on those, what
 * it was doing (tasks, CPUs, the panic, the log).
 *
 * <h2>Owns</h2>
 * <ul>
 *   <li>The kernel image ({@link dev.kdumpbridge.kernel.Vmlinux}): section headers, the ELF
 *       symbol table, {@code .BTF}, the build id and {@code linux_banner}, read with positioned
 *       reads of those sections only. A debug vmlinux is ~600 MB of which the symbol table,
 *       strings and BTF are ~10 MB; DWARF is never read at start-up.
 *   <li>Symbols ({@link dev.kdumpbridge.kernel.Symbols}): name to address and address to the
 *       nearest symbol, shifted by the KASLR offset except where the kernel does not move them
 *       (zero-based per-CPU offsets, absolute values). Also from kallsyms in the dump's memory
 *       ({@link dev.kdumpbridge.kernel.Kallsyms}, VMCOREINFO 6.0+), for dumps without a vmlinux.
 *   <li>Types ({@link dev.kdumpbridge.kernel.btf.Btf}): struct layouts from BTF, whether from the
 *       vmlinux or from the kernel's own copy in memory
 *       ({@link dev.kdumpbridge.kernel.InMemoryBtf}). Every structure offset used anywhere
 *       comes from here, never from a constant in the code: layouts change between kernel
 *       versions and configurations (reference 05 §7).
 *   <li>The kernel model ({@link dev.kdumpbridge.kernel.Kernel}): online CPUs and their
 *       runqueues, the panic CPU, and every task ({@link dev.kdumpbridge.kernel.Task}), found by
 *       bounded, cycle-safe walks that report a broken list and keep what they found.
 *   <li>The kernel log ({@code kernel.printk}): the printk ring buffer of 5.10+ and the older
 *       {@code log_buf}, through VMCOREINFO.
 *   <li>Later: modules.
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
 * the byte offset; a damaged table in the kernel's memory (kallsyms, the BTF bounds) is a
 * {@link dev.kdumpbridge.kernel.KernelMemoryFormatException} naming the address. Bytes missing
 * from the dump are the memory layer's {@link dev.kdumpbridge.memory.AddressFault}, passed on. A
 * symbol or member that this kernel does not have is an empty Optional or a
 * {@link java.util.NoSuchElementException} naming it: probing for members that come and go
 * between versions ({@code state} / {@code __state}) is normal use.
 */
package dev.kdumpbridge.kernel;
