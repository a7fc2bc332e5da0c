/**
 * arm64 (AArch64), the second architecture, being written (issue 9): so far the kernel's
 * translation-table walk for 4, 16 and 64 KiB granules, 36- to 52-bit virtual and 52-bit
 * physical addresses ({@link dev.kdumpbridge.arch.arm64.Arm64PageTables}), the registers as
 * gdb's aarch64 target description has them ({@link dev.kdumpbridge.arch.arm64.Arm64Architecture})
 * and their NT_PRSTATUS layout ({@link dev.kdumpbridge.arch.arm64.Arm64PrstatusRegisters}). Not
 * yet wired to the dump readers or the front ends: those still accept x86_64 dumps only.
 */
package dev.kdumpbridge.arch.arm64;
