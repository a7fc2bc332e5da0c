package dev.kdumpbridge.arch.arm64;

import dev.kdumpbridge.kernel.Kernel;
import dev.kdumpbridge.kernel.Task;
import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.target.RegisterLayout.Register;
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
 * The arm64 kernel's own way up a stack: frame records, {@code {fp, lr}} pairs that every
 * function (arm64 kernels always keep frame pointers) and every exception entry
 * ({@code pt_regs.stackframe}) push, chained through x29. A record inside an EL1 exception's
 * pt_regs holds the interrupted pc itself, so its frame is the exception frame with all the
 * saved registers; an EL0 entry's record is zero and ends the walk, and its pt_regs are the
 * task's user registers. Return addresses lose their pointer-authentication bits
 * ({@code KERNELPACMASK}). Every walk is bounded in frames and must climb on each stack.
 */
final class FrameRecordUnwinder implements Unwinder {
    private static final int MAX_FRAMES = 256;
    private static final int MAX_STACK_SWITCHES = 8;
    /** x0-x30, sp, pc, pstate: the start of {@code struct pt_regs}. */
    private static final int PT_REGS_WORDS = 34;
    /** PSTATE.M for EL1 with SP_EL0 or SP_EL1 (EL1t, EL1h). */
    private static final long MODE_MASK = 0xf;
    private static final long EL1T = 0x4;
    private static final long EL1H = 0x5;

    private final KernelMemory memory;
    private final Arm64Stacks stacks;
    private final long stackframeOffset;
    /** The bits above the virtual address, which a kernel address has all set and PAC may have changed. */
    private final long upperBits;

    /** The start of the function a code address is in; empty outside the kernel's symbols. */
    private final LongFunction<OptionalLong> functionStart;

    FrameRecordUnwinder(KernelMemory memory, Arm64Stacks stacks, long stackframeOffset, int vaBits,
            LongFunction<OptionalLong> functionStart) {
        this.memory = memory;
        this.stacks = stacks;
        this.stackframeOffset = stackframeOffset;
        this.upperBits = -1L << vaBits;
        this.functionStart = functionStart;
    }

    static FrameRecordUnwinder of(Kernel kernel, List<String> warnings) throws IOException {
        Btf btf = kernel.btf();
        long stackframe = btf.findField("pt_regs", "stackframe").map(f -> f.offset()).orElse(-1L);
        if (stackframe < 0) {
            warnings.add("this kernel's pt_regs has no stackframe: exception frames are not recognized");
        }
        return new FrameRecordUnwinder(kernel.memory(), Arm64Stacks.of(kernel, warnings), stackframe, vaBits(kernel),
            kernel.symbols()::startOf);
    }

    /** The kernel's {@code vabits_actual}, 48 where it cannot be read. */
    private static int vaBits(Kernel kernel) throws IOException {
        OptionalLong symbol = kernel.symbols().address("vabits_actual");
        if (symbol.isPresent()) {
            try {
                long bits = kernel.memory().readLong(symbol.getAsLong());
                if (bits >= 36 && bits <= 52) {
                    return (int) bits;
                }
            } catch (AddressFault unreadable) {
                // the default below
            }
        }
        return 48;
    }

    @Override
    public Backtrace unwind(Task task, UnwindStart start) {
        RegisterSet first = start.registers();
        OptionalLong pc = first.value("pc");
        OptionalLong sp = first.value("sp");
        OptionalLong fp = first.value("x29");
        if (pc.isEmpty() || sp.isEmpty()) {
            return Backtrace.none(task.stack() == 0 ? "no stack" : "no registers");
        }
        if (pc.getAsLong() >= 0) {
            return new Backtrace(List.of(), registersOf(first), start.interruption(), "user mode", true);
        }
        List<StackFrame> frames = new ArrayList<>();
        Arm64Stacks.Range stack = stacks.stackOf(task, sp.getAsLong());
        frames.add(new StackFrame(pc.getAsLong(), sp.getAsLong(), start.returnAddress(), name(stack), first,
            start.saved(), true));
        try {
            callerInLinkRegister(first, fp.orElse(0)).ifPresent(lr -> frames.add(new StackFrame(lr, sp.getAsLong(), true,
                name(stack), RegisterSet.builder(Arm64Architecture.ARCHITECTURE).set("pc", lr).set("sp", sp.getAsLong())
                    .set("x29", fp.orElse(0)).build(), Map.of(), false)));
            return walk(task, start, frames, fp.orElse(0), stack);
        } catch (AddressFault fault) {
            return stopped(frames, start, Map.of(), "the stack could not be read: " + fault.getMessage(), false);
        } catch (IOException e) {
            return stopped(frames, start, Map.of(), "the dump could not be read: " + e.getMessage(), false);
        }
    }

