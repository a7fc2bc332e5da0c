package dev.kdumpbridge.dumptarget;

import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.kernel.printk.CrashLogFormat;
import dev.kdumpbridge.kernel.printk.PanicMessage;
import dev.kdumpbridge.kernel.printk.PrintkLog;
import dev.kdumpbridge.kernel.printk.PrintkRecord;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.target.KernelLog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The kernel log of a dump, read once, in crash's {@code log} layout. */
record DumpKernelLog(List<String> lines, Optional<String> panicMessage) implements KernelLog {
    private static final Logger LOG = LoggerFactory.getLogger(DumpKernelLog.class);

    /** Empty when the dump has no VMCOREINFO or its log cannot be read (logged). */
    static Optional<KernelLog> read(DumpFile dump, KernelMemory memory) {
        if (dump.vmcoreInfo().isEmpty()) {
            return Optional.empty();
        }
        try {
            List<PrintkRecord> records = PrintkLog.read(memory, dump.vmcoreInfo().get()).records();
            List<String> lines = new ArrayList<>();
            for (PrintkRecord record : records) {
                lines.addAll(CrashLogFormat.CRASH_DEFAULT.lines(record));
            }
            return Optional.of(new DumpKernelLog(List.copyOf(lines), PanicMessage.find(records)));
        } catch (KernelDataException | AddressFault | IOException e) {
            LOG.warn("the kernel log cannot be read: {}", e.getMessage());
            return Optional.empty();
        }
    }
}
