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
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The lockless ring buffer of Linux 5.10+, read from buffers written as the kernel writes them. */
class PrintkLogRingBufferTest {

    /** The id that takes a 16-slot ring's slot next; ids wrap at 62 bits, as DESC_ID_MASK has it. */
    private static long newerInSameSlot(long id) {
        return (id + 16) & -1L >>> 2;
    }

    private static List<String> texts(PrintkLog log) {
        return log.records().stream().map(PrintkRecord::text).toList();
    }

    @Test
    void readsEveryFieldOfEachRecordInOrder() throws Exception {
        SyntheticRingBuffer ring = new SyntheticRingBuffer(4, 9);
        ring.append("Linux version 6.1", 0, 0, 5, 0, "", "");
        ring.append("first line\nsecond line", 1_234_567_891L, 0, 3, 0x8000_0001, "pci", "+pci:0000:00:01.0");
        ring.append("from user space", 2_000_000_000L, 1, 4, 294, "", "");

        PrintkLog log = ring.read();

        assertEquals(PrintkLog.Format.LOCKLESS_RING_BUFFER, log.format());
        assertEquals(List.of(), log.skipped());
        assertEquals(Optional.empty(), log.firstFault());
        assertEquals(List.of(
            new PrintkRecord(0, 0, Optional.of(new Priority(0, 5)), OptionalInt.of(0), "Linux version 6.1", "", ""),
            new PrintkRecord(1, 1_234_567_891L, Optional.of(new Priority(0, 3)), OptionalInt.of(0x8000_0001),
                "first line\nsecond line", "pci", "+pci:0000:00:01.0"),
            new PrintkRecord(2, 2_000_000_000L, Optional.of(new Priority(1, 4)), OptionalInt.of(294),
                "from user space", "", "")), log.records());
        assertEquals(Optional.of("C1"), log.records().get(1).caller());
        assertEquals(Optional.of("T294"), log.records().get(2).caller());
    }

    @Test
    void anEmptyRingHasNoRecords() throws Exception {
        PrintkLog log = new SyntheticRingBuffer(4, 9).read();

        assertEquals(List.of(), log.records());
        assertEquals(List.of(), log.skipped());
    }

    @Test
    void afterManyWrapsOfBothRingsTheNewestRecordsRemainWhole() throws Exception {
        // 16 descriptors, 512 bytes of text: 1000 records wrap the ids and the text many times.
        SyntheticRingBuffer ring = new SyntheticRingBuffer(4, 9);
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String text = "message " + i + " " + "x".repeat(i % 37);
            written.add(text);
            ring.append(text);
        }
        assertTrue(ring.wrappedBlocks() > 10, "blocks stored at the start of the ring: " + ring.wrappedBlocks());

        PrintkLog log = ring.read();

