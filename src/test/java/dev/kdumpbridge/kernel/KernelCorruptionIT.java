package dev.kdumpbridge.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.arch.x86_64.X86_64Paging;
import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.Dumps;
import dev.kdumpbridge.fixtures.ActiveTasks;
import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.memory.PageMapping;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The task walk on a real dump whose lists were damaged the ways dumps are: a link that loops
 * back, one that points nowhere, one whose memory the dump lacks. Each walk ends, says where the
 * list broke, and keeps every task it found before.
 */
class KernelCorruptionIT {
    private static DumpFile dump;
    private static Vmlinux vmlinux;
    private static Symbols symbols;
    private static Btf btf;
    private static KernelMemory memory;
    private static List<Task> intact;

    /** The dump's memory with some 8-byte words replaced and some addresses unreadable. */
    private static final class DamagedMemory implements KernelMemory {
        final Map<Long, Long> words = new HashMap<>();
        final Set<Long> unreadable = new HashSet<>();

        @Override
        public ByteOrder byteOrder() {
            return memory.byteOrder();
        }

        @Override
        public void read(long address, byte[] dst, int off, int len) throws AddressFault, IOException {
            for (long bad : unreadable) {
                if (bad >= address && bad < address + len) {
                    throw AddressFault.notMapped(bad, null, "damaged by the test");
                }
            }
            memory.read(address, dst, off, len);
            ByteBuffer view = ByteBuffer.wrap(dst, off, len).order(byteOrder());
            for (Map.Entry<Long, Long> word : words.entrySet()) {
                long at = word.getKey() - address;
                if (at >= 0 && at + 8 <= len) {
                    view.putLong(off + (int) at, word.getValue());
                }
            }
        }

        @Override
        public void readPhysical(long address, byte[] dst, int off, int len) throws AddressFault, IOException {
            memory.readPhysical(address, dst, off, len);
        }

        @Override
        public PageMapping translate(long address) throws AddressFault, IOException {
            return memory.translate(address);
        }
    }

    @BeforeAll
    static void open() throws Exception {
        Fixtures.Dump fixture = Fixtures.dumps().stream().filter(d -> d.id().equals("kdump-zlib-d31")).findFirst()
            .orElseThrow();
        dump = Dumps.open(fixture.files());
        vmlinux = Vmlinux.open(Fixtures.vmlinux());
        symbols = vmlinux.symbols().withKaslrOffset(dump.vmcoreInfo().orElseThrow().hex("KERNELOFFSET").orElseThrow());
        btf = vmlinux.btf().orElseThrow();
        memory = X86_64Paging.discover(dump, symbols::address).memory();
        intact = Kernel.open(memory, symbols, btf).tasks();
    }

    @AfterAll
    static void close() throws Exception {
        vmlinux.close();
        dump.close();
    }

    private static Task task(int pid) {
        return intact.stream().filter(t -> t.pid() == pid).findFirst().orElseThrow();
    }

    private static long tasksLink(int pid) {
        return task(pid).address() + btf.offsetOf("task_struct", "tasks");
    }

    private static Kernel walk(DamagedMemory damaged) throws Exception {
        Kernel kernel = Kernel.open(damaged, symbols, btf);
        assertTimeoutPreemptively(Duration.ofSeconds(10), kernel::tasks);
        return kernel;
    }

    /** The pids the intact list has before {@code pid} on the process list, and pid itself. */
    private static void assertKeptUpTo(Kernel kernel, int pid) throws Exception {
        Set<Integer> found = new HashSet<>();
        kernel.tasks().forEach(t -> found.add(t.pid()));
        for (Task t : intact) {
            if (t.pid() <= pid && t.tgid() == t.pid()) {
                assertTrue(found.contains(t.pid()), "lost pid " + t.pid());
            }
        }
        assertTrue(kernel.tasks().size() < intact.size());
    }

    @Test
    void aLinkBackIntoTheListEndsTheWalkWithAWarning() throws Exception {
        DamagedMemory damaged = new DamagedMemory();
        damaged.words.put(tasksLink(60), tasksLink(30));
        Kernel kernel = walk(damaged);
        assertKeptUpTo(kernel, 60);
        assertTrue(kernel.warnings().stream().anyMatch(w -> w.contains("loops back to task 0x"
            + Long.toHexString(task(30).address()))), kernel.warnings().toString());
    }

    @Test
    void aLinkToNowhereEndsTheWalkWithAWarning() throws Exception {
        DamagedMemory damaged = new DamagedMemory();
        damaged.words.put(tasksLink(60), 0x1234L);
        Kernel kernel = walk(damaged);
        assertKeptUpTo(kernel, 60);
        assertTrue(kernel.warnings().stream().anyMatch(w -> w.contains("next pointer 0x1234 is not a kernel address")),
            kernel.warnings().toString());
    }

    @Test
    void anUnreadableTaskEndsTheWalkWithAWarningNamingIt() throws Exception {
        DamagedMemory damaged = new DamagedMemory();
        long next = memory.readLong(tasksLink(60));
        damaged.unreadable.add(next);
        Kernel kernel = walk(damaged);
        assertKeptUpTo(kernel, 60);
        assertTrue(kernel.warnings().stream().anyMatch(w -> w.contains("0x" + Long.toHexString(next))),
            kernel.warnings().toString());
    }

    @Test
    void aThreadListThatLoopsOnItselfKeepsTheOtherProcesses() throws Exception {
        DamagedMemory damaged = new DamagedMemory();
        long nodeOffset = btf.offsetOf("task_struct", "thread_node");
        // wl-futex is a thread of wl-threads; make its link point at itself.
        Task futex = intact.stream().filter(t -> t.comm().equals("wl-futex")).findFirst().orElseThrow();
        damaged.words.put(futex.address() + nodeOffset, futex.address() + nodeOffset);
        Kernel kernel = walk(damaged);
        int panicked = ActiveTasks.panicked().pid();
        assertTrue(kernel.tasks().stream().anyMatch(t -> t.pid() == panicked), "the processes after it are kept");
        assertTrue(kernel.tasks().stream().anyMatch(t -> t.pid() == futex.pid()));
        assertTrue(kernel.warnings().stream().anyMatch(w -> w.contains("loops back")), kernel.warnings().toString());
    }

    @Test
    void anUnreadableInitTaskIsAnErrorThatSaysSo() throws Exception {
        DamagedMemory damaged = new DamagedMemory();
        damaged.unreadable.add(symbols.address("init_task").orElseThrow() + btf.offsetOf("task_struct", "pid"));
        Kernel kernel = Kernel.open(damaged, symbols, btf);
        KernelDataException e = org.junit.jupiter.api.Assertions.assertThrows(KernelDataException.class, kernel::tasks);
        assertTrue(e.getMessage().startsWith("init_task, where the task list starts, cannot be read"), e.getMessage());
        assertEquals(intact.size(), Kernel.open(memory, symbols, btf).tasks().size());
    }
}
