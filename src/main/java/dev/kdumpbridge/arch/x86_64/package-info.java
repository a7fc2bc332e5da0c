/**
 * x86-64: for now only the register layout debuggers see ({@link
 * dev.kdumpbridge.arch.x86_64.X86_64Architecture}). Later also prstatus and pt_regs decoding,
 * the registers of sleeping tasks, the page-table walk and the ORC / frame-pointer unwinder.
 *
 * <p>Describes the machine with the value types of {@code dev.kdumpbridge.target}; knows no
 * protocol (gdb, dap) and no dump format.
 */
package dev.kdumpbridge.arch.x86_64;
