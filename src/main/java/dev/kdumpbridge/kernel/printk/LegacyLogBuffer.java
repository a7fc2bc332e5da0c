package dev.kdumpbridge.kernel.printk;

import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.kernel.printk.PrintkLog.Format;
import dev.kdumpbridge.kernel.printk.VmcoreLayout.Decoder;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Reads the kernel log of Linux 3.5 to 5.9: {@code log_buf} (kernel/printk/printk.c).
 *
 * <p>{@code log_buf} points to {@code log_buf_len} bytes of records, oldest at byte
 * {@code log_first_idx}, the next to be written at {@code log_next_idx}. A record is a
 * {@code struct printk_log} header, {@code text_len} bytes of text and {@code dict_len} bytes of
 * dictionary ({@code KEY=value} strings separated by NUL), padded to {@code len} bytes. Where
 * the next record would not fit before the end of the buffer, the kernel leaves a header with
 * {@code len} 0 there and continues at byte 0.
 *
 * <p>Each record is found through the one before, so a header with impossible lengths ends the
 * walk (with a note); an unreadable text does not, since its header says where the next begins.
 */
final class LegacyLogBuffer {
    /** The kernel's LOG_BUF_LEN_MAX: {@code log_buf_len=} accepts no more. */
    private static final long MAX_BUFFER = 1L << 31;

    private final KernelMemory memory;
    private final Decoder decoder;
    private final PrintkLog.Builder log = new PrintkLog.Builder(Format.LOG_BUF);
    private final int headerSize;
    private final int timestamp;
    private final int length;
    private final int textLength;
    private final int dictLength;
    /** -1 without CONFIG_PRINTK_CALLER, which is what exports it. */
    private final int callerId;
    /** Offset of the facility byte, or -1 when the exported offsets do not leave room for it. */
    private final int facility;

    private LegacyLogBuffer(KernelMemory memory, VmcoreLayout layout, Decoder decoder) throws KernelDataException {
        this.memory = memory;
        this.decoder = decoder;
        headerSize = layout.required("SIZE(printk_log)");
        timestamp = layout.required("OFFSET(printk_log.ts_nsec)");
        length = layout.required("OFFSET(printk_log.len)");
        textLength = layout.required("OFFSET(printk_log.text_len)");
        dictLength = layout.required("OFFSET(printk_log.dict_len)");
        callerId = layout.optional("OFFSET(printk_log.caller_id)");
        // u16 dict_len; u8 facility; u8 flags:5, level:3; then u32 caller_id if configured.
        boolean roomForPriority = callerId >= 0 ? callerId == dictLength + 4 : dictLength + 4 <= headerSize;
        facility = roomForPriority ? dictLength + 2 : -1;
        for (int[] field : new int[][] {{timestamp, Long.BYTES}, {length, Short.BYTES}, {textLength, Short.BYTES},
            {dictLength, Short.BYTES}, {Math.max(callerId, 0), callerId >= 0 ? Integer.BYTES : 0}}) {
            if (field[0] + field[1] > headerSize) {
                throw new KernelDataException("VMCOREINFO's printk_log offsets do not fit its SIZE " + headerSize);
            }
        }
    }

    static PrintkLog read(KernelMemory memory, VmcoreLayout layout, long logBufSymbol)
            throws KernelDataException, AddressFault, IOException {
        Decoder decoder = Decoder.forSymbol(memory.byteOrder(), logBufSymbol);
        LegacyLogBuffer reader = new LegacyLogBuffer(memory, layout, decoder);
        long buffer = decoder.word(memory.read(logBufSymbol, decoder.wordSize()), 0);
        long size = Integer.toUnsignedLong(memory.readInt(layout.symbol("log_buf_len")));
        long first = Integer.toUnsignedLong(memory.readInt(layout.symbol("log_first_idx")));
        long next = Integer.toUnsignedLong(memory.readInt(layout.symbol("log_next_idx")));
        if (size < reader.headerSize || size > MAX_BUFFER || first >= size || next >= size) {
            throw new KernelDataException(String.format("log_buf at 0x%x: log_buf_len %d, log_first_idx %d and"
                + " log_next_idx %d describe no buffer", buffer, size, first, next));
        }
        reader.walk(buffer, size, first, next);
        return reader.log.build();
    }

    private void walk(long buffer, long size, long first, long next) throws IOException {
        long index = first;
        boolean wrapped = false;
        long sequence = 0;
        // Every record takes at least a header, and the wrap marker one more.
        for (long steps = size / headerSize + 1; index != next; steps--) {
            String where = String.format("the record at log_buf+%d (0x%x)", index, buffer + index);
            if (steps == 0 || index + headerSize > size) {
                log.skip(where + " lies outside the buffer; the walk stops short of log_next_idx " + next);
                return;
            }
            byte[] header;
            try {
                header = memory.read(buffer + index, headerSize);
            } catch (AddressFault fault) {
                log.unreadable(where + " and every record after it", fault);
                return;
            }
            int recordLength = decoder.u16(header, length);
            if (recordLength == 0) {
                if (wrapped) {
                    log.skip(where + " marks a second wrap to the start; the walk stops");
                    return;
                }
                wrapped = true;
                index = 0;
                continue;
            }
            int text = decoder.u16(header, textLength);
            int dict = decoder.u16(header, dictLength);
            if (recordLength < headerSize + text + dict || index + recordLength > size) {
                log.skip(String.format("%s says it is %d bytes with %d of text and %d of dictionary, which do not fit;"
                    + " the walk stops", where, recordLength, text, dict));
                return;
            }
            record(header, buffer + index + headerSize, text, dict, sequence, where);
            sequence++;
            index += recordLength;
        }
    }

    private void record(byte[] header, long textAddress, int text, int dict, long sequence, String where)
            throws IOException {
        byte[] body;
        try {
            body = memory.read(textAddress, text + dict);
        } catch (AddressFault fault) {
            log.unreadable(where + ": text", fault);
            return;
        }
        String subsystem = "";
        String device = "";
        for (String entry : new String(body, text, dict, StandardCharsets.ISO_8859_1).split("\0")) {
            if (entry.startsWith("SUBSYSTEM=")) {
                subsystem = entry.substring("SUBSYSTEM=".length());
            } else if (entry.startsWith("DEVICE=")) {
                device = entry.substring("DEVICE=".length());
            }
        }
        log.add(new PrintkRecord(sequence, decoder.u64(header, timestamp),
            facility < 0 ? Optional.empty() : Optional.of(decoder.priority(header, facility)),
            callerId < 0 ? OptionalInt.empty() : OptionalInt.of(decoder.u32(header, callerId)),
            new String(body, 0, text, StandardCharsets.ISO_8859_1), subsystem, device));
    }
}
