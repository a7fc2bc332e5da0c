package dev.kdumpbridge.kernel.printk;

import dev.kdumpbridge.dump.VmcoreInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A {@code log_buf} of Linux 5.4 written the way its {@code log_store} writes one
 * (kernel/printk/printk.c): {@code struct printk_log} headers of 24 bytes (with
 * {@code CONFIG_PRINTK_CALLER}), records padded to 8 bytes, the oldest records dropped until
 * the new one and an empty header fit, a zero header where the buffer wraps.
 */
final class SyntheticLogBuf {
    static final long LOG_BUF_SYMBOL = 0xffffffff8200_0000L;
    static final long LOG_BUF_LEN_SYMBOL = 0xffffffff8200_0010L;
    static final long FIRST_IDX_SYMBOL = 0xffffffff8200_0020L;
    static final long NEXT_IDX_SYMBOL = 0xffffffff8200_0030L;
    static final long BUFFER = 0xffffffff8300_0000L;
    private static final int HEADER = 24;
    private static final String VMCOREINFO = """
        SYMBOL(log_buf)=ffffffff82000000
        SYMBOL(log_buf_len)=ffffffff82000010
        SYMBOL(log_first_idx)=ffffffff82000020
        SYMBOL(clear_idx)=ffffffff82000028
        SYMBOL(log_next_idx)=ffffffff82000030
        SIZE(printk_log)=24
        OFFSET(printk_log.ts_nsec)=0
        OFFSET(printk_log.len)=8
        OFFSET(printk_log.text_len)=10
        OFFSET(printk_log.dict_len)=12
        OFFSET(printk_log.caller_id)=16
        """;

    final FakeKernelMemory memory = new FakeKernelMemory(ByteOrder.LITTLE_ENDIAN);
    private final int size;
    private final ByteBuffer buffer;
    private final ByteBuffer variables;
    private int first;
    private int next;
    private long firstSequence;
    private long nextSequence;
    private int wraps;

    SyntheticLogBuf(int size) {
        this.size = size;
        buffer = memory.map(BUFFER, size);
        variables = memory.map(LOG_BUF_SYMBOL, 0x38);
        variables.putLong(0, BUFFER);
        variables.putInt(0x10, size);
        writeIndexes();
    }

    VmcoreInfo vmcoreInfo() {
        return VmcoreInfo.parse(VMCOREINFO.getBytes(StandardCharsets.US_ASCII));
    }

    /** Without CONFIG_PRINTK_CALLER: a 16-byte header and no caller_id offset. */
    VmcoreInfo vmcoreInfoWithoutCaller() {
        return VmcoreInfo.parse(VMCOREINFO.replace("OFFSET(printk_log.caller_id)=16\n", "")
            .replace("SIZE(printk_log)=24", "SIZE(printk_log)=16").getBytes(StandardCharsets.US_ASCII));
    }

    PrintkLog read() throws Exception {
        return PrintkLog.read(memory, vmcoreInfo());
    }

    int append(String text) {
        return append(text, "", nextSequence * 1_000_000L, 6, 7);
    }

    /** log_store: returns the index the record was written at. */
    int append(String text, String dict, long timestamp, int level, int caller) {
        byte[] textBytes = text.getBytes(StandardCharsets.ISO_8859_1);
        byte[] dictBytes = dict.getBytes(StandardCharsets.ISO_8859_1);
        int recordSize = (HEADER + textBytes.length + dictBytes.length + 7) & ~7;
        // log_make_free_space
        while (firstSequence < nextSequence && !hasSpace(recordSize, false)) {
            first = following(first);
            firstSequence++;
        }
        if (!hasSpace(recordSize, firstSequence == nextSequence)) {
            throw new IllegalArgumentException("record of " + recordSize + " bytes does not fit");
        }
        if (next + recordSize + HEADER > size) {
            buffer.put(next, new byte[HEADER]);
            next = 0;
            wraps++;
        }
        int at = next;
        buffer.putLong(at, timestamp);
        buffer.putShort(at + 8, (short) recordSize);
        buffer.putShort(at + 10, (short) textBytes.length);
        buffer.putShort(at + 12, (short) dictBytes.length);
        buffer.put(at + 14, (byte) 0);
        buffer.put(at + 15, (byte) (level << 5));
        buffer.putInt(at + 16, caller);
        buffer.put(at + HEADER, textBytes);
        buffer.put(at + HEADER + textBytes.length, dictBytes);
        next += recordSize;
        nextSequence++;
        writeIndexes();
        return at;
    }

    /** logbuf_has_space */
    private boolean hasSpace(int recordSize, boolean empty) {
        int free = next > first || empty ? Math.max(size - next, first) : first - next;
        return free >= recordSize + HEADER;
    }

    /** log_next: a zero length at idx means the record at 0 is the one there. */
    private int following(int index) {
        int length = Short.toUnsignedInt(buffer.getShort(index + 8));
        return length == 0 ? Short.toUnsignedInt(buffer.getShort(8)) : index + length;
    }

    private void writeIndexes() {
        variables.putInt(0x20, first);
        variables.putInt(0x30, next);
    }

    int wraps() {
        return wraps;
    }

    void setLength(int index, int length) {
        buffer.putShort(index + 8, (short) length);
    }

    void setTextLength(int index, int length) {
        buffer.putShort(index + 10, (short) length);
    }

    void setFirstIndex(int index) {
        variables.putInt(0x20, index);
    }

    void setNextIndex(int index) {
        variables.putInt(0x30, index);
    }

    void unmapBuffer() {
        memory.unmap(BUFFER);
    }
}
