package dev.kdumpbridge.arch.x86_64;

import dev.kdumpbridge.kernel.Cpu;
import dev.kdumpbridge.kernel.Kernel;
import dev.kdumpbridge.kernel.Task;
import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.kernel.btf.BtfType;
import dev.kdumpbridge.memory.AddressFault;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The stacks a kernel walk can be on (reference 06 §5): the task's own, each CPU's hard-IRQ
 * stack and its exception (IST) stacks in the cpu_entry_area. The unwinder names the stack of
 * each frame with it and allows the stack pointer to go down only when the stack changes.
 */
final class X86_64Stacks {
    /** x86_64's THREAD_SIZE without KASAN; the kernel's {@code union thread_union} says for sure. */
    private static final long DEFAULT_THREAD_SIZE = 16 << 10;
    private static final long PAGE_SIZE = 4096;
    /** Exception stacks by their {@code struct cea_exception_stacks} member, as crash names them. */
    private static final Map<String, String> EXCEPTION_STACKS = Map.of(
        "DF_stack", "#DF exception", "NMI_stack", "NMI exception", "DB_stack", "#DB exception",
        "MCE_stack", "#MC exception", "VC_stack", "#VC exception", "VC2_stack", "#VC2 exception");

    record Range(String name, long start, long end) {
        boolean contains(long sp) {
            return Long.compareUnsigned(sp, start) >= 0 && Long.compareUnsigned(sp, end) < 0;
        }
    }

    private final long threadSize;
    private final List<Range> cpuStacks;

    X86_64Stacks(long threadSize, List<Range> cpuStacks) {
        this.threadSize = threadSize;
        this.cpuStacks = cpuStacks;
    }

    /** The stacks of every online CPU; one that cannot be found is left out, with a warning. */
    static X86_64Stacks of(Kernel kernel, List<String> warnings) throws IOException {
        Btf btf = kernel.btf();
        long threadSize = btf.struct("thread_union").map(u -> u.size()).orElse(DEFAULT_THREAD_SIZE);
        List<Range> stacks = new ArrayList<>();
        for (Cpu cpu : kernel.cpus()) {
            try {
                irqStack(kernel, cpu, threadSize).ifPresent(stacks::add);
                stacks.addAll(exceptionStacks(kernel, cpu));
            } catch (AddressFault fault) {
                warnings.add("CPU " + cpu.number() + ": its interrupt stacks cannot be found: " + fault.getMessage());
            }
        }
        return new X86_64Stacks(threadSize, List.copyOf(stacks));
    }

    /**
     * {@code hardirq_stack_ptr} (6.2+: in {@code pcpu_hot}) points at the last word of the IRQ
     * stack, which is THREAD_SIZE long; that word holds the interrupted stack pointer.
     */
    private static Optional<Range> irqStack(Kernel kernel, Cpu cpu, long size) throws AddressFault, IOException {
        OptionalLong variable = kernel.symbols().address("hardirq_stack_ptr");
        if (variable.isEmpty()) {
            OptionalLong hot = kernel.symbols().address("pcpu_hot");
            var member = kernel.btf().findField("pcpu_hot", "hardirq_stack_ptr");
            if (hot.isEmpty() || member.isEmpty()) {
                return Optional.empty();
            }
            variable = OptionalLong.of(hot.getAsLong() + member.get().offset());
        }
        long top = kernel.memory().readLong(cpu.perCpuOffset() + variable.getAsLong()) + Long.BYTES;
        return top == Long.BYTES ? Optional.empty() : Optional.of(new Range("IRQ", top - size, top));
    }

    /** {@code cea_exception_stacks} points at this CPU's {@code struct cea_exception_stacks}. */
    private static List<Range> exceptionStacks(Kernel kernel, Cpu cpu) throws AddressFault, IOException {
        OptionalLong variable = kernel.symbols().address("cea_exception_stacks");
        Optional<BtfType.Struct> layout = kernel.btf().struct("cea_exception_stacks");
        if (variable.isEmpty() || layout.isEmpty()) {
            return List.of();
        }
        long base = kernel.memory().readLong(cpu.perCpuOffset() + variable.getAsLong());
        List<Range> stacks = new ArrayList<>();
        for (BtfType.Member member : layout.get().members()) {
            String name = EXCEPTION_STACKS.get(member.name());
            if (name != null) {
                long start = base + member.bitOffset() / 8;
                stacks.add(new Range(name, start, start + kernel.btf().sizeOf(kernel.btf().type(member.type()))));
            }
        }
        return stacks;
    }

    /**
     * The stack that {@code sp} lies on in {@code task}'s walk: its own, a CPU stack, or else the
     * page it is in, so that a walk on memory no table names still cannot go round in circles.
     */
    Range stackOf(Task task, long sp) {
        Range own = new Range("task", task.stack(), task.stack() + threadSize);
        if (task.stack() != 0 && own.contains(sp)) {
            return own;
        }
        return cpuStacks.stream().filter(r -> r.contains(sp)).findFirst()
            .orElse(new Range("unknown", sp & -PAGE_SIZE, (sp & -PAGE_SIZE) + PAGE_SIZE));
    }
}
