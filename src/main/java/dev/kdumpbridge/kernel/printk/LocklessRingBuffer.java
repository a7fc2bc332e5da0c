package dev.kdumpbridge.kernel.printk;

import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.kernel.printk.PrintkLog.Format;
import dev.kdumpbridge.kernel.printk.VmcoreLayout.Decoder;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Reads the lockless printk ring buffer of Linux 5.10 and later (kernel/printk/printk_ringbuffer.c).
 *
 * <p>{@code prb} points to a {@code printk_ringbuffer}: a descriptor ring of 2^count_bits
 * {@code prb_desc} (state and text position) with a parallel array of {@code printk_info}
 * (sequence, time, length, caller, device), and a text ring of 2^size_bits bytes. Records live
 * in the descriptors from {@code tail_id} to {@code head_id}. A descriptor's {@code state_var}
 * holds its id in the low bits and its state in the top two; only committed and finalized
 * records are complete. Text positions ("lpos") count bytes since the ring was created: the
 * index is the low size_bits, the number of wraps the rest. A text block begins with the id of
 * the descriptor that owns it, and a block that would run past the end of the ring is stored
 * whole at its start instead.
 *
 * <p>The checks are the kernel reader's ({@code get_data}, {@code copy_data},
 * {@code desc_read}), plus the block's id, which tells text recycled for a newer record.
 */
final class LocklessRingBuffer {
    /** {@code enum desc_state}: the top two bits of {@code state_var}. */
    private static final int RESERVED = 0;
    private static final int REUSABLE = 3;
    /** {@code NO_LPOS}: a record whose text is empty has no block; both positions hold this. */
    private static final long NO_LPOS = 0x3;
    /**
     * Limits on the ring sizes. The kernel's buffer is at most LOG_BUF_LEN_MAX = 2^31 bytes, with
     * one descriptor per 2^5 bytes of text (PRB_AVGBITS); values beyond are damage, and would
     * otherwise size the walk.
     */
    private static final int MAX_SIZE_BITS = 31;
    private static final int MAX_COUNT_BITS = MAX_SIZE_BITS - 5;
    /** Descriptors read per request: a few reads for a whole ring, bounded memory for a huge one. */
    private static final int SLOTS_PER_READ = 512;

    private final KernelMemory memory;
    private final Decoder decoder;
    private final PrintkLog.Builder log = new PrintkLog.Builder(Format.LOCKLESS_RING_BUFFER);

    /** DESC_ID_MASK: the state takes the top two bits of the word. */
    private final long idMask;

    // Layout, all from VMCOREINFO.
    /** {@code atomic_long_t.counter}, inside every atomic field read. */
    private final int counter;
    private final int descSize;
    private final int stateVar;
    private final int textBegin;
    private final int textNext;
    private final int infoSize;
    private final int infoSeq;
    private final int infoTimestamp;
    private final int infoTextLen;
    private final int infoCallerId;
    /** Offset of the facility byte, or -1 when the exported offsets do not leave room for it. */
    private final int infoFacility;
    private final int subsystem;
    private final int subsystemLength;
    private final int device;
    private final int deviceLength;

    // The ring, from its header.
    private long descs;
    private long infos;
    private long count;
    private long text;
    private long textSize;
    private int textSizeBits;

    // The slots read last, so that walking ids in order reads each part of the arrays once.
    private int loadedFirstSlot = -1;
    private int loadedSlots;
    /** Null when the loaded slots could not be read. */
    private byte[] loadedDescs;
    private byte[] loadedInfos;