        assertEquals(List.of(), log.skipped());
        List<String> read = texts(log);
        assertTrue(read.size() >= 8 && read.size() <= 16, read.toString());
        assertEquals(written.subList(written.size() - read.size(), written.size()), read);
        long last = log.records().get(read.size() - 1).sequence();
        assertEquals(999, last);
        assertEquals(LongStream.rangeClosed(last - read.size() + 1, last).boxed().toList(),
            log.records().stream().map(PrintkRecord::sequence).toList());
    }

    @Test
    void anEmptyMessageIsARecordWithoutText() throws Exception {
        SyntheticRingBuffer ring = new SyntheticRingBuffer(4, 9);
        ring.append("before");
        ring.append("");
        ring.append("after");

        assertEquals(List.of("before", "", "after"), texts(ring.read()));
    }

    @Test
    void aRecordStillBeingWrittenIsSkippedWithANote() throws Exception {
        SyntheticRingBuffer ring = new SyntheticRingBuffer(4, 9);
        ring.append("done");
        long writing = ring.append("half writ");
        ring.setState(writing, SyntheticRingBuffer.RESERVED);

        PrintkLog log = ring.read();

        assertEquals(List.of("done"), texts(log));
        assertEquals(List.of("record id " + writing + " was still being written at the crash (reserved, not committed)"),
            log.skipped());
    }

    @Test
    void aReusableRecordIsPassedOverSilentlyAsTheKernelDoes() throws Exception {
        SyntheticRingBuffer ring = new SyntheticRingBuffer(4, 9);
        ring.append("one");
        ring.setState(ring.append("two"), SyntheticRingBuffer.REUSABLE);
        ring.append("three");

        PrintkLog log = ring.read();

        assertEquals(List.of("one", "three"), texts(log));
        assertEquals(List.of(), log.skipped());
    }

    @Test
    void aDescriptorHoldingAnotherIdIsCountedAsDamage() throws Exception {
        SyntheticRingBuffer ring = new SyntheticRingBuffer(4, 9);
        ring.append("one");
        long two = ring.append("two");
        ring.append("three");
        ring.setStateVar(two, (long) SyntheticRingBuffer.FINALIZED << 62 | newerInSameSlot(two));

        PrintkLog log = ring.read();

        assertEquals(List.of("one", "three"), texts(log));
        assertEquals(1, log.skipped().size());
        assertTrue(log.skipped().get(0).startsWith("1 descriptor between tail and head held another record's id"),
            log.skipped().toString());
    }

    @Test
    void textRecycledForANewerRecordIsSkippedNotPrinted() throws Exception {
        SyntheticRingBuffer ring = new SyntheticRingBuffer(4, 9);
        ring.append("one");
        long two = ring.append("two");
        ring.append("three");
        ring.overwriteBlockId(two, newerInSameSlot(two));

        PrintkLog log = ring.read();

        assertEquals(List.of("one", "three"), texts(log));
        assertEquals(List.of("record 1: its text block now belongs to record id " + newerInSameSlot(two) + " (overwritten)"),
            log.skipped());
    }

    @Test
    void impossibleTextPositionsAreSkippedWithANote() throws Exception {
        SyntheticRingBuffer ring = new SyntheticRingBuffer(4, 9);
        ring.append("one");
        long beyond = ring.append("two");
        long misaligned = ring.append("three");
        long lost = ring.append("four");
        ring.append("five");
        long begin = ring.beginOf(beyond);
        ring.setLpos(beyond, begin, begin + 3 * 512);
        ring.setLpos(misaligned, ring.beginOf(misaligned) + 4, ring.beginOf(misaligned) + 20);
        ring.setLpos(lost, SyntheticRingBuffer.FAILED_LPOS, SyntheticRingBuffer.FAILED_LPOS);

        PrintkLog log = ring.read();

        assertEquals(List.of("one", "five"), texts(log));
        assertEquals(3, log.skipped().size(), log.skipped().toString());
        assertTrue(log.skipped().get(0).startsWith("record 1: its text block [0x"), log.skipped().get(0));
        assertTrue(log.skipped().get(0).endsWith(") is no position in a ring of 512 bytes"), log.skipped().get(0));
        assertTrue(log.skipped().get(1).endsWith("is misaligned or too short for its id"), log.skipped().get(1));
        assertEquals("record 3: its text was never stored (no room in the text ring when it was written)",
            log.skipped().get(2));
    }

    @Test
    void aTextLengthBeyondTheBlockIsCutToTheBlockWithANote() throws Exception {
        SyntheticRingBuffer ring = new SyntheticRingBuffer(4, 9);
        long id = ring.append("12345678");
        ring.setTextLength(id, 300);

        PrintkLog log = ring.read();

        assertEquals(List.of("12345678"), texts(log));
        assertEquals(List.of("record 0: says 300 bytes of text, its block holds 8; printed as far as it goes"),
            log.skipped());
    }

    @Test
    void aSequenceNumberOutsideItsSlotIsSkipped() throws Exception {
        SyntheticRingBuffer ring = new SyntheticRingBuffer(4, 9);
        ring.append("one");
        ring.setSequence(ring.append("two"), 7);

        PrintkLog log = ring.read();

        assertEquals(List.of("one"), texts(log));
        assertTrue(log.skipped().get(0).contains("its info says sequence 7, which belongs in slot 7, not 1"),
            log.skipped().toString());
    }

    @Test
    void aTailTooFarBehindTheHeadIsReadFromTheHeadBack() throws Exception {
        SyntheticRingBuffer ring = new SyntheticRingBuffer(4, 9);
        for (int i = 0; i < 20; i++) {
            ring.append("m" + i);
        }
        ring.setTailId(ring.headId() - 1000);

        PrintkLog log = ring.read();

        assertEquals("m19", texts(log).get(texts(log).size() - 1));
        assertTrue(log.skipped().get(0).endsWith("in a ring of 16; reading the newest 16"), log.skipped().toString());
    }

    @Test
    void unreadableTextIsSkippedAndTheFaultKept() throws Exception {
        SyntheticRingBuffer ring = new SyntheticRingBuffer(4, 9);
        ring.append("one");
        ring.append("two");
        ring.unmapText();

        PrintkLog log = ring.read();

        assertEquals(List.of(), log.records());
        assertEquals(2, log.skipped().size());
        assertTrue(log.skipped().get(0).startsWith("record 0: text: virtual 0xffffffff84000000: not mapped"),
            log.skipped().get(0));
        assertEquals(SyntheticRingBuffer.TEXT, log.firstFault().orElseThrow().address());
    }

    @Test
    void anUnreadableHeaderFailsTheRead() {
        SyntheticRingBuffer ring = new SyntheticRingBuffer(4, 9);
        ring.unmapHeader();

        AddressFault fault = assertThrows(AddressFault.class, ring::read);

        assertEquals(SyntheticRingBuffer.RING_BUFFER, fault.address());
    }

    @Test
    void anImpossibleRingSizeFailsTheReadInsteadOfSizingIt() {
        SyntheticRingBuffer ring = new SyntheticRingBuffer(4, 9);
        ring.setCountBits(40);

        KernelDataException e = assertThrows(KernelDataException.class, ring::read);

        assertTrue(e.getMessage().contains("has 40 descriptor bits and 9 text bits"), e.getMessage());
    }

    @Test
    void aMissingVmcoreinfoEntryIsNamed() {
        SyntheticRingBuffer ring = new SyntheticRingBuffer(4, 9);

        KernelDataException e = assertThrows(KernelDataException.class,
            () -> PrintkLog.read(ring.memory, ring.vmcoreInfo("OFFSET(printk_info.text_len)", null)));

        assertEquals("VMCOREINFO has no OFFSET(printk_info.text_len), which reading the kernel log needs", e.getMessage());
    }

    @Test
    void withoutRoomForFacilityAndLevelTheyAreUnknown() throws Exception {
        SyntheticRingBuffer ring = new SyntheticRingBuffer(4, 9);
        ring.append("one");

        PrintkLog log = PrintkLog.read(ring.memory, ring.vmcoreInfo("OFFSET(printk_info.caller_id)", "24"));

        assertEquals(Optional.empty(), log.records().get(0).priority());
    }

    @Test
    void aVmcoreinfoWithoutEitherBufferIsNamed() {
        SyntheticRingBuffer ring = new SyntheticRingBuffer(4, 9);

        KernelDataException e = assertThrows(KernelDataException.class,
            () -> PrintkLog.read(ring.memory, ring.vmcoreInfo("SYMBOL(prb)", null)));

        assertTrue(e.getMessage().startsWith("VMCOREINFO names neither SYMBOL(prb)"), e.getMessage());
    }
}
