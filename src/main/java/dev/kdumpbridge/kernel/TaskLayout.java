package dev.kdumpbridge.kernel;

import dev.kdumpbridge.kernel.StructFields.Member;
import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.kernel.btf.Field;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import java.io.IOException;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where this kernel keeps what we read of a {@code task_struct}, from its BTF (reference 05 §2).
 * Members that moved or were renamed between versions are probed newest name first.
 */
final class TaskLayout {
    /** The members of one task as read, before the list walk relates them. */
    record Raw(int pid, int tgid, byte[] comm, long state, long exitState, long flags, long realParent,
            long signal, int cpu, long stack) {
    }

    private final StructFields task;
    final Member tasks;
    private final Member pid;
    private final Member tgid;
    private final Member comm;
    private final Member state;
    private final Member exitState;
    private final Member flags;
    private final Member realParent;
    private final Member signal;
    private final Member stack;
    /** Not in every kernel: before 4.9 the CPU was in the thread_info at the stack base. */
    private final Optional<Member> cpu;
    /** {@code signal_struct.thread_head} (3.14+); absent, threads are on {@code thread_group}. */
    final OptionalLong threadHead;
    /** {@code thread_node} on the signal's list, or the legacy {@code thread_group} ring. */
    final Member threadLink;

    TaskLayout(Btf btf) throws KernelDataException {
        task = new StructFields(btf, "task_struct");
        tasks = task.require("tasks");
        pid = task.require("pid");
        tgid = task.require("tgid");
        comm = task.require("comm");
        // 5.14 renamed state to __state (and made it unsigned int).
        state = task.find("__state", "state").orElseThrow(() -> new KernelDataException(
            "this kernel's task_struct has neither __state nor state (BTF " + btf + ")"));
        exitState = task.require("exit_state");
        flags = task.require("flags");
        realParent = task.require("real_parent");
        signal = task.require("signal");
        stack = task.require("stack");
        // 4.9-5.15 task_struct.cpu; 5.16+ thread_info.cpu, thread_info being task_struct's first member.
        cpu = task.find("cpu", "thread_info.cpu");
        Optional<Field> head = btf.findField("signal_struct", "thread_head");
        threadHead = head.isPresent() ? OptionalLong.of(head.get().offset()) : OptionalLong.empty();
        threadLink = threadHead.isPresent() ? task.require("thread_node") : task.require("thread_group");
    }

    Raw read(KernelMemory memory, long address) throws AddressFault, IOException {
        StructFields.Instance t = task.read(memory, address);
        return new Raw(t.signedInt(pid), t.signedInt(tgid), t.chars(comm), t.unsigned(state), t.unsigned(exitState),
            t.unsigned(flags), t.unsigned(realParent), t.unsigned(signal), cpu.map(t::signedInt).orElse(-1),
            t.unsigned(stack));
    }
}
