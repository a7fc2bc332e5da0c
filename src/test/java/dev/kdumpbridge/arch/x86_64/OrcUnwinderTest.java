package dev.kdumpbridge.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.kernel.Task;
import dev.kdumpbridge.kernel.TaskState;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.memory.PageMapping;
import dev.kdumpbridge.target.RegisterSet;
import dev.kdumpbridge.unwind.Backtrace;
import dev.kdumpbridge.unwind.StackFrame;
import dev.kdumpbridge.unwind.UnwindStart;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The ORC walk on hand-made stacks: call frames, pt_regs frames from the kernel and from user
 * mode, a switch from the IRQ stack, code without ORC data, and the ways a corrupt stack ends.
 */
class OrcUnwinderTest {
    private static final long TASK_STACK = 0xffffc90000010000L;
    private static final long IRQ_STACK = 0xffffc90000100000L;
    private static final long STACK_SIZE = 0x4000;
    private static final long CODE = 0xffffffff81000000L;
    /** Three functions of 0x100 bytes each, and code past them that ORC has no entry for. */
    private static final long F1 = CODE + 0x100;
    private static final long F2 = CODE + 0x200;
    private static final long F3 = CODE + 0x300;
    private static final long NO_ORC = CODE + 0x400;
    private static final long TABLE = 0xffffffff82000000L;

    private static final int UNDEFINED = 0;
    private static final int PREV_SP = 1;
    private static final int SP = 5;
    private static final int SP_INDIRECT = 9;
    private static final int CALL = 0;
    private static final int REGS = 1;
    private static final int REGS_PARTIAL = 2;

    private final Task task = new Task(0xffff888000001000L, 42, 42, 1, "test", TaskState.decode(1, 0), 0, false, false,
        TASK_STACK);
    private final Map<Long, byte[]> regions = Map.of(
        TASK_STACK, new byte[(int) STACK_SIZE], IRQ_STACK, new byte[(int) STACK_SIZE], CODE, new byte[0x1000]);
    private final List<long[]> orc = new ArrayList<>();

    /** An ORC entry from {@code ip}: {sp_reg, sp_offset, bp_reg, bp_offset, type, end}. */
    private void orc(long ip, int spReg, int spOffset, int bpReg, int bpOffset, int type, int end) {
        orc.add(new long[] {ip, spReg, spOffset, bpReg, bpOffset, type, end});
    }

    private void put(long address, long value) {
        regions.forEach((base, bytes) -> {
            if (address >= base && address < base + bytes.length) {
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong((int) (address - base), value);
            }
        });
    }

    /** A pt_regs at {@code address} with these rip, cs and rsp; every other word its index. */
    private void ptRegs(long address, long rip, long cs, long rsp) {
        for (int i = 0; i < PtRegs.REGISTERS.size(); i++) {
            put(address + i * 8L, i);
        }
        put(address + PtRegs.REGISTERS.indexOf("rip") * 8L, rip);
        put(address + PtRegs.REGISTERS.indexOf("cs") * 8L, cs);
        put(address + PtRegs.REGISTERS.indexOf("rsp") * 8L, rsp);
    }

    private final KernelMemory memory = new KernelMemory() {
        @Override
        public ByteOrder byteOrder() {
            return ByteOrder.LITTLE_ENDIAN;
        }

        @Override
        public void read(long address, byte[] dst, int off, int len) throws AddressFault {
            for (Map.Entry<Long, byte[]> region : regions.entrySet()) {
                long at = address - region.getKey();
                if (at >= 0 && at + len <= region.getValue().length) {
                    System.arraycopy(region.getValue(), (int) at, dst, off, len);
                    return;
                }
            }
            throw AddressFault.notMapped(address, null, "not in the test's memory");
        }

        @Override
        public void readPhysical(long address, byte[] dst, int off, int len) throws AddressFault {
            throw AddressFault.notMapped(address, null, "no physical memory");
        }

        @Override
        public PageMapping translate(long address) throws AddressFault {
            throw AddressFault.notMapped(address, null, "no page tables");
        }
    };

    private OrcUnwinder unwinder() {
        return unwinder(List.of());
    }

    private OrcUnwinder unwinder(List<ModuleOrc> modules) {
        orc.sort((a, b) -> Long.compareUnsigned(a[0], b[0]));
        ByteBuffer ips = ByteBuffer.allocate(orc.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer entries = ByteBuffer.allocate(orc.size() * 6).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < orc.size(); i++) {
            long[] e = orc.get(i);
            ips.putInt((int) (e[0] - (TABLE + i * 4L)));
            entries.putShort((short) e[2]).putShort((short) e[4])
                .putShort((short) (e[1] | e[3] << 4 | e[5] << 8 | e[6] << 10));
        }
        OrcTable table = OrcTable.build(OrcFormat.V4_19, TABLE, ips.flip(), entries.flip(), orc.size());
        X86_64Stacks stacks = new X86_64Stacks(STACK_SIZE, List.of(
            new X86_64Stacks.Range("IRQ", IRQ_STACK, IRQ_STACK + STACK_SIZE)));
        return new OrcUnwinder(memory, table, modules, stacks,
            address -> address >= F1 && address < NO_ORC + 0x100 ? OptionalLong.of(address & ~0xffL)
                : OptionalLong.empty(), OptionalLong.empty());
    }

