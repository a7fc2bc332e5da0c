/**
 * A dump seen as a {@link dev.kdumpbridge.target.DebugTarget}: where the layers below (dump,
 * memory, kernel, arch) are put together for the front ends.
 *
 * <p>It sits above arch because arch describes its registers in target's terms, so the
 * assembly cannot live in target itself without a cycle. Front ends never import it; the CLI
 * builds it and hands the front ends a DebugTarget.
 *
 * <p>Every kernel task is a thread, the tasks that were on a CPU first, in CPU order, so that
 * gdb's thread N is CPU N-1; registers come from the CPU's note or the task's switch frame when
 * first asked for. Without the kernel's symbols and types each CPU that saved its registers is
 * one thread, as in QEMU's gdbstub.
 */
package dev.kdumpbridge.dumptarget;
