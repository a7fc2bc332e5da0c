package dev.kdumpbridge.dump;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What a damaged dump must do, whatever the damage, for the corruption tests on synthetic and on
 * real dumps: opening either fails with a {@link DumpFormatException} that names the file and an
 * offset, or succeeds; every probe and read then gives bytes or a {@link MemoryFault} that names
 * the address. Nothing else may escape, no variant may run past a generous time limit (a hang
 * detector, not a speed test), and none may allocate more than {@link #MAX_ALLOCATION}.
 */
final class DamagedDumps {
    /** Few cached pages, so reads keep going to the file; no sibling search in temp dirs. */
    static final DumpOptions OPTIONS = new DumpOptions(4, false);
    /**
     * Bytes one variant may allocate, counted on its thread. The readers allow themselves up to
     * 64 MiB of notes and scan bitmaps 1 MiB at a time; an allocation sized by a damaged header
     * field instead of by the file is far larger, and caught here before it is an OutOfMemoryError
     * in a test JVM whose heap happens to be big enough to hide it.
     */
    static final long MAX_ALLOCATION = 256L << 20;

    /** A read of {@code length} bytes at physical {@code address}. */
    record Read(long address, int length) {
    }

    /** How one variant ended, for the tests' summaries. */
    record Outcome(boolean opened, int faults, long allocated) {
    }

    private DamagedDumps() {
    }

    static Outcome survive(String what, Path file, List<Read> reads, Duration limit) {
        return assertTimeoutPreemptively(limit, () -> {
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            Outcome outcome;
            try {
                outcome = exercise(what, file, reads);
            } catch (OutOfMemoryError e) {
                throw new AssertionError(what + ": " + e, e);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            if (allocated > MAX_ALLOCATION) {
                throw new AssertionError(what + ": allocated " + Sizes.human(allocated) + ", more than the "
                        + Sizes.human(MAX_ALLOCATION) + " any dump of this size needs");
            }
            return new Outcome(outcome.opened(), outcome.faults(), allocated);
        }, () -> what + ": still running after " + limit.toSeconds() + " s (a hang)");
    }

    private static Outcome exercise(String what, Path file, List<Read> reads) {
        DumpFile dump;
        try {
            dump = Dumps.open(List.of(file), OPTIONS);
        } catch (DumpFormatException e) {
            checkNamesFileAndOffset(what, file, e);
            return new Outcome(false, 0, 0);
        } catch (IOException | RuntimeException e) {
            throw new AssertionError(what + ": open threw " + e, e);
        }
        int faults = 0;
        try (dump) {
            dump.notes().forEach(ElfNote::descriptor);
            dump.vmcoreInfo().ifPresent(VmcoreInfo::entries);
            dump.physicalRanges();
            for (Read r : reads) {
                dump.probe(r.address()).ifPresent(fault -> checkNamesAddress(what, fault, r.address(), 1));
                try {
                    dump.read(r.address(), new byte[r.length()], 0, r.length());
                } catch (MemoryFault fault) {
                    checkNamesAddress(what, fault, r.address(), r.length());
                    faults++;
                }
            }
        } catch (DumpFormatException e) {
            // A read can still meet a structure the open did not check (a bitmap cut short).
            checkNamesFileAndOffset(what, file, e);
        } catch (IOException | RuntimeException e) {
            throw new AssertionError(what + ": " + e, e);
        }
        return new Outcome(true, faults, 0);
    }

    /** An empty file is the one problem without an offset to point at. */
    private static void checkNamesFileAndOffset(String what, Path file, DumpFormatException e) {
        boolean empty = file.toFile().length() == 0;
        if (!e.getMessage().startsWith(file + ": ") || e.offset() < 0 && !e.getMessage().contains("offset") && !empty) {
            throw new AssertionError(what + ": the message does not name the file and an offset: "
                    + e.getMessage(), e);
        }
    }

    private static void checkNamesAddress(String what, MemoryFault fault, long address, int length) {
        if (fault.address() - address < 0 || fault.address() - address >= length
                || !fault.getMessage().startsWith(String.format("0x%x: ", fault.address()))) {
            throw new AssertionError(what + ": a fault reading " + length + " bytes at " + Sizes.hex(address)
                    + " names another address: " + fault.getMessage(), fault);
        }
    }
}