    private static RegisterSet registers(long rip, long rsp) {
        return RegisterSet.builder(X86_64Architecture.ARCHITECTURE).set("rip", rip).set("rsp", rsp).build();
    }

    private static List<Long> pcs(Backtrace backtrace) {
        return backtrace.frames().stream().map(StackFrame::pc).toList();
    }

    /** f1 and f2 are call frames; f3 is where the stack ends (an UNDEFINED entry with the end bit). */
    private void threeFunctions() {
        orc(F1, SP, 16, UNDEFINED, 0, CALL, 0);
        orc(F2, SP, 8, UNDEFINED, 0, CALL, 0);
        orc(F3, UNDEFINED, 0, UNDEFINED, 0, CALL, 1);
        orc(NO_ORC, UNDEFINED, 0, UNDEFINED, 0, CALL, 0);
    }

    /** A module's table covers its code, which the kernel's table knows nothing of. */
    @Test
    void moduleCodeIsUnwoundWithTheModulesOwnTable() {
        threeFunctions();
        long module = 0xffffffffc0000000L;
        long moduleTable = 0xffffffffc0010000L;
        ByteBuffer ips = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
            .putInt((int) (module - moduleTable)).putInt((int) (module + 0x100 - (moduleTable + 4)));
        ByteBuffer entries = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
            .putShort((short) 16).putShort((short) 0).putShort((short) (SP | UNDEFINED << 4 | CALL << 8))
            .putShort((short) 0).putShort((short) 0).putShort((short) (UNDEFINED | UNDEFINED << 4 | CALL << 8));
        ModuleOrc table = new ModuleOrc("test_module", module, module + 0x1000,
            OrcTable.build(OrcFormat.V4_19, moduleTable, ips.flip(), entries.flip(), 2));
        long sp = TASK_STACK + 0x3000;
        put(sp + 8, F2 + 0x50);
        put(sp + 16, F3 + 0x50);
        assertEquals(List.of(module + 0x50), pcs(unwinder().unwind(task, UnwindStart.switchedOut(registers(module + 0x50, sp)))),
            "without the module's table the walk cannot leave its code");
        Backtrace bt = unwinder(List.of(table)).unwind(task, UnwindStart.switchedOut(registers(module + 0x50, sp)));
        assertEquals(List.of(module + 0x50, F2 + 0x50, F3 + 0x50), pcs(bt));
        assertEquals("end of stack", bt.stop());
    }

    @Test
    void callFramesReadTheReturnAddressBelowEachCallersStackPointer() {
        threeFunctions();
        long sp = TASK_STACK + 0x3000;
        put(sp + 8, F2 + 0x50);
        put(sp + 16, F3 + 0x50);
        Backtrace bt = unwinder().unwind(task, UnwindStart.switchedOut(registers(F1 + 0x50, sp)));
        assertEquals(List.of(F1 + 0x50, F2 + 0x50, F3 + 0x50), pcs(bt));
        assertEquals(List.of(sp - 8, sp + 8, sp + 16), bt.frames().stream().map(StackFrame::slot).toList());
        assertTrue(bt.frames().stream().allMatch(StackFrame::returnAddress));
        assertEquals("end of stack", bt.stop());
        assertTrue(bt.complete());
    }

    @Test
    void aKernelPtRegsBecomesAnExceptionFrameAndAUserOneEndsTheWalk() {
        orc(F1, SP, 0, UNDEFINED, 0, REGS, 0);
        orc(F2, SP, 8, UNDEFINED, 0, CALL, 0);
        orc(F3, SP, 0, UNDEFINED, 0, REGS, 0);
        long sp = TASK_STACK + 0x2000;
        long interruptedSp = TASK_STACK + 0x3000;
        ptRegs(sp, F2 + 0x10, 0x10, interruptedSp);
        put(interruptedSp, F3 + 0x20);
        ptRegs(interruptedSp + 8, 0x401000, 0x33, 0x7ffc0000);
        Backtrace bt = unwinder().unwind(task, UnwindStart.stopped(registers(F1 + 0x8, sp)));
        assertEquals(List.of(F1 + 0x8, F2 + 0x10, F3 + 0x20), pcs(bt));
        StackFrame exception = bt.frames().get(1);
        assertTrue(exception.isException());
        assertFalse(exception.returnAddress(), "an interrupted pc is looked up as it is");
        assertEquals(interruptedSp, exception.slot());
        assertEquals(List.copyOf(PtRegs.REGISTERS), List.copyOf(exception.saved().keySet()));
        assertEquals(0x401000L, bt.userRegisters().get("rip"));
        assertEquals("user mode", bt.stop());
        assertTrue(bt.complete());
    }

