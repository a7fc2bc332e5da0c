package dev.kdumpbridge.kernel.printk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kdumpbridge.kernel.printk.PrintkRecord.Priority;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** {@link CrashLogFormat}: the lines crash's log prints for a record. */
class PrintkLogFormatTest {

    private static PrintkRecord record(long nanos, String text) {
        return new PrintkRecord(0, nanos, Optional.of(new Priority(0, 4)), OptionalInt.of(1), text, "", "");
    }

    @Test
    void timestampsAreSecondsAndMicrosecondsPaddedLikeCrash() {
        assertEquals(List.of("[    9.665082] Kernel panic"),
            CrashLogFormat.CRASH_DEFAULT.lines(record(9_665_082_999L, "Kernel panic")));
        assertEquals(List.of("[123456.000001] late"),
            CrashLogFormat.CRASH_DEFAULT.lines(record(123_456_000_001_000L, "late")));
    }

    @Test
    void theLargestTimestampIsReadUnsigned() {
        assertEquals(List.of("[18446744073.709551] x"), CrashLogFormat.CRASH_DEFAULT.lines(record(-1L, "x")));
    }

    @Test
    void laterLinesOfARecordAreIndentedUnderTheFirstsText() {
        assertEquals(List.of(
            "[    2.009874] Unstable clock detected",
            "               If you want to keep using the local clock, then add:",
            "                 \"trace_clock=local\""),
            CrashLogFormat.CRASH_DEFAULT.lines(record(2_009_874_000L,
                "Unstable clock detected\nIf you want to keep using the local clock, then add:\n  \"trace_clock=local\"")));
    }

    @Test
    void withoutTimestampsNothingIsIndented() {
        assertEquals(List.of("a", "b"), CrashLogFormat.TEXT_ONLY.lines(record(5, "a\nb")));
    }

    @Test
    void theLevelFollowsTheTimeAndWidensTheIndent() {
        CrashLogFormat levels = new CrashLogFormat(true, true, false);
        assertEquals(List.of("[    0.000001] <4>one", "                  two"), levels.lines(record(1_000, "one\ntwo")));
        assertEquals(List.of("<4>one"), new CrashLogFormat(false, true, false).lines(record(1_000, "one")));
    }

    @Test
    void anUnknownLevelIsLeftOut() {
        PrintkRecord unknown = new PrintkRecord(0, 0, Optional.empty(), OptionalInt.empty(), "x", "", "");
        assertEquals(List.of("[    0.000000] x"), new CrashLogFormat(true, true, false).lines(unknown));
    }

    @Test
    void bytesThatAreNeitherPrintableNorSpaceAreDots() {
        // UTF-8 "°" is two bytes; tabs and carriage returns stay.
        String degree = new String("\u00b0".getBytes(StandardCharsets.UTF_8),
            StandardCharsets.ISO_8859_1);
        assertEquals(List.of("[    0.000000] 45..C\ta\rb.\u007f.".replace("\u007f", ".")),
            CrashLogFormat.CRASH_DEFAULT.lines(record(0, "45" + degree + "C\ta\rb\u0001\u007f\u0000")));
    }

    @Test
    void deviceInfoComesOnIndentedLinesAfterTheText() {
        PrintkRecord device = new PrintkRecord(0, 0, Optional.empty(), OptionalInt.empty(), "link up", "pci", "+pci:0000:00:03.0");
        assertEquals(List.of("[    0.000000] link up", "               SUBSYSTEM=pci", "               DEVICE=+pci:0000:00:03.0"),
            new CrashLogFormat(true, false, true).lines(device));
        assertEquals(List.of("[    0.000000] link up"), CrashLogFormat.CRASH_DEFAULT.lines(device));
    }

    @Test
    void anEmptyRecordIsItsPrefixAlone() {
        assertEquals(List.of("[    1.000000] "), CrashLogFormat.CRASH_DEFAULT.lines(record(1_000_000_000L, "")));
    }

    @Test
    void decodedTextReadsUtf8() {
        String stored = new String("45\u00b0C".getBytes(StandardCharsets.UTF_8),
            StandardCharsets.ISO_8859_1);
        assertEquals("45\u00b0C", record(0, stored).decodedText());
    }
}