    private LocklessRingBuffer(KernelMemory memory, VmcoreLayout layout, Decoder decoder) throws KernelDataException {
        this.memory = memory;
        this.decoder = decoder;
        idMask = decoder.wordMask() >>> 2;
        counter = layout.required("OFFSET(atomic_long_t.counter)");
        descSize = layout.required("SIZE(prb_desc)");
        stateVar = layout.required("OFFSET(prb_desc.state_var)") + counter;
        int textLpos = layout.required("OFFSET(prb_desc.text_blk_lpos)");
        textBegin = textLpos + layout.required("OFFSET(prb_data_blk_lpos.begin)");
        textNext = textLpos + layout.required("OFFSET(prb_data_blk_lpos.next)");
        infoSize = layout.required("SIZE(printk_info)");
        infoSeq = layout.required("OFFSET(printk_info.seq)");
        infoTimestamp = layout.required("OFFSET(printk_info.ts_nsec)");
        infoTextLen = layout.required("OFFSET(printk_info.text_len)");
        infoCallerId = layout.required("OFFSET(printk_info.caller_id)");
        // u16 text_len; u8 facility; u8 flags:5, level:3; u32 caller_id (printk_ringbuffer.h).
        infoFacility = infoCallerId == infoTextLen + 4 ? infoTextLen + 2 : -1;
        int devInfo = layout.optional("OFFSET(printk_info.dev_info)");
        int subsystemOffset = layout.optional("OFFSET(dev_printk_info.subsystem)");
        int deviceOffset = layout.optional("OFFSET(dev_printk_info.device)");
        int subsystemBytes = layout.optional("LENGTH(printk_info_subsystem)");
        int deviceBytes = layout.optional("LENGTH(printk_info_device)");
        boolean hasSubsystem = devInfo >= 0 && subsystemOffset >= 0 && subsystemBytes > 0;
        boolean hasDevice = devInfo >= 0 && deviceOffset >= 0 && deviceBytes > 0;
        subsystem = hasSubsystem ? devInfo + subsystemOffset : 0;
        subsystemLength = hasSubsystem ? subsystemBytes : 0;
        device = hasDevice ? devInfo + deviceOffset : 0;
        deviceLength = hasDevice ? deviceBytes : 0;
        int[][] fields = {{stateVar, decoder.wordSize(), descSize}, {textBegin, decoder.wordSize(), descSize},
            {textNext, decoder.wordSize(), descSize}, {infoSeq, Long.BYTES, infoSize},
            {infoTimestamp, Long.BYTES, infoSize}, {infoTextLen, Short.BYTES, infoSize},
            {infoCallerId, Integer.BYTES, infoSize}, {subsystem, subsystemLength, infoSize},
            {device, deviceLength, infoSize}};
        for (int[] field : fields) {
            if (field[0] + field[1] > field[2]) {
                throw new KernelDataException("VMCOREINFO's printk offsets do not fit its sizes: a field at "
                    + field[0] + " of " + field[1] + " bytes in a structure of " + field[2]);
            }
        }
    }

    static PrintkLog read(KernelMemory memory, VmcoreLayout layout, long prbSymbol)
            throws KernelDataException, AddressFault, IOException {
        Decoder decoder = Decoder.forSymbol(memory.byteOrder(), prbSymbol);
        LocklessRingBuffer reader = new LocklessRingBuffer(memory, layout, decoder);
        // prb is a pointer: to printk_rb_static at boot, to printk_rb_dynamic once setup_log_buf ran.
        long ringBuffer = decoder.word(memory.read(prbSymbol, decoder.wordSize()), 0);
        long[] ids = reader.readHeader(layout, ringBuffer);
        reader.walk(ids[0], ids[1]);
        return reader.log.build();
    }

