package dev.kdumpbridge.kernel.printk;

import dev.kdumpbridge.dump.VmcoreInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A printk ring buffer of Linux 5.10+ written the way the kernel writes one
 * (kernel/printk/printk_ringbuffer.c): the bootstrap descriptor, ids and logical positions that
 * start just before they overflow, blocks prefixed by their descriptor id and moved to the start
 * of the ring when they would run past its end, the oldest records made reusable to make room.
 * The layout is the one VMCOREINFO of Debian's 6.1 x86_64 kernel describes. Methods to damage
 * single records follow.
 */
final class SyntheticRingBuffer {
    static final long PRB_SYMBOL = 0xffffffff8166_22c0L;
    static final long RING_BUFFER = 0xffffffff8166_2300L;
    static final long DESCS = 0xffffffff8200_0000L;
    static final long INFOS = 0xffffffff8300_0000L;
    static final long TEXT = 0xffffffff8400_0000L;

    static final int FINALIZED = 2;
    static final int RESERVED = 0;
    static final int REUSABLE = 3;
    static final long FAILED_LPOS = 0x1;
    static final long NO_LPOS = 0x3;

    private static final long ID_MASK = -1L >>> 2;
    private static final int DESC_SIZE = 24;
    private static final int INFO_SIZE = 88;
    private static final String VMCOREINFO = """
        OFFSET(atomic_long_t.counter)=0
        OFFSET(dev_printk_info.device)=16
        OFFSET(dev_printk_info.subsystem)=0
        LENGTH(printk_info_device)=48
        LENGTH(printk_info_subsystem)=16
        OFFSET(prb_data_blk_lpos.begin)=0
        OFFSET(prb_data_blk_lpos.next)=8
        OFFSET(prb_data_ring.data)=8
        OFFSET(prb_data_ring.head_lpos)=16
        OFFSET(prb_data_ring.size_bits)=0
        OFFSET(prb_data_ring.tail_lpos)=24
        OFFSET(prb_desc.state_var)=0
        OFFSET(prb_desc.text_blk_lpos)=8
        OFFSET(prb_desc_ring.count_bits)=0
        OFFSET(prb_desc_ring.descs)=8
        OFFSET(prb_desc_ring.head_id)=24
        OFFSET(prb_desc_ring.infos)=16
        OFFSET(prb_desc_ring.tail_id)=32
        OFFSET(printk_info.caller_id)=20
        OFFSET(printk_info.dev_info)=24
        OFFSET(printk_info.seq)=0
        OFFSET(printk_info.text_len)=16
        OFFSET(printk_info.ts_nsec)=8
        OFFSET(printk_ringbuffer.desc_ring)=0
        OFFSET(printk_ringbuffer.text_data_ring)=48
        SIZE(prb_desc)=24
        SIZE(printk_info)=88
        SIZE(printk_ringbuffer)=88
        SYMBOL(prb)=ffffffff816622c0
        """;

    final FakeKernelMemory memory = new FakeKernelMemory(ByteOrder.LITTLE_ENDIAN);
    private final int countBits;
    private final int sizeBits;
    private final long count;
    private final long size;
    private final ByteBuffer header;
    private final ByteBuffer descs;
    private final ByteBuffer infos;
    private final ByteBuffer text;
    /** Records whose blocks are still in the text ring, oldest first: {id, begin, next}. */
    private final Deque<long[]> blocks = new ArrayDeque<>();
    private long headId;
    private long tailId;
    private long headLpos;
    private long tailLpos;
    private long nextSequence;
    private int wrappedBlocks;

    SyntheticRingBuffer(int countBits, int sizeBits) {
        this.countBits = countBits;
        this.sizeBits = sizeBits;
        count = 1L << countBits;
        size = 1L << sizeBits;
        memory.map(PRB_SYMBOL, 8).putLong(0, RING_BUFFER);
        header = memory.map(RING_BUFFER, 88);
        descs = memory.map(DESCS, (int) count * DESC_SIZE);
        infos = memory.map(INFOS, (int) count * INFO_SIZE);
        text = memory.map(TEXT, (int) size);
        // DESC0_ID, BLK0_LPOS and the reusable placeholder in the last slot (printk_ringbuffer.h).
        headId = (-(count + 1)) & ID_MASK;
        tailId = headId;
        headLpos = -size;
        tailLpos = -size;
        int last = (int) (count - 1);
        descs.putLong(last * DESC_SIZE, stateVar(headId, REUSABLE));
        descs.putLong(last * DESC_SIZE + 8, FAILED_LPOS);
        descs.putLong(last * DESC_SIZE + 16, FAILED_LPOS);
        infos.putLong(0, -count);
        writeHeader();
    }

    VmcoreInfo vmcoreInfo() {
        return VmcoreInfo.parse(VMCOREINFO.getBytes(StandardCharsets.US_ASCII));
    }

    /** VMCOREINFO with one line changed or, with a null value, removed. */
    VmcoreInfo vmcoreInfo(String key, String value) {
        StringBuilder text = new StringBuilder();
        for (String line : VMCOREINFO.split("\n")) {
            if (!line.startsWith(key + "=")) {
                text.append(line).append('\n');
            }
        }
        if (value != null) {
            text.append(key).append('=').append(value).append('\n');
        }
        return VmcoreInfo.parse(text.toString().getBytes(StandardCharsets.US_ASCII));
    }