    @Test
    void aPartialFrameGivesOnlyTheIretFrame() {
        orc(F1, SP, 0, UNDEFINED, 0, REGS_PARTIAL, 0);
        orc(F2, UNDEFINED, 0, UNDEFINED, 0, CALL, 1);
        long sp = TASK_STACK + 0x2000;
        ptRegs(sp - PtRegs.IRET_FRAME_OFFSET, F2 + 0x10, 0x10, TASK_STACK + 0x3000);
        Backtrace bt = unwinder().unwind(task, UnwindStart.stopped(registers(F1, sp)));
        assertEquals(List.of(F1, F2 + 0x10), pcs(bt));
        assertEquals(List.of("rip", "cs", "eflags", "rsp", "ss"), List.copyOf(bt.frames().get(1).saved().keySet()));
    }

    @Test
    void theStackPointerMayGoDownOnlyWhereTheStackChanges() {
        orc(F1, SP_INDIRECT, 8, UNDEFINED, 0, CALL, 0);
        orc(F2, UNDEFINED, 0, UNDEFINED, 0, CALL, 1);
        long irqSp = IRQ_STACK + 0x3ff0;
        long taskSp = TASK_STACK + 0x3000;
        put(irqSp, taskSp);
        put(taskSp, F2 + 0x40);
        Backtrace bt = unwinder().unwind(task, UnwindStart.switchedOut(registers(F1 + 0x10, irqSp)));
        assertEquals(List.of(F1 + 0x10, F2 + 0x40), pcs(bt));
        assertEquals(List.of("IRQ", "task"), bt.frames().stream().map(StackFrame::stack).toList());
        assertTrue(bt.complete());
    }

    @Test
    void aStackThatGoesDownOnOneStackEndsTheWalk() {
        orc(F1, SP, -16, UNDEFINED, 0, CALL, 0);
        long sp = TASK_STACK + 0x3000;
        put(sp - 24, F1 + 0x20);
        Backtrace bt = unwinder().unwind(task, UnwindStart.switchedOut(registers(F1 + 0x10, sp)));
        assertEquals(List.of(F1 + 0x10), pcs(bt));
        assertTrue(bt.stop().startsWith("the stack pointer went down"), bt.stop());
        assertFalse(bt.complete());
    }

    @Test
    void endlessRecursionStopsAtTheFrameLimit() {
        orc(F1, SP, 8, UNDEFINED, 0, CALL, 0);
        for (long slot = TASK_STACK; slot < TASK_STACK + STACK_SIZE; slot += 8) {
            put(slot, F1 + 0x20);
        }
        Backtrace bt = unwinder().unwind(task, UnwindStart.switchedOut(registers(F1 + 0x20, TASK_STACK + 8)));
        assertEquals(OrcUnwinder.MAX_FRAMES, bt.frames().size());
        assertFalse(bt.complete());
    }

    @Test
    void codeWithoutOrcDataReturnsAfterTheCallToItsFunctionFoundUpTheStack() {
        threeFunctions();
        long sp = TASK_STACK + 0x3000;
        long returnAddress = F3 + 0x25;
        ByteBuffer call = ByteBuffer.wrap(regions.get(CODE)).order(ByteOrder.LITTLE_ENDIAN);
        call.put((int) (returnAddress - 5 - CODE), (byte) 0xe8).putInt((int) (returnAddress - 4 - CODE),
            (int) (NO_ORC - returnAddress));
        put(sp + 8, F2 + 0x30);
        put(sp + 16, returnAddress);
        Backtrace bt = unwinder().unwind(task, UnwindStart.stopped(registers(NO_ORC + 0x10, sp)));
        assertEquals(List.of(NO_ORC + 0x10, returnAddress), pcs(bt), "F2 + 0x30 follows no call to the function");
        assertFalse(bt.frames().get(1).reliable());
        assertEquals(sp + 16, bt.frames().get(1).slot());
    }

    @Test
    void aStackOutsideTheDumpEndsTheWalkSayingSo() {
        threeFunctions();
        Backtrace bt = unwinder().unwind(task, UnwindStart.switchedOut(registers(F1 + 0x50, 0xffffc90000900000L)));
        assertEquals(1, bt.frames().size());
        assertTrue(bt.stop().startsWith("stack memory is not in the dump"), bt.stop());
    }

    @Test
    void noRegistersNoFrames() {
        Backtrace bt = unwinder().unwind(task, UnwindStart.switchedOut(
            RegisterSet.builder(X86_64Architecture.ARCHITECTURE).build()));
        assertEquals(List.of(), bt.frames());
        assertEquals("no registers", bt.stop());
    }
}