    /** Reads the {@code printk_ringbuffer}; returns its tail and head ids. */
    private long[] readHeader(VmcoreLayout layout, long address) throws KernelDataException, AddressFault, IOException {
        int descRing = layout.required("OFFSET(printk_ringbuffer.desc_ring)");
        int textRing = layout.required("OFFSET(printk_ringbuffer.text_data_ring)");
        int countBitsAt = descRing + layout.required("OFFSET(prb_desc_ring.count_bits)");
        int descsAt = descRing + layout.required("OFFSET(prb_desc_ring.descs)");
        int infosAt = descRing + layout.required("OFFSET(prb_desc_ring.infos)");
        int headIdAt = descRing + layout.required("OFFSET(prb_desc_ring.head_id)") + counter;
        int tailIdAt = descRing + layout.required("OFFSET(prb_desc_ring.tail_id)") + counter;
        int sizeBitsAt = textRing + layout.required("OFFSET(prb_data_ring.size_bits)");
        int dataAt = textRing + layout.required("OFFSET(prb_data_ring.data)");
        int size = layout.required("SIZE(printk_ringbuffer)");
        int word = decoder.wordSize();
        for (int end : new int[] {countBitsAt + 4, sizeBitsAt + 4, descsAt + word, infosAt + word,
            headIdAt + word, tailIdAt + word, dataAt + word}) {
            if (end > size) {
                throw new KernelDataException("VMCOREINFO's printk_ringbuffer offsets run past its SIZE " + size);
            }
        }
        byte[] header = memory.read(address, size);
        int countBits = decoder.u32(header, countBitsAt);
        textSizeBits = decoder.u32(header, sizeBitsAt);
        if (countBits < 1 || countBits > MAX_COUNT_BITS || textSizeBits < 4 || textSizeBits > MAX_SIZE_BITS) {
            throw new KernelDataException(String.format("the printk ring buffer at 0x%x has %d descriptor bits and"
                + " %d text bits; a kernel uses 1 to %d and 4 to %d", address, countBits, textSizeBits,
                MAX_COUNT_BITS, MAX_SIZE_BITS));
        }
        count = 1L << countBits;
        textSize = 1L << textSizeBits;
        descs = decoder.word(header, descsAt);
        infos = decoder.word(header, infosAt);
        text = decoder.word(header, dataAt);
        return new long[] {decoder.word(header, tailIdAt) & idMask, decoder.word(header, headIdAt) & idMask};
    }

    /** Every id from tail to head inclusive, as the kernel's readers and crash's do. */
    private void walk(long tail, long head) throws IOException {
        long span = ((head - tail) & idMask) + 1;
        long first = tail;
        if (span > count) {
            // The kernel never lets the two drift further apart than the ring; trust the head.
            first = (head - count + 1) & idMask;
            log.skip(String.format("tail id %d is %d descriptors behind head id %d in a ring of %d;"
                + " reading the newest %d", tail, span - 1, head, count, count));
            span = count;
        }
        long misplaced = 0;
        for (long i = 0; i < span; i++) {
            long id = (first + i) & idMask;
            if (!readRecord(id)) {
                misplaced++;
            }
        }
        if (misplaced > 0) {
            log.skip(misplaced + (misplaced == 1 ? " descriptor" : " descriptors")
                + " between tail and head held another record's id (being reused at the crash, or damaged)");
        }
    }

    /**
     * Reads the record of {@code id}, adding it or a note to the log. A reusable descriptor is
     * passed over without a note, as the kernel's readers do: its text was recycled to make room
     * (the tail of a full ring), or it is the placeholder the ring starts with.
     *
     * @return false when the descriptor holds another id, which a consistent ring never has
     *         between tail and head (counted, not noted one by one)
     */
    private boolean readRecord(long id) throws IOException {
        int slot = (int) (id & (count - 1));
        if (!load(slot)) {
            return true;
        }
        int desc = (slot - loadedFirstSlot) * descSize;
        int info = (slot - loadedFirstSlot) * infoSize;
        long state = decoder.word(loadedDescs, desc + stateVar);
        int flags = (int) (state >>> (decoder.wordSize() * 8 - 2)) & 0x3;
        if ((state & idMask) != id) {
            return false;
        }
        if (flags == REUSABLE) {
            return true;
        }
        if (flags == RESERVED) {
            log.skip("record id " + id + " was still being written at the crash (reserved, not committed)");
            return true;
        }
        // Committed (1) or finalized (2): complete. The kernel's own readers wait for finalized,
        // but a committed record at the head is only one the crash kept from being extended;
        // crash prints it too.
        long sequence = decoder.u64(loadedInfos, info + infoSeq);
        // The kernel finds a record by its sequence number's slot, so the two always agree.
        if ((sequence & (count - 1)) != slot) {
            log.skip(String.format("record id %d: its info says sequence %d, which belongs in slot %d, not %d",
                id, sequence, sequence & (count - 1), slot));
            return true;
        }
        int textLength = decoder.u16(loadedInfos, info + infoTextLen);
        Optional<String> textOf = text(id, sequence, textLength,
            decoder.word(loadedDescs, desc + textBegin), decoder.word(loadedDescs, desc + textNext));
        if (textOf.isPresent()) {
            log.add(new PrintkRecord(sequence,
                decoder.u64(loadedInfos, info + infoTimestamp),
                infoFacility < 0 ? Optional.empty() : Optional.of(decoder.priority(loadedInfos, info + infoFacility)),
                OptionalInt.of(decoder.u32(loadedInfos, info + infoCallerId)),
                textOf.get(),
                Decoder.cString(loadedInfos, info + subsystem, subsystemLength),
                Decoder.cString(loadedInfos, info + device, deviceLength)));
        }
        return true;
    }

