package dev.kdumpbridge.arch.x86_64;

import dev.kdumpbridge.kernel.Kernel;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.kernel.Symbols;
import dev.kdumpbridge.kernel.Task;
import dev.kdumpbridge.kernel.Vmlinux;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.target.RegisterSet;
import dev.kdumpbridge.unwind.Backtrace;
import dev.kdumpbridge.unwind.StackFrame;
import dev.kdumpbridge.unwind.UnwindStart;
import dev.kdumpbridge.unwind.Unwinder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongFunction;

/**
 * Unwinds x86_64 kernel stacks with the kernel's ORC tables, one step the way the kernel's
 * {@code unwind_next_frame} takes it (reference 06 §3): CALL frames give the return address
 * below the caller's stack pointer; REGS and REGS_PARTIAL frames give the context an exception or
 * interrupt saved, which becomes the next frame with all its registers; a user-mode context ends
 * the walk. Where ORC knows nothing of the code, the return address is searched for and checked
 * against the call before it, and the frame is marked unreliable. Every walk is bounded in depth and in stack switches, and the stack pointer must
 * grow on each stack, so corrupt stacks end the walk with the reason instead of looping.
 */
public final class OrcUnwinder implements Unwinder {
    static final int MAX_FRAMES = 256;
    /** Task → IRQ → exception stacks and back takes a handful; more means a corrupt chain. */
    static final int MAX_STACK_SWITCHES = 8;
    /** How far up the stack to look for a return address where ORC has no entry: 2 pages. */
    static final int MAX_SCANNED_WORDS = 1024;
    private static final int CALL_REL32 = 0xe8;
    private static final int CALL_SIZE = 5;

    private final KernelMemory memory;
    private final OrcTable orc;
    private final List<ModuleOrc> modules;
    private final X86_64Stacks stacks;
    /** The start of the function a code address is in; empty outside the kernel's symbols. */
    private final LongFunction<OptionalLong> functionStart;
    /** A task that has never run starts at ret_from_fork, which is not a return address. */
    private final OptionalLong retFromFork;

    OrcUnwinder(KernelMemory memory, OrcTable orc, List<ModuleOrc> modules, X86_64Stacks stacks,
            LongFunction<OptionalLong> functionStart, OptionalLong retFromFork) {
        this.memory = memory;
        this.orc = orc;
        this.modules = List.copyOf(modules);
        this.stacks = stacks;
        this.functionStart = functionStart;
        this.retFromFork = retFromFork;
    }

    /**
     * An unwinder for {@code kernel}, its ORC table from the vmlinux if given, else from memory.
     *
     * @param release  the kernel release (VMCOREINFO's OSRELEASE), which decides the ORC format
     * @param warnings where to note CPUs whose interrupt stacks could not be found
     * @throws KernelDataException when the kernel has no ORC table this code can read
     */
    public static OrcUnwinder of(Kernel kernel, Optional<Vmlinux> vmlinux, String release, List<String> warnings)
            throws KernelDataException, IOException {
        OrcTable table = OrcTable.load(kernel.memory(), kernel.symbols(), vmlinux, release);
        Symbols symbols = kernel.symbols();
        return new OrcUnwinder(kernel.memory(), table, ModuleOrc.read(kernel, table.format(), warnings),
            X86_64Stacks.of(kernel, warnings), symbols::startOf, symbols.address("ret_from_fork"));
    }

    public OrcTable table() {
        return orc;
    }

    /** The ORC entry for code at {@code ip}: a module's table where a module's code lies, else the kernel's. */
    private Optional<OrcEntry> find(long ip) {
        for (ModuleOrc module : modules) {
            if (module.covers(ip)) {
                return module.table().find(ip);
            }
        }
        return orc.find(ip);
    }

    /** Where the walk is: the frame just produced and what the next step needs of it. */
    private static final class State {
        long ip;
        long sp;
        OptionalLong bp;
        /** The registers ORC may name (r10, r13, rdi, rdx), known only at a pt_regs frame. */
        RegisterSet registers;
        boolean signal;
        X86_64Stacks.Range stack;
    }

