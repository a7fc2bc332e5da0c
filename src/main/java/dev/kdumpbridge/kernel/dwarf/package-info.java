/**
 * Source lines from a debug vmlinux's DWARF ({@link dev.kdumpbridge.kernel.dwarf.SourceLines}):
 * the file and line of a link-time code address, as {@code addr2line} prints them, for
 * backtraces and the DAP {@code stackTrace}. It reads {@code .debug_aranges} to find the compile
 * unit, that unit's root DIE for {@code DW_AT_stmt_list}, and the unit's line program, each
 * through bounded windows of the image, so the first lookup costs milliseconds and a damaged
 * section ends in a {@link dev.kdumpbridge.kernel.dwarf.DwarfFormatException} naming the offset.
 * {@link dev.kdumpbridge.kernel.dwarf.GlobalVariables} gives the declared type of a global
 * variable, by name, which BTF does not record; it indexes the top-level variable DIEs once.
 * It does not read local variables, inlined-call trees or call frame information (the unwinder
 * uses ORC), and knows nothing of dumps or KASLR: callers pass link-time addresses.
 */
package dev.kdumpbridge.kernel.dwarf;
