package dev.kdumpbridge.kernel.printk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.kernel.printk.PrintkRecord.Priority;
import dev.kdumpbridge.memory.AddressFault;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The log_buf of kernels before 5.10, read from buffers written as the kernel writes them. */
class PrintkLogLogBufTest {

    private static List<String> texts(PrintkLog log) {
        return log.records().stream().map(PrintkRecord::text).toList();
    }

    @Test
    void readsEveryFieldOfEachRecordInOrder() throws Exception {
        SyntheticLogBuf buf = new SyntheticLogBuf(1024);
        buf.append("Linux version 5.4", "", 0, 5, 0);
        buf.append("e1000 link up\nsecond line", "SUBSYSTEM=pci\0DEVICE=+pci:0000:00:03.0", 2_500_000_000L, 6, 0x8000_0002);

        PrintkLog log = buf.read();

        assertEquals(PrintkLog.Format.LOG_BUF, log.format());
        assertEquals(List.of(), log.skipped());
        assertEquals(List.of(
            new PrintkRecord(0, 0, Optional.of(new Priority(0, 5)), OptionalInt.of(0), "Linux version 5.4", "", ""),
            new PrintkRecord(1, 2_500_000_000L, Optional.of(new Priority(0, 6)), OptionalInt.of(0x8000_0002),
                "e1000 link up\nsecond line", "pci", "+pci:0000:00:03.0")), log.records());
    }

    @Test
    void anEmptyBufferHasNoRecords() throws Exception {
        assertEquals(List.of(), new SyntheticLogBuf(1024).read().records());
    }

    @Test
    void afterWrappingTheSurvivingRecordsAreReadAcrossTheWrapMarker() throws Exception {
        SyntheticLogBuf buf = new SyntheticLogBuf(1024);
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String text = "message " + i + " " + "y".repeat(i % 29);
            written.add(text);
            buf.append(text);
        }
        assertTrue(buf.wraps() > 10, "wraps: " + buf.wraps());

        PrintkLog log = buf.read();

        assertEquals(List.of(), log.skipped());
        List<String> read = texts(log);
        assertTrue(read.size() > 10, read.toString());
        assertEquals(written.subList(written.size() - read.size(), written.size()), read);
    }

    @Test
    void withoutCallerIdsTheHeaderIsShorterAndCallersAbsent() throws Exception {
        // Read as 16-byte headers, the 24-byte ones written here keep every field but caller_id in
        // place; only where the text starts moves, which this test does not look at.
        SyntheticLogBuf buf = new SyntheticLogBuf(1024);
        buf.append("ignored");

        PrintkLog log = PrintkLog.read(buf.memory, buf.vmcoreInfoWithoutCaller());

        assertEquals(OptionalInt.empty(), log.records().get(0).callerId());
        assertEquals(Optional.of(new Priority(0, 6)), log.records().get(0).priority());
    }

    @Test
    void aLengthRunningPastTheBufferEndsTheWalkWithANote() throws Exception {
        SyntheticLogBuf buf = new SyntheticLogBuf(1024);
        buf.append("one");
        int two = buf.append("two");
        buf.append("three");
        buf.setLength(two, 2000);

        PrintkLog log = buf.read();

        assertEquals(List.of("one"), texts(log));
        assertEquals(List.of(String.format("the record at log_buf+%d (0x%x) says it is 2000 bytes with 3 of text and 0 of"
            + " dictionary, which do not fit; the walk stops", two, SyntheticLogBuf.BUFFER + two)), log.skipped());
    }

    @Test
    void aTextLongerThanItsRecordEndsTheWalkWithANote() throws Exception {
        SyntheticLogBuf buf = new SyntheticLogBuf(1024);
        int one = buf.append("one");
        buf.append("two");
        buf.setTextLength(one, 100);

        PrintkLog log = buf.read();

        assertEquals(List.of(), log.records());
        assertTrue(log.skipped().get(0).contains("with 100 of text"), log.skipped().toString());
    }

    @Test
    void aFirstIndexThatNeverReachesTheNextEndsTheWalk() throws Exception {
        SyntheticLogBuf buf = new SyntheticLogBuf(1024);
        buf.append("one");
        buf.append("two");
        // Zero bytes at both: the walk meets one wrap marker, the records, then a second one.
        buf.setFirstIndex(512);
        buf.setNextIndex(600);

        PrintkLog log = buf.read();

        assertEquals(List.of("one", "two"), texts(log));
        assertTrue(log.skipped().get(0).endsWith("marks a second wrap to the start; the walk stops"),
            log.skipped().toString());
    }

    @Test
    void anUnreadableBufferIsNotedWithTheFault() throws Exception {
        SyntheticLogBuf buf = new SyntheticLogBuf(1024);
        buf.append("one");
        buf.unmapBuffer();

        PrintkLog log = buf.read();

        assertEquals(List.of(), log.records());
        assertEquals(SyntheticLogBuf.BUFFER, log.firstFault().orElseThrow().address());
        assertTrue(log.skipped().get(0).startsWith("the record at log_buf+0 (0xffffffff83000000) and every record after it:"
            + " virtual 0xffffffff83000000: not mapped"), log.skipped().get(0));
    }

    @Test
    void indexesOutsideTheBufferFailTheRead() throws Exception {
        SyntheticLogBuf buf = new SyntheticLogBuf(1024);
        buf.setFirstIndex(5000);

        KernelDataException e = assertThrows(KernelDataException.class, buf::read);

        assertTrue(e.getMessage().contains("log_buf_len 1024, log_first_idx 5000"), e.getMessage());
    }

    @Test
    void anUnreadablePointerFailsTheRead() {
        SyntheticLogBuf buf = new SyntheticLogBuf(1024);
        buf.memory.unmap(SyntheticLogBuf.LOG_BUF_SYMBOL);

        AddressFault fault = assertThrows(AddressFault.class, buf::read);

        assertEquals(SyntheticLogBuf.LOG_BUF_SYMBOL, fault.address());
    }
}
