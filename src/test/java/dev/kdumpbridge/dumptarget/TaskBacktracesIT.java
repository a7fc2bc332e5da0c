package dev.kdumpbridge.dumptarget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.arch.x86_64.X86_64Paging;
import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.Dumps;
import dev.kdumpbridge.fixtures.Addr2line;
import dev.kdumpbridge.fixtures.BacktraceOracle;
import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import dev.kdumpbridge.kernel.InMemoryBtf;
import dev.kdumpbridge.kernel.Kallsyms;
import dev.kdumpbridge.kernel.Kernel;
import dev.kdumpbridge.kernel.Symbols;
import dev.kdumpbridge.kernel.Task;
import dev.kdumpbridge.kernel.Vmlinux;
import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.kernel.dwarf.SourceLine;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.unwind.Backtrace;
import dev.kdumpbridge.unwind.StackFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The server's own unwinder on every fixture, with and without the vmlinux: each task's frames
 * (their pcs, which name the functions exactly) equal crash's {@code foreach bt} or drgn's stack
 * trace, as each printed them. Where the two disagree it is crash's own frames: the panic task's
 * machine_kexec, found by scanning below the registers __crash_kexec saved, and the NMI handler
 * frames of the CPUs the crash stopped, on the NMI stack; the dump's registers are of the code
 * those interrupted, so drgn's is the stack that unwinding them gives.
 */
class TaskBacktracesIT {
    private static Vmlinux vmlinux;

    @BeforeAll
    static void open() throws Exception {
        vmlinux = Vmlinux.open(Fixtures.vmlinux());
    }

    @AfterAll
    static void close() throws Exception {
        if (vmlinux != null) {
            vmlinux.close();
        }
    }

    /** The kernel of the dump from the vmlinux, or from kallsyms and BTF in memory alone. */
    static Kernel kernel(DumpFile dump, boolean withVmlinux) throws Exception {
        long offset = dump.vmcoreInfo().orElseThrow().hex("KERNELOFFSET").orElseThrow();
        if (withVmlinux) {
            Symbols symbols = vmlinux.symbols().withKaslrOffset(offset);
            KernelMemory memory = X86_64Paging.discover(dump, symbols::address).memory();
            return Kernel.open(memory, symbols, vmlinux.btf().orElseThrow());
        }
        KernelMemory memory = X86_64Paging.discover(dump, name -> dump.vmcoreInfo().orElseThrow().symbol(name)).memory();
        Symbols symbols = Kallsyms.read(memory, dump.vmcoreInfo().orElseThrow()).orElseThrow();
        Btf btf = InMemoryBtf.read(memory, symbols).orElseThrow();
        return Kernel.open(memory, symbols, btf);
    }

    @ParameterizedTest(name = "{0}, vmlinux {1}")
    @MethodSource("dev.kdumpbridge.fixtures.Fixtures#dumpsWithAndWithoutVmlinux")
    void everyTasksStackIsCrashsOrDrgns(Dump fixture, boolean withVmlinux) throws Exception {
        Map<String, Map<String, List<Long>>> oracles = BacktraceOracle.asPrinted(fixture);
        assertFalse(oracles.isEmpty(), "no oracle opened " + fixture.id());
        try (DumpFile dump = Dumps.open(fixture.files())) {
            Kernel kernel = kernel(dump, withVmlinux);
            TaskBacktraces backtraces = TaskBacktraces.of(dump, kernel, withVmlinux ? Optional.of(vmlinux)
                : Optional.empty());
            List<String> disagreements = new ArrayList<>();
            int agreed = 0;
            List<Task> tasks = kernel.tasks();
            for (Task task : tasks) {
                String key = task.pid() + "/" + task.cpu();
                Backtrace backtrace = backtraces.of(task);
                List<Long> ours = backtrace.frames().stream().map(StackFrame::pc).toList();
                boolean agrees = oracles.values().stream().anyMatch(o -> ours.equals(o.get(key)));
                if (agrees) {
                    agreed++;
                } else {
                    StringBuilder why = new StringBuilder(key + " " + task.comm() + ": ours "
                        + BacktraceOracle.hex(ours) + " (" + backtrace.stop() + ")");
                    oracles.forEach((name, frames) -> why.append("; ").append(name).append(' ')
                        .append(frames.containsKey(key) ? BacktraceOracle.hex(frames.get(key)) : "(no such task)"));
                    disagreements.add(why.toString());
                }
            }
            System.out.printf("%s (vmlinux %s): %d of %d tasks agree (%.1f%%) with %s; ORC %s%n", fixture.id(),
                withVmlinux, agreed, tasks.size(), 100.0 * agreed / tasks.size(), oracles.keySet(),
                backtraces.warnings());
            assertEquals(List.of(), disagreements);
            assertTrue(agreed > 0);
        }
    }

    /**
     * Every frame of every task on one dump gets the line llvm-addr2line reads from the vmlinux
     * at its lookup pc moved back by the dump's KASLR offset (LLVM, because binutils 2.40 names
     * some files wrongly: see SourceLinesIT).
     */
    @Test
    void everyFramesSourceLineIsLlvmAddr2linesAtItsLookupPc() throws Exception {
        Dump fixture = Fixtures.dumps().get(0);
        try (DumpFile dump = Dumps.open(fixture.files())) {
            long offset = dump.vmcoreInfo().orElseThrow().hex("KERNELOFFSET").orElseThrow();
            Kernel kernel = kernel(dump, true);
            TaskBacktraces backtraces = TaskBacktraces.of(dump, kernel, Optional.of(vmlinux));
            assertTrue(backtraces.hasSourceLines());
            List<Long> linkAddresses = new ArrayList<>();
            List<Optional<SourceLine>> ours = new ArrayList<>();
            for (Task task : kernel.tasks()) {
                for (StackFrame frame : backtraces.of(task).frames()) {
                    linkAddresses.add(frame.lookupPc() - offset);
                    ours.add(backtraces.sourceLine(frame.lookupPc()));
                }
            }
            assertEquals(Addr2line.lines("llvm-addr2line", Fixtures.vmlinux(), linkAddresses), ours);
            assertTrue(ours.stream().filter(Optional::isPresent).count() > linkAddresses.size() / 2, ours.toString());
        }
    }
}