    /** {@code task}'s kernel stack from {@code start}; never throws for bad stack contents. */
    @Override
    public Backtrace unwind(Task task, UnwindStart start) {
        RegisterSet first = start.registers();
        OptionalLong ip = first.value("rip");
        OptionalLong sp = first.value("rsp");
        if (ip.isEmpty() || sp.isEmpty()) {
            return Backtrace.none(task.stack() == 0 ? "no stack" : "no registers");
        }
        Map<String, Long> saved = start.saved().isEmpty() ? savedIn(first) : start.saved();
        if (PtRegs.userMode(saved)) {
            return new Backtrace(List.of(), saved, start.interruption(), "user mode", true);
        }
        State state = new State();
        state.ip = ip.getAsLong();
        state.sp = sp.getAsLong();
        state.bp = first.value("rbp");
        state.registers = first;
        state.signal = !start.returnAddress() || retFromFork.equals(ip);
        state.stack = stacks.stackOf(task, state.sp);
        List<StackFrame> frames = new ArrayList<>();
        frames.add(new StackFrame(state.ip, start.returnAddress() ? state.sp - Long.BYTES : state.sp,
            !state.signal, state.stack.name(), first, start.saved(), true));
        try {
            return walk(task, state, frames, start);
        } catch (AddressFault fault) {
            return new Backtrace(frames, Map.of(), start.interruption(),
                "stack memory is not in the dump: " + fault.getMessage(), false);
        } catch (IOException e) {
            return new Backtrace(frames, Map.of(), start.interruption(), "the dump could not be read: " + e.getMessage(),
                false);
        }
    }

    private Backtrace walk(Task task, State state, List<StackFrame> frames, UnwindStart start)
            throws AddressFault, IOException {
        int switches = 0;
        while (true) {
            if (frames.size() >= MAX_FRAMES) {
                return stopped(frames, start, "more than " + MAX_FRAMES + " frames", false);
            }
            Optional<OrcEntry> entry = find(state.signal ? state.ip : state.ip - 1);
            if (entry.isPresent() && (entry.get().type() == OrcEntry.Type.END_OF_STACK
                    || entry.get().type() == OrcEntry.Type.UNDEFINED && entry.get().end())) {
                return stopped(frames, start, "end of stack", true);
            }
            boolean known = entry.isPresent() && entry.get().type() != OrcEntry.Type.UNDEFINED;
            Step step = known ? orcStep(state, entry.get()) : withoutOrc(state);
            if (step == null) {
                return stopped(frames, start, known ? "ORC names a register this frame does not have, at 0x"
                    + Long.toHexString(state.ip) : "no ORC data for 0x" + Long.toHexString(state.ip)
                    + ", and no return address into its function above it", false);
            }
            if (PtRegs.userMode(step.saved)) {
                return new Backtrace(frames, step.saved, start.interruption(), "user mode", true);
            }
            X86_64Stacks.Range stack = stacks.stackOf(task, step.sp);
            if (stack.equals(state.stack)) {
                if (Long.compareUnsigned(step.sp, state.sp) <= 0) {
                    return stopped(frames, start, "the stack pointer went down, from 0x" + Long.toHexString(state.sp)
                        + " to 0x" + Long.toHexString(step.sp), false);
                }
            } else if (++switches > MAX_STACK_SWITCHES) {
                return stopped(frames, start, "more than " + MAX_STACK_SWITCHES + " stack switches", false);
            }
            RegisterSet.Builder registers = PtRegs.setInto(RegisterSet.builder(X86_64Architecture.ARCHITECTURE),
                step.saved).set("rip", step.ip).set("rsp", step.sp);
            step.bp.ifPresent(bp -> registers.set("rbp", bp));
            state.ip = step.ip;
            state.sp = step.sp;
            state.bp = step.bp;
            state.registers = registers.build();
            state.signal = step.signal;
            state.stack = stack;
            frames.add(new StackFrame(step.ip, step.slot, !step.signal, stack.name(), state.registers, step.saved,
                step.reliable));
        }
    }

    private static Backtrace stopped(List<StackFrame> frames, UnwindStart start, String why, boolean complete) {
        return new Backtrace(frames, Map.of(), start.interruption(), why, complete);
    }

    /** One step's result: the caller's state. */
    private record Step(long ip, long sp, OptionalLong bp, long slot, Map<String, Long> saved, boolean signal,
            boolean reliable) {
    }

    /** One ORC step, or null when the entry needs a register this frame does not have. */
    private Step orcStep(State state, OrcEntry entry) throws AddressFault, IOException {
        OptionalLong cfa = cfa(state, entry);
        if (cfa.isEmpty()) {
            return null;
        }
        long prevSp = cfa.getAsLong();
        Map<String, Long> saved;
        long ip;
        long sp;
        long slot;
        switch (entry.type()) {
            case CALL -> {
                ip = memory.readLong(prevSp - Long.BYTES);
                sp = prevSp;
                slot = prevSp - Long.BYTES;
                saved = Map.of();
            }
            case REGS -> {
                saved = PtRegs.read(memory.read(prevSp, PtRegs.SIZE), 0);
                ip = saved.get("rip");
                sp = saved.get("rsp");
                slot = sp;
            }
            case REGS_PARTIAL -> {
                saved = PtRegs.readIretFrame(memory.read(prevSp, PtRegs.IRET_FRAME_SIZE), 0);
                ip = saved.get("rip");
                sp = saved.get("rsp");
                slot = sp;
            }
            default -> throw new IllegalStateException("not a frame: " + entry);
        }
        boolean signal = entry.type() != OrcEntry.Type.CALL || orc.format().storesSignal() && entry.signal();
        return new Step(ip, sp, nextBp(state, entry, prevSp, saved), slot, saved, signal, true);
    }

