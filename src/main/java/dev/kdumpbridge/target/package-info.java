/**
 * The one boundary both front ends talk to: a read-only debug target whose threads are kernel
 * tasks. {@link dev.kdumpbridge.target.DebugTarget} gives the architecture, the threads, the stop
 * thread and reason, each thread's registers and reads of kernel-virtual memory; optional
 * capabilities (section offsets, monitor commands, refreshing the thread list) are methods that
 * return {@link java.util.Optional#empty()} or do nothing where a target has no such thing.
 *
 * <p>This package holds interfaces and plain values only, no implementation: the gdb and dap
 * front ends depend on it, and so does {@code arch}, which describes its register layouts with
 * {@link dev.kdumpbridge.target.RegisterLayout}. A target backed by a dump therefore has to live
 * in a package of its own above {@code kernel} and {@code arch}; putting it here would make
 * {@code target} and {@code arch} depend on each other, which ArchitectureTest forbids.
 *
 * <p>It knows no protocol: nothing here may depend on {@code gdb}, {@code dap} or {@code cli}
 * (ArchitectureTest). Facts every front end needs (register names and sizes, DWARF numbers, which
 * register is the pc) are here; how a protocol spells them is the front end's business. Front
 * ends advertise what a target supports, never more.
 */
package dev.kdumpbridge.target;
