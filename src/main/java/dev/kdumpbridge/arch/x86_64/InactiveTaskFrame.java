package dev.kdumpbridge.arch.x86_64;

import dev.kdumpbridge.arch.Machine;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.kernel.btf.BtfType;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.target.RegisterSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The registers of a task that is not running: what {@code __switch_to_asm} pushed when it was
 * switched out, {@code struct inactive_task_frame} at {@code task->thread.sp} (Linux 4.9+,
 * reference 05 §5.2). Its layout comes from BTF, since a {@code flags} word has come and gone.
 *
 * <p>The frame gives rip (the return address into {@code __schedule}, or {@code ret_from_fork}
 * for a task that never ran), rbp, rbx and r12-r15; rsp is just past the frame, where
 * {@code __switch_to_asm} returns to, which is where both the kernel's ORC unwinder and crash
 * start. Every other register was not saved and stays unavailable.
 */
public final class InactiveTaskFrame implements Machine.SwitchedOut {
    /** Frame member names to the registers they hold; the rest (32-bit si/di) do not occur on x86_64. */
    private static final Map<String, String> REGISTERS = Map.of(
        "r15", "r15", "r14", "r14", "r13", "r13", "r12", "r12", "bx", "rbx", "bp", "rbp",
        "ret_addr", "rip", "flags", "eflags");

    private record Slot(String register, int offset) {
    }

    private final long threadSp;
    private final int frameSize;
    private final List<Slot> slots;

    private InactiveTaskFrame(long threadSp, int frameSize, List<Slot> slots) {
        this.threadSp = threadSp;
        this.frameSize = frameSize;
        this.slots = slots;
    }

    /**
     * The frame as this kernel lays it out.
     *
     * @throws KernelDataException for a kernel without the frame (before 4.9) or with members
     *                             this code does not know
     */
    public static InactiveTaskFrame layout(Btf btf) throws KernelDataException {
        long threadSp = btf.findField("task_struct", "thread.sp").orElseThrow(() -> new KernelDataException(
            "this kernel's task_struct has no thread.sp (BTF " + btf + ")")).offset();
        BtfType.Struct frame = btf.struct("inactive_task_frame").orElseThrow(() -> new KernelDataException(
            "this kernel has no struct inactive_task_frame (Linux 4.9+), so the registers of sleeping tasks"
                + " cannot be recovered"));
        List<Slot> slots = new ArrayList<>();
        for (BtfType.Member member : frame.members()) {
            String register = REGISTERS.get(member.name());
            if (register == null || member.isBitfield() || btf.sizeOf(btf.type(member.type())) != Long.BYTES) {
                throw new KernelDataException("struct inactive_task_frame has a member " + member.name()
                    + " that x86_64 does not save there; its layout is not one this code knows");
            }
            slots.add(new Slot(register, (int) (member.bitOffset() / 8)));
        }
        if (slots.stream().noneMatch(s -> s.register().equals("rip"))) {
            throw new KernelDataException("struct inactive_task_frame has no ret_addr");
        }
        return new InactiveTaskFrame(threadSp, (int) frame.size(), List.copyOf(slots));
    }

    /** The registers saved for the sleeping task at {@code task}. */
    @Override
    public RegisterSet read(KernelMemory memory, long task) throws AddressFault, IOException {
        long sp = memory.readLong(task + threadSp);
        ByteBuffer frame = ByteBuffer.wrap(memory.read(sp, frameSize)).order(memory.byteOrder());
        RegisterSet.Builder registers = RegisterSet.builder(X86_64Architecture.ARCHITECTURE);
        for (Slot slot : slots) {
            registers.set(slot.register(), frame.getLong(slot.offset()));
        }
        return registers.set("rsp", sp + frameSize).build();
    }
}
