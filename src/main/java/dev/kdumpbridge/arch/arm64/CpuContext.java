package dev.kdumpbridge.arch.arm64;

import dev.kdumpbridge.arch.Machine;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.target.RegisterSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What {@code cpu_switch_to} saved of a task it switched out: {@code task->thread.cpu_context},
 * x19-x28, fp, sp and pc (the return address into {@code __switch_to}'s caller), laid out as
 * the kernel's BTF says. The other registers are unavailable.
 */
final class CpuContext implements Machine.SwitchedOut {
    /** x19..x28, fp, sp, pc: the members of {@code struct cpu_context}, in order. */
    private static final int WORDS = 13;

    private final long offset;

    private CpuContext(long offset) {
        this.offset = offset;
    }

    static CpuContext layout(Btf btf) throws KernelDataException {
        long x19 = btf.findField("task_struct", "thread.cpu_context.x19").orElseThrow(() -> new KernelDataException(
            "this kernel's task_struct has no thread.cpu_context (BTF " + btf + ")")).offset();
        long pc = btf.findField("task_struct", "thread.cpu_context.pc").orElseThrow().offset();
        if (pc - x19 != (WORDS - 1) * Long.BYTES) {
            throw new KernelDataException("this kernel's struct cpu_context is not x19-x28, fp, sp, pc (BTF " + btf + ")");
        }
        return new CpuContext(x19);
    }

    @Override
    public RegisterSet read(KernelMemory memory, long task) throws AddressFault, IOException {
        ByteBuffer words = ByteBuffer.wrap(memory.read(task + offset, WORDS * Long.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        RegisterSet.Builder registers = RegisterSet.builder(Arm64Architecture.ARCHITECTURE);
        for (int i = 0; i < 10; i++) {
            registers.set("x" + (19 + i), words.getLong(i * Long.BYTES));
        }
        return registers.set("x29", words.getLong(10 * Long.BYTES)).set("sp", words.getLong(11 * Long.BYTES))
            .set("pc", words.getLong(12 * Long.BYTES)).build();
    }
}
