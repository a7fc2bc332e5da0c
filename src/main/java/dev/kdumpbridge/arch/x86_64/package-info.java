/**
 * x86-64: the register layout debuggers see ({@link
 * dev.kdumpbridge.arch.x86_64.X86_64Architecture}), registers from NT_PRSTATUS ({@link
 * dev.kdumpbridge.arch.x86_64.PrstatusRegisters}), and paging: the 4- and 5-level page-table
 * walk ({@link dev.kdumpbridge.arch.x86_64.X86_64PageTables}, memory's
 * {@link dev.kdumpbridge.memory.PageTableWalker}) and the discovery of the paging levels, the root,
 * phys_base and the region bases from a dump ({@link dev.kdumpbridge.arch.x86_64.X86_64Paging}).
 * The registers of sleeping tasks from their switch frame ({@link
 * dev.kdumpbridge.arch.x86_64.InactiveTaskFrame}). Later also the ORC / frame-pointer unwinder.
 *
 * <p>Describes the machine with the value types of {@code dev.kdumpbridge.target} and reads
 * memory through {@code dev.kdumpbridge.memory}; knows no protocol (gdb, dap). It reads the
 * dump's notes and VMCOREINFO, but no file format.
 */
package dev.kdumpbridge.arch.x86_64;