    private Backtrace walk(Task task, UnwindStart start, List<StackFrame> frames, long firstFp, Arm64Stacks.Range firstStack)
            throws AddressFault, IOException {
        long fp = firstFp;
        long lastFp = 0;
        Arm64Stacks.Range lastStack = firstStack;
        int switches = 0;
        while (true) {
            if (fp == 0) {
                return stopped(frames, start, Map.of(), "end of stack", true);
            }
            if (frames.size() >= MAX_FRAMES) {
                return stopped(frames, start, Map.of(), "more than " + MAX_FRAMES + " frames", false);
            }
            Arm64Stacks.Range stack = stacks.stackOf(task, fp);
            if (stack == null || (fp & 7) != 0) {
                return stopped(frames, start, Map.of(), String.format("frame record 0x%x is on no stack", fp), false);
            }
            boolean sameStack = lastStack != null && stack.equals(lastStack);
            if (sameStack && lastFp != 0 && Long.compareUnsigned(fp, lastFp) <= 0) {
                return stopped(frames, start, Map.of(), String.format("frame record 0x%x is not above 0x%x", fp, lastFp),
                    false);
            }
            if (!sameStack && ++switches > MAX_STACK_SWITCHES) {
                return stopped(frames, start, Map.of(), "more than " + MAX_STACK_SWITCHES + " stack switches", false);
            }
            ByteBuffer record = ByteBuffer.wrap(memory.read(fp, 2 * Long.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
            long nextFp = record.getLong(0);
            long lr = record.getLong(Long.BYTES);
            Optional<Map<String, Long>> regs = ptRegsAround(fp);
            if (lr == 0) {
                // An entry from user space leaves a zeroed record in its pt_regs: the end, with the user's registers.
                Map<String, Long> user = regs.filter(r -> (r.get("pstate") & MODE_MASK) == 0).orElse(Map.of());
                return stopped(frames, start, user, "end of stack", true);
            }
            // Pointer authentication signs return addresses in the bits above the VA (ptrauth_strip).
            long pc = lr | upperBits;
            boolean exception = regs.isPresent() && isEl1(regs.get()) && regs.get().get("pc") == lr;
            RegisterSet.Builder registers = RegisterSet.builder(Arm64Architecture.ARCHITECTURE)
                .set("pc", pc).set("x29", nextFp).set("sp", fp + 2 * Long.BYTES);
            if (exception) {
                regs.get().forEach((name, value) -> {
                    if (!name.equals("pstate")) {
                        registers.set(name, value);
                    }
                });
                registers.set("cpsr", regs.get().get("pstate") & 0xffff_ffffL);
            }
            frames.add(new StackFrame(pc, fp, !exception, name(stack), registers.build(),
                exception ? regs.get() : Map.of(), true));
            lastFp = fp;
            lastStack = stack;
            fp = nextFp;
        }
    }

    /**
     * The caller of a function stopped before it pushed its frame record (a leaf such as
     * cpu_do_idle, or one still in its prologue): then the return address is only in x30, and
     * the record at fp is the caller's. x30 is taken when it lies in another function than the pc
     * and differs from the return address the record at fp holds; a switched-out task's x30 is
     * not saved, so this applies only to registers a CPU saved where it stood.
     */
    private Optional<Long> callerInLinkRegister(RegisterSet first, long fp) throws IOException {
        OptionalLong x30 = first.value("x30");
        OptionalLong pc = first.value("pc");
        if (x30.isEmpty() || x30.getAsLong() == 0 || pc.isEmpty()) {
            return Optional.empty();
        }
        long lr = x30.getAsLong() | upperBits;
        OptionalLong lrFunction = functionStart.apply(lr - 1);
        if (lrFunction.isEmpty() || lrFunction.equals(functionStart.apply(pc.getAsLong()))) {
            return Optional.empty();
        }
        if (fp != 0) {
            try {
                if ((memory.readLong(fp + Long.BYTES) | upperBits) == lr) {
                    return Optional.empty();
                }
            } catch (AddressFault unreadable) {
                return Optional.empty();
            }
        }
        return Optional.of(lr);
    }

    /** The pt_regs whose {@code stackframe} the record at {@code fp} is, if it lies in one. */
    private Optional<Map<String, Long>> ptRegsAround(long fp) throws IOException {
        if (stackframeOffset < 0) {
            return Optional.empty();
        }
        try {
            long base = fp - stackframeOffset;
            ByteBuffer words = ByteBuffer.wrap(memory.read(base, PT_REGS_WORDS * Long.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
            Map<String, Long> regs = new LinkedHashMap<>();
            for (int i = 0; i <= 30; i++) {
                regs.put("x" + i, words.getLong(i * Long.BYTES));
            }
            regs.put("sp", words.getLong(31 * Long.BYTES));
            regs.put("pc", words.getLong(32 * Long.BYTES));
            regs.put("pstate", words.getLong(33 * Long.BYTES));
            return Optional.of(regs);
        } catch (AddressFault unreadable) {
            return Optional.empty();
        }
    }

    private static boolean isEl1(Map<String, Long> regs) {
        long mode = regs.get("pstate") & MODE_MASK;
        return mode == EL1T || mode == EL1H;
    }

    private static Map<String, Long> registersOf(RegisterSet set) {
        Map<String, Long> regs = new LinkedHashMap<>();
        for (Register register : set.layout().registers()) {
            set.value(register).ifPresent(v -> regs.put(register.name().equals("cpsr") ? "pstate" : register.name(), v));
        }
        return regs;
    }

    private static String name(Arm64Stacks.Range stack) {
        return stack == null ? "unknown" : stack.name();
    }

    private static Backtrace stopped(List<StackFrame> frames, UnwindStart start, Map<String, Long> user, String why,
            boolean complete) {
        return new Backtrace(frames, user, start.interruption(), why, complete);
    }
}
