package dev.kdumpbridge.gdb;

import dev.kdumpbridge.arch.x86_64.X86_64Architecture;
import dev.kdumpbridge.target.Architecture;
import dev.kdumpbridge.target.DebugTarget;
import dev.kdumpbridge.target.MemoryRead;
import dev.kdumpbridge.target.MonitorCommands;
import dev.kdumpbridge.target.RegisterSet;
import dev.kdumpbridge.target.SectionOffsets;
import dev.kdumpbridge.target.StopReason;
import dev.kdumpbridge.target.TargetThread;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A small x86-64 kernel made up for tests: three tasks, two memory regions, registers for all
 * of them (a sleeping task has only the callee-saved ones), and two monitor commands. Optionally
 * many more sleeping tasks, "kthread/N", with only rip and rsp.
 */
final class SyntheticTarget implements DebugTarget {

    static final long TEXT = 0xffffffff81000000L;
    static final int TEXT_SIZE = 0x3000;
    /** 32 bytes of data right before an unmapped page. */
    static final long DATA = 0xffff888000010fe0L;
    static final int DATA_SIZE = 0x20;
    static final long UNMAPPED = DATA + DATA_SIZE;
    static final long KASLR_SLIDE = 0x1e000000L;

    static final TargetThread IDLE = new TargetThread(1, "swapper/0", 0, "pid 0 comm swapper/0 state R cpu 0");
    static final TargetThread BASH = new TargetThread(2, "bash", 1, "pid 1234 comm bash state R cpu 1");
    static final TargetThread KWORKER = new TargetThread(
        3, "kworker/u8:2", TargetThread.NO_CORE, "pid 57 comm kworker/u8:2 state I");

    private final List<TargetThread> threads;

    SyntheticTarget() {
        this(0);
    }

    SyntheticTarget(int extraThreads) {
        List<TargetThread> all = new ArrayList<>(List.of(IDLE, BASH, KWORKER));
        for (long id = 4; id < 4 + extraThreads; id++) {
            all.add(new TargetThread(id, "kthread/" + id, TargetThread.NO_CORE, "pid " + (1000 + id) + " state S"));
        }
        threads = List.copyOf(all);
    }

    private final Map<Long, RegisterSet> registers = Map.of(
        1L, RegisterSet.builder(architecture())
            .set("rip", TEXT + 0x100).set("rsp", 0xffffffff82803e88L).set("rbp", 0)
            .set("rax", 0).set("eflags", 0x246).set("cs", 0x10).set("ss", 0x18)
            .build(),
        2L, RegisterSet.builder(architecture())
            .set("rax", 0x1122334455667788L).set("rbx", 2).set("rcx", 3).set("rdx", 4)
            .set("rsi", 5).set("rdi", 6).set("rbp", 0xffffc90000abfe00L).set("rsp", 0xffffc90000abfd80L)
            .set("r8", 8).set("r9", 9).set("r10", 10).set("r11", 11).set("r12", 12).set("r13", 13)
            .set("r14", 14).set("r15", 15).set("rip", TEXT + 0x10).set("eflags", 0x10246)
            .set("cs", 0x10).set("ss", 0x18).set("ds", 0).set("es", 0).set("fs", 0).set("gs", 0)
            .set("fs_base", 0x7f0011223344L).set("gs_base", 0xffff88807dc00000L)
            .build(),
        3L, RegisterSet.builder(architecture())
            .set("rip", TEXT + 0x2000).set("rsp", 0xffffc90000123e58L).set("rbp", 0xffffc90000123e90L)
            .set("rbx", 0x33).set("r12", 0x12).set("r13", 0x13).set("r14", 0x14).set("r15", 0x15)
            .build());

    @Override
    public Architecture architecture() {
        return X86_64Architecture.ARCHITECTURE;
    }

    @Override
    public List<TargetThread> threads() {
        return threads;
    }

    @Override
    public long stopThread() {
        return BASH.id();
    }

    @Override
    public StopReason stopReason() {
        return new StopReason(StopReason.Kind.PANIC, "sysrq triggered crash");
    }

    @Override
    public Optional<RegisterSet> registers(long threadId) {
        if (threadId > 3 && threadId < 3 + threads.size()) {
            return Optional.of(RegisterSet.builder(architecture())
                .set("rip", TEXT + threadId % TEXT_SIZE).set("rsp", 0xffffc90000000000L + threadId * 0x4000)
                .build());
        }
        return Optional.ofNullable(registers.get(threadId));
    }

    /** Byte at address a of the text region: low byte of the offset; of data: 0xd0 + offset. */
    @Override
    public MemoryRead readMemory(long address, byte[] dst, int offset, int length) {
        for (int i = 0; i < length; i++) {
            long a = address + i;
            if (Long.compareUnsigned(a, TEXT) >= 0 && Long.compareUnsigned(a, TEXT + TEXT_SIZE) < 0) {
                dst[offset + i] = (byte) (a - TEXT);
            } else if (Long.compareUnsigned(a, DATA) >= 0 && Long.compareUnsigned(a, DATA + DATA_SIZE) < 0) {
                dst[offset + i] = (byte) (0xd0 + (a - DATA));
            } else {
                return MemoryRead.stopped(i, a, "not mapped");
            }
        }
        return MemoryRead.complete(length);
    }

    @Override
    public Optional<SectionOffsets> sectionOffsets() {
        return Optional.of(SectionOffsets.slide(KASLR_SLIDE));
    }

    @Override
    public Optional<MonitorCommands> monitorCommands() {
        return Optional.of(new MonitorCommands() {
            @Override
            public List<Command> commands() {
                return List.of(new Command("ps", "list tasks"), new Command("echo", "print the arguments"));
            }

            @Override
            public void run(String commandLine, Consumer<String> output) throws CommandException {
                String[] words = commandLine.split("\\s+", 2);
                switch (words[0]) {
                    case "ps" -> threads().forEach(t -> output.accept(t.id() + " " + t.extraInfo() + "\n"));
                    case "echo" -> output.accept((words.length > 1 ? words[1] : "") + "\n");
                    default -> throw new CommandException("unknown command: " + words[0]);
                }
            }
        });
    }
}
