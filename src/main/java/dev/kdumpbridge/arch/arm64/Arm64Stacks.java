package dev.kdumpbridge.arch.arm64;

import dev.kdumpbridge.kernel.Cpu;
import dev.kdumpbridge.kernel.Kernel;
import dev.kdumpbridge.kernel.Task;
import dev.kdumpbridge.memory.AddressFault;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The stacks an arm64 kernel walk can be on: the task's own and each CPU's IRQ stack
 * ({@code irq_stack_ptr}, THREAD_SIZE long) and overflow stack ({@code overflow_stack}).
 */
final class Arm64Stacks {
    /** arm64's THREAD_SIZE with 4 KiB pages and no KASAN; {@code union thread_union} says for sure. */
    private static final long DEFAULT_THREAD_SIZE = 16 << 10;

    record Range(String name, long start, long end) {
        boolean contains(long address) {
            return Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0;
        }
    }

    private final long threadSize;
    private final List<Range> cpuStacks;

    Arm64Stacks(long threadSize, List<Range> cpuStacks) {
        this.threadSize = threadSize;
        this.cpuStacks = List.copyOf(cpuStacks);
    }

    static Arm64Stacks of(Kernel kernel, List<String> warnings) throws IOException {
        long threadSize = kernel.btf().struct("thread_union").map(u -> u.size()).orElse(DEFAULT_THREAD_SIZE);
        OptionalLong irq = kernel.symbols().address("irq_stack_ptr");
        OptionalLong overflow = kernel.symbols().address("overflow_stack");
        // OVERFLOW_STACK_SIZE, 4 KiB, unless the symbol's size says otherwise.
        long overflowSize = kernel.symbols().lookup("overflow_stack").map(s -> s.size()).filter(size -> size > 0)
            .orElse(4096L);
        List<Range> stacks = new ArrayList<>();
        for (Cpu cpu : kernel.cpus()) {
            try {
                if (irq.isPresent()) {
                    long base = kernel.memory().readLong(cpu.perCpuOffset() + irq.getAsLong());
                    if (base != 0) {
                        stacks.add(new Range("IRQ", base, base + threadSize));
                    }
                }
            } catch (AddressFault fault) {
                warnings.add("CPU " + cpu.number() + ": its IRQ stack cannot be found: " + fault.getMessage());
            }
            if (overflow.isPresent()) {
                long base = cpu.perCpuOffset() + overflow.getAsLong();
                stacks.add(new Range("overflow", base, base + overflowSize));
            }
        }
        return new Arm64Stacks(threadSize, stacks);
    }

    /** The stack {@code address} lies on in {@code task}'s walk, or null when it is on none of them. */
    Range stackOf(Task task, long address) {
        Range own = new Range("task", task.stack(), task.stack() + threadSize);
        if (task.stack() != 0 && own.contains(address)) {
            return own;
        }
        return cpuStacks.stream().filter(r -> r.contains(address)).findFirst().orElse(null);
    }
}
