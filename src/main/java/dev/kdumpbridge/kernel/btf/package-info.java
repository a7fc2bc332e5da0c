/**
 * The BTF format (reference 07): a checked parser ({@link dev.kdumpbridge.kernel.btf.Btf}), the
 * decoded records ({@link dev.kdumpbridge.kernel.btf.BtfType}) and member paths
 * ({@link dev.kdumpbridge.kernel.btf.Field}). Bytes in, types out: it knows nothing of files,
 * dumps or symbols, so the same code serves the vmlinux section and the kernel's copy in memory.
 */
package dev.kdumpbridge.kernel.btf;
