/**
 * Typed values and C expressions over the dumped kernel, for the debuggers' variables, watches
 * and consoles: {@link dev.kdumpbridge.kernel.value.Evaluator} parses an expression and
 * evaluates it in one pass to a {@link dev.kdumpbridge.kernel.value.Value}, an object in memory
 * or a computed scalar, typed by the kernel's BTF ({@link dev.kdumpbridge.kernel.value.Types}).
 * BTF records no global variables, so their declared types come from the debug vmlinux's DWARF
 * ({@link dev.kdumpbridge.kernel.dwarf.GlobalVariables}) and are matched to BTF by name. Values
 * read memory only when shown, so what a dump left out shows as unreadable instead of failing
 * the whole struct. Nothing here knows a protocol.
 */
package dev.kdumpbridge.kernel.value;
