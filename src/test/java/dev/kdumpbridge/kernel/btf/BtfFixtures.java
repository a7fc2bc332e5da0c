package dev.kdumpbridge.kernel.btf;

import java.nio.ByteBuffer;

/** Synthetic BTF for the tests of the layers above the parser. */
public final class BtfFixtures {
    private BtfFixtures() {
    }

    /**
     * A little kernel: {@code struct task} (32 bytes) with {@code int pid} at 0, {@code char comm[8]}
     * at 4, the bitfields {@code unsigned flags:3} at bit 96 and {@code signed delta:4} at bit 99,
     * {@code enum state state} at 16, {@code struct task *parent} at 24, and an anonymous union
     * at 16 holding {@code int word}; plus {@code long unsigned int}, {@code u64} and {@code char}.
     */
    public static Btf tasks() throws BtfFormatException {
        BtfBuilder b = new BtfBuilder();
        int intType = b.integer("int", 4, true);
        int charType = b.integer("char", 1, BtfType.Int.SIGNED | BtfType.Int.CHAR, 0, 8);
        int ulong = b.integer("long unsigned int", 8, false);
        b.typedef("u64", ulong);
        int uint = b.integer("unsigned int", 4, false);
        int state = b.enumeration("state", 4, false, "RUNNING", 0, "SLEEPING", 1);
        int comm = b.array(charType, intType, 8);
        int union = b.union("", 4, BtfBuilder.M.at("word", intType, 0));
        int fwd = b.fwd("task", false);
        int parent = b.ptr(fwd);
        b.struct("task", 32, true,
            BtfBuilder.M.at("pid", intType, 0),
            BtfBuilder.M.at("comm", comm, 32),
            BtfBuilder.M.bits("flags", uint, 96, 3),
            BtfBuilder.M.bits("delta", intType, 99, 4),
            BtfBuilder.M.at("state", state, 128),
            BtfBuilder.M.at("", union, 128),
            BtfBuilder.M.at("parent", parent, 192));
        return Btf.parse(ByteBuffer.wrap(b.build()), "BtfFixtures.tasks");
    }
}
