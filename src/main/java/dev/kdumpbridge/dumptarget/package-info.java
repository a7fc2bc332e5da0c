/**
 * A dump seen as a {@link dev.kdumpbridge.target.DebugTarget}: where the layers below (dump,
 * memory, kernel, arch) are put together for the front ends.
 *
 * <p>It sits above arch because arch describes its registers in target's terms, so the
 * assembly cannot live in target itself without a cycle. Front ends never import it; the CLI
 * builds it and hands the front ends a DebugTarget.
 *
 * <p>Today every CPU that saved its registers is one thread, as in QEMU's gdbstub. The kernel
 * model will make every task a thread, with the tasks that were on a CPU first, in CPU order,
 * so that gdb's thread N stays CPU N-1.
 */
package dev.kdumpbridge.dumptarget;