    PrintkLog read() throws Exception {
        return PrintkLog.read(memory, vmcoreInfo());
    }

    long append(String message) {
        return append(message, nextSequence * 1_000_000L, 0, 6, 42, "", "");
    }

    /** Writes one finalized record as printk does; returns its descriptor id. */
    long append(String message, long timestamp, int facility, int level, int caller, String subsystem, String device) {
        byte[] bytes = message.getBytes(StandardCharsets.ISO_8859_1);
        long id = (headId + 1) & ID_MASK;
        if (((id - tailId) & ID_MASK) >= count) {
            // desc_push_tail: the oldest descriptor must go before its slot is taken.
            dropOldestBlockOf(tailId);
            tailId = (tailId + 1) & ID_MASK;
        }
        headId = id;
        long begin;
        long next;
        if (bytes.length == 0) {
            begin = NO_LPOS;
            next = NO_LPOS;
        } else {
            long blockSize = (8 + bytes.length + 7) & ~7L;
            begin = headLpos;
            next = nextLpos(begin, blockSize);
            while (next - tailLpos > size) {
                long[] oldest = blocks.removeFirst();
                setState(oldest[0], REUSABLE);
                tailLpos = oldest[2];
            }
            headLpos = next;
            blocks.addLast(new long[] {id, begin, next});
            int at = (int) (begin & (size - 1));
            if ((begin >>> sizeBits) != (next >>> sizeBits)) {
                // The kernel stamps the id where the block began, then stores it whole at 0.
                text.putLong(at, id);
                at = 0;
                wrappedBlocks++;
            }
            text.putLong(at, id);
            text.put(at + 8, bytes);
        }
        int slot = (int) (id & (count - 1));
        descs.putLong(slot * DESC_SIZE, stateVar(id, FINALIZED));
        descs.putLong(slot * DESC_SIZE + 8, begin);
        descs.putLong(slot * DESC_SIZE + 16, next);
        int info = slot * INFO_SIZE;
        infos.put(info, new byte[INFO_SIZE]);
        infos.putLong(info, nextSequence++);
        infos.putLong(info + 8, timestamp);
        infos.putShort(info + 16, (short) bytes.length);
        infos.put(info + 18, (byte) facility);
        infos.put(info + 19, (byte) (level << 5));
        infos.putInt(info + 20, caller);
        infos.put(info + 24, subsystem.getBytes(StandardCharsets.ISO_8859_1));
        infos.put(info + 40, device.getBytes(StandardCharsets.ISO_8859_1));
        writeHeader();
        return id;
    }

    /** get_next_lpos: a block that would cross the end of the ring starts the next wrap instead. */
    private long nextLpos(long begin, long blockSize) {
        long next = begin + blockSize;
        if ((begin >>> sizeBits) == (next >>> sizeBits)) {
            return next;
        }
        return (next & -size) + blockSize;
    }

    private void dropOldestBlockOf(long id) {
        if (!blocks.isEmpty() && blocks.peekFirst()[0] == id) {
            tailLpos = blocks.removeFirst()[2];
        }
    }

    private void writeHeader() {
        header.putInt(0, countBits);
        header.putLong(8, DESCS);
        header.putLong(16, INFOS);
        header.putLong(24, headId);
        header.putLong(32, tailId);
        header.putInt(48, sizeBits);
        header.putLong(56, TEXT);
        header.putLong(64, headLpos);
        header.putLong(72, tailLpos);
    }

    private static long stateVar(long id, int state) {
        return (long) state << 62 | id;
    }

    int wrappedBlocks() {
        return wrappedBlocks;
    }

    long headId() {
        return headId;
    }

    // Damage.

    void setState(long id, int state) {
        descs.putLong(slot(id) * DESC_SIZE, stateVar(id, state));
    }

    void setStateVar(long id, long stateVar) {
        descs.putLong(slot(id) * DESC_SIZE, stateVar);
    }

    void setLpos(long id, long begin, long next) {
        descs.putLong(slot(id) * DESC_SIZE + 8, begin);
        descs.putLong(slot(id) * DESC_SIZE + 16, next);
    }

    long beginOf(long id) {
        return descs.getLong(slot(id) * DESC_SIZE + 8);
    }

    void setTextLength(long id, int length) {
        infos.putShort(slot(id) * INFO_SIZE + 16, (short) length);
    }

    void setSequence(long id, long sequence) {
        infos.putLong(slot(id) * INFO_SIZE, sequence);
    }

    /** Writes another id where the record's block begins, as a newer record would. */
    void overwriteBlockId(long id, long newOwner) {
        text.putLong((int) (beginOf(id) & (size - 1)), newOwner);
    }

    void setCountBits(int bits) {
        header.putInt(0, bits);
    }

    void setTailId(long id) {
        header.putLong(32, id);
    }

    void unmapText() {
        memory.unmap(TEXT);
    }

    void unmapHeader() {
        memory.unmap(RING_BUFFER);
    }

    private int slot(long id) {
        return (int) (id & (count - 1));
    }
}
