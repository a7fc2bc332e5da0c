package dev.kdumpbridge.target;

import java.util.List;
import java.util.Optional;

/**
 * A stopped kernel seen by a debugger: every task is a thread, nothing can be written and
 * nothing can run.
 *
 * <p>Implementations are called from several client connections at once and must be safe for
 * that. Methods that can be slow (registers of a sleeping task, memory in a compressed dump) are
 * called off the network threads.
 */
public interface DebugTarget {

    Architecture architecture();

    /**
     * All threads in a stable order: the task running on each CPU first, in CPU order, then the
     * rest. Listing must stay cheap (no register recovery), since a kernel can have 100 000 tasks.
     */
    List<TargetThread> threads();

    /** The thread with this id, if it exists. Targets with many threads should index them. */
    default Optional<TargetThread> thread(long id) {
        return threads().stream().filter(t -> t.id() == id).findFirst();
    }

    /** The thread the target stopped in (the panicking task for a crash dump). */
    long stopThread();

    StopReason stopReason();

    /** The registers of one thread, recovered on demand; empty if there is no such thread. */
    Optional<RegisterSet> registers(long threadId);

    /**
     * Reads kernel-virtual memory into {@code dst[offset .. offset+length)}. Reads as much as it
     * can from the start: the result tells how many bytes were read and, if fewer than asked, where
     * and why reading stopped.
     */
    MemoryRead readMemory(long address, byte[] dst, int offset, int length);

    /**
     * How far the kernel was relocated from its link addresses (KASLR), if known. gdb applies
     * this (qOffsets) to .text and .data/.bss only; other vmlinux sections still need
     * {@code symbol-file -o} (reference 08 section 8), so offering it is the target's call.
     */
    default Optional<SectionOffsets> sectionOffsets() {
        return Optional.empty();
    }

    /** Commands a debugger user can run on the target ({@code monitor ...} in gdb). */
    default Optional<MonitorCommands> monitorCommands() {
        return Optional.empty();
    }

    /**
     * Re-reads the thread list where it can change (a live kernel through /proc/kcore). Front ends
     * call it when a client starts listing threads; a dump's list is fixed, so the default does
     * nothing.
     */
    default void refreshThreads() {
    }

    /** The target's own unwinder, for front ends that show frames rather than unwind. */
    default Optional<Unwinding> unwinding() {
        return Optional.empty();
    }

    /** Names of addresses. */
    default Optional<SymbolLookup> symbols() {
        return Optional.empty();
    }

    /** A decoder of the target's machine code. */
    default Optional<Disassembler> disassembler() {
        return Optional.empty();
    }

    /** What the kernel logged, and its panic message. */
    default Optional<KernelLog> kernelLog() {
        return Optional.empty();
    }

    /** Typed expressions over memory. */
    default Optional<Expressions> expressions() {
        return Optional.empty();
    }

    /** The code images loaded: the kernel and its modules; empty where the target cannot tell. */
    default List<TargetModule> modules() {
        return List.of();
    }

    /** The source files the target's code was built from, as the build named them; empty if unknown. */
    default List<String> sourceFiles() {
        return List.of();
    }
}