    /**
     * Makes the descriptors and infos around {@code slot} the loaded ones.
     *
     * @return false when they cannot be read (noted once per batch)
     */
    private boolean load(int slot) throws IOException {
        if (loadedFirstSlot >= 0 && slot >= loadedFirstSlot && slot < loadedFirstSlot + loadedSlots) {
            return loadedDescs != null;
        }
        int first = slot - slot % SLOTS_PER_READ;
        int slots = (int) Math.min(SLOTS_PER_READ, count - first);
        loadedFirstSlot = first;
        loadedSlots = slots;
        loadedDescs = new byte[slots * descSize];
        loadedInfos = new byte[slots * infoSize];
        try {
            memory.read(descs + (long) first * descSize, loadedDescs, 0, loadedDescs.length);
            memory.read(infos + (long) first * infoSize, loadedInfos, 0, loadedInfos.length);
            return true;
        } catch (AddressFault fault) {
            log.unreadable(String.format("records in descriptor slots %d to %d", first, first + slots - 1), fault);
            loadedDescs = null;
            loadedInfos = null;
            return false;
        }
    }

    /**
     * The record's text from its block {@code [begin, next)}, checked as the kernel's
     * {@code get_data} checks it; empty (with a note) when it cannot be trusted.
     */
    private Optional<String> text(long id, long sequence, int textLength, long begin, long next) throws IOException {
        String record = "record " + sequence;
        if ((begin & 1) != 0 && (next & 1) != 0) {
            if (begin == NO_LPOS && next == NO_LPOS) {
                return Optional.of("");
            }
            log.skip(record + ": its text was never stored (no room in the text ring when it was written)");
            return Optional.empty();
        }
        long mask = decoder.wordMask();
        long offset;
        long blockSize;
        if (wraps(begin) == wraps(next) && Long.compareUnsigned(begin, next) < 0) {
            offset = index(begin);
            blockSize = (next - begin) & mask;
        } else if (wraps((begin + textSize) & mask) == wraps(next)) {
            // Would have run past the end of the ring, so the kernel stored it at the start.
            offset = 0;
            blockSize = index(next);
        } else {
            log.skip(String.format("%s: its text block [0x%x, 0x%x) is no position in a ring of %d bytes",
                record, begin, next, textSize));
            return Optional.empty();
        }
        int word = decoder.wordSize();
        if (begin % word != 0 || next % word != 0 || blockSize < word) {
            log.skip(String.format("%s: its text block [0x%x, 0x%x) is misaligned or too short for its id",
                record, begin, next));
            return Optional.empty();
        }
        byte[] block = new byte[(int) blockSize];
        try {
            memory.read(text + offset, block, 0, block.length);
        } catch (AddressFault fault) {
            log.unreadable(record + ": text", fault);
            return Optional.empty();
        }
        long owner = decoder.word(block, 0) & idMask;
        if (owner != id) {
            log.skip(String.format("%s: its text block now belongs to record id %d (overwritten)", record, owner));
            return Optional.empty();
        }
        int stored = block.length - word;
        if (textLength > stored) {
            log.skip(String.format("%s: says %d bytes of text, its block holds %d; printed as far as it goes",
                record, textLength, stored));
        }
        byte[] bytes = Arrays.copyOfRange(block, word, word + Math.min(textLength, stored));
        return Optional.of(new String(bytes, StandardCharsets.ISO_8859_1));
    }

    /** {@code DATA_WRAPS}: how many times the ring had wrapped at this position. */
    private long wraps(long lpos) {
        return lpos >>> textSizeBits;
    }

    /** {@code DATA_INDEX}: the position's offset in the ring. */
    private long index(long lpos) {
        return lpos & (textSize - 1);
    }
}
