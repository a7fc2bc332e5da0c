package dev.kdumpbridge.kernel.printk;

import dev.kdumpbridge.dump.VmcoreInfo;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The kernel log of a dump: every record the printk buffer still held, oldest first, and what
 * had to be left out. Read with {@link #read}; render with {@link CrashLogFormat}.
 */
public final class PrintkLog {

    /** Which of the kernel's two log buffers the records came from. */
    public enum Format {
        /** {@code prb}, the lockless ring buffer of Linux 5.10 and later. */
        LOCKLESS_RING_BUFFER("lockless printk ring buffer (prb)"),
        /** {@code log_buf} with {@code struct printk_log} records, before Linux 5.10. */
        LOG_BUF("log_buf of struct printk_log records");

        private final String description;

        Format(String description) {
            this.description = description;
        }

        /** Human-readable name, for messages. */
        public String description() {
            return description;
        }
    }

    private final Format format;
    private final List<PrintkRecord> records;
    private final List<String> skipped;
    private final Optional<AddressFault> firstFault;

    private PrintkLog(Format format, List<PrintkRecord> records, List<String> skipped,
            Optional<AddressFault> firstFault) {
        this.format = format;
        this.records = List.copyOf(records);
        this.skipped = List.copyOf(skipped);
        this.firstFault = firstFault;
    }

    /**
     * Reads the whole log. Symbols, sizes and offsets all come from VMCOREINFO.
     *
     * @throws KernelDataException when VMCOREINFO lacks an entry the format needs, or the buffer's
     *                             header holds values no kernel writes (the message names them)
     * @throws AddressFault        when the buffer's header cannot be read (pages left out of the
     *                             dump); records that cannot be read are skipped instead
     */
    public static PrintkLog read(KernelMemory memory, VmcoreInfo vmcoreInfo)
            throws KernelDataException, AddressFault, IOException {
        VmcoreLayout layout = new VmcoreLayout(vmcoreInfo);
        OptionalLong prb = vmcoreInfo.symbol("prb");
        if (prb.isPresent()) {
            return LocklessRingBuffer.read(memory, layout, prb.getAsLong());
        }
        OptionalLong logBuf = vmcoreInfo.symbol("log_buf");
        if (logBuf.isPresent()) {
            return LegacyLogBuffer.read(memory, layout, logBuf.getAsLong());
        }
        throw new KernelDataException("VMCOREINFO names neither SYMBOL(prb) (Linux 5.10 and later)"
            + " nor SYMBOL(log_buf) (before), so the kernel log cannot be found");
    }

    public Format format() {
        return format;
    }

    /** The records in the order the kernel wrote them. */
    public List<PrintkRecord> records() {
        return records;
    }

    /**
     * One note per record or run of records left out, saying which and why, in buffer order.
     * Empty for an intact log.
     */
    public List<String> skipped() {
        return skipped;
    }

    /**
     * The first read that failed, when records were lost to memory the dump does not have (the
     * fault names the address); empty when every record could be read.
     */
    public Optional<AddressFault> firstFault() {
        return firstFault;
    }

    /** What the readers of both formats collect while walking a buffer. */
    static final class Builder {
        private final Format format;
        private final List<PrintkRecord> records = new ArrayList<>();
        private final List<String> skipped = new ArrayList<>();
        private AddressFault firstFault;

        Builder(Format format) {
            this.format = format;
        }

        void add(PrintkRecord record) {
            records.add(record);
        }

        void skip(String note) {
            skipped.add(note);
        }

        /** {@code what} could not be read; the note gives the fault's address and reason. */
        void unreadable(String what, AddressFault fault) {
            skipped.add(what + ": " + fault.getMessage());
            if (firstFault == null) {
                firstFault = fault;
            }
        }

        PrintkLog build() {
            return new PrintkLog(format, records, skipped, Optional.ofNullable(firstFault));
        }
    }
}