    /** The caller's stack pointer, from the register the entry names (reference 06 §3.5). */
    private OptionalLong cfa(State state, OrcEntry entry) throws AddressFault, IOException {
        long offset = entry.spOffset();
        return switch (entry.spRegister()) {
            case SP -> OptionalLong.of(state.sp + offset);
            case BP -> state.bp.isPresent() ? OptionalLong.of(state.bp.getAsLong() + offset) : OptionalLong.empty();
            case SP_INDIRECT -> OptionalLong.of(memory.readLong(state.sp) + offset);
            case BP_INDIRECT -> state.bp.isPresent() ? OptionalLong.of(memory.readLong(state.bp.getAsLong() + offset))
                : OptionalLong.empty();
            case R10 -> plus(state.registers.value("r10"), offset);
            case R13 -> plus(state.registers.value("r13"), offset);
            case DI -> plus(state.registers.value("rdi"), offset);
            case DX -> plus(state.registers.value("rdx"), offset);
            default -> OptionalLong.empty();
        };
    }

    /**
     * The caller's frame pointer: restored from the stack, or, where ORC does not track it, the
     * one a just-read pt_regs holds, else unchanged.
     */
    private OptionalLong nextBp(State state, OrcEntry entry, long prevSp, Map<String, Long> saved)
            throws AddressFault, IOException {
        return switch (entry.bpRegister()) {
            case PREV_SP -> OptionalLong.of(memory.readLong(prevSp + entry.bpOffset()));
            case BP -> state.bp.isPresent() ? OptionalLong.of(memory.readLong(state.bp.getAsLong() + entry.bpOffset()))
                : OptionalLong.empty();
            default -> saved.containsKey("rbp") ? OptionalLong.of(saved.get("rbp")) : state.bp;
        };
    }

    /**
     * Code ORC does not cover (objtool skips functions marked STACK_FRAME_NON_STANDARD, such as
     * {@code __crash_kexec} where the panicking CPU saved its registers; BPF programs): the return
     * address is the first word up the stack that returns right after a direct call to the
     * function the pc is in. rbp, if it points at such a word, is taken first. Marked unreliable.
     */
    private Step withoutOrc(State state) throws AddressFault, IOException {
        OptionalLong function = functionStart.apply(state.signal ? state.ip : state.ip - 1);
        if (function.isEmpty()) {
            return null;
        }
        long entry = function.getAsLong();
        if (state.bp.isPresent()) {
            long bp = state.bp.getAsLong();
            if ((bp & (Long.BYTES - 1)) == 0 && Long.compareUnsigned(bp, state.sp) >= 0
                    && state.stack.contains(bp + 2 * Long.BYTES - 1)
                    && returnsFromCallTo(memory.readLong(bp + Long.BYTES), entry)) {
                return new Step(memory.readLong(bp + Long.BYTES), bp + 2 * Long.BYTES,
                    OptionalLong.of(memory.readLong(bp)), bp + Long.BYTES, Map.of(), false, false);
            }
        }
        for (long slot = state.sp, words = 0; state.stack.contains(slot) && words < MAX_SCANNED_WORDS;
                slot += Long.BYTES, words++) {
            long word = memory.readLong(slot);
            if (returnsFromCallTo(word, entry)) {
                return new Step(word, slot + Long.BYTES, state.bp, slot, Map.of(), false, false);
            }
        }
        return null;
    }

    /** Whether {@code address} follows a 5-byte {@code call rel32} whose target is {@code function}. */
    private boolean returnsFromCallTo(long address, long function) throws IOException {
        if (functionStart.apply(address).isEmpty()) {
            return false;
        }
        try {
            byte[] call = memory.read(address - CALL_SIZE, CALL_SIZE);
            int displacement = ByteBuffer.wrap(call, 1, Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).getInt();
            return (call[0] & 0xff) == CALL_REL32 && address + displacement == function;
        } catch (AddressFault notInDump) {
            return false;
        }
    }

    private static OptionalLong plus(OptionalLong value, long offset) {
        return value.isPresent() ? OptionalLong.of(value.getAsLong() + offset) : OptionalLong.empty();
    }

    /**
     * A complete register set (a CPU stopped by QEMU) in pt_regs form, so that a CPU stopped in
     * user mode ends the walk like a saved user context does; empty when cs is not known.
     */
    private static Map<String, Long> savedIn(RegisterSet registers) {
        Map<String, Long> saved = new LinkedHashMap<>();
        for (String name : PtRegs.REGISTERS) {
            registers.value(name).ifPresent(v -> saved.put(name, v));
        }
        return saved.containsKey("cs") ? saved : Map.of();
    }
}
