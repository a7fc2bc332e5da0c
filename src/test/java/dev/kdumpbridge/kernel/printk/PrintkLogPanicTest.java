package dev.kdumpbridge.kernel.printk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** {@link PanicMessage}: the line crash's sys calls the panic. */
class PrintkLogPanicTest {

    private static List<PrintkRecord> log(String... texts) {
        return Arrays.stream(texts)
            .map(t -> new PrintkRecord(0, 0, Optional.empty(), OptionalInt.empty(), t, "", ""))
            .toList();
    }

    @Test
    void aPanicAfterAModernSysrqLineIsThePanicLine() {
        // Kernels since 4.x print "sysrq: Trigger a crash", which is not crash's "SysRq : Trigger a crash".
        assertEquals(Optional.of("Kernel panic - not syncing: sysrq triggered crash"), PanicMessage.find(log(
            "sysrq: Trigger a crash", "Kernel panic - not syncing: sysrq triggered crash", "CPU: 0 PID: 294")));
    }

    @Test
    void anEarlierMessageInCrashsListWinsOverAnEarlierLine() {
        assertEquals(Optional.of("SysRq : Trigger a crash"), PanicMessage.find(log(
            "Kernel panic - not syncing: Fatal exception", "SysRq : Trigger a crash")));
        assertEquals(Optional.of("BUG: unable to handle kernel NULL pointer dereference at 0000000000000008"),
            PanicMessage.find(log("Oops: 0002 [#1] SMP", "BUG: unable to handle kernel NULL pointer dereference at 0000000000000008")));
    }

    @Test
    void theWholeLineOfAMultiLineRecordIsTheMessage() {
        assertEquals(Optional.of("general protection fault: 0000 [#1] PREEMPT SMP NOPTI"),
            PanicMessage.find(log("first\ngeneral protection fault: 0000 [#1] PREEMPT SMP NOPTI\nlast")));
    }

    @Test
    void withoutAMessageTheFirstKeywordLineIsTaken() {
        assertEquals(Optional.of("Kernel panic, in some words"),
            PanicMessage.find(log("booting", "Kernel panic, in some words", "Oops")));
    }

    @Test
    void aLogWithoutAPanicHasNone() {
        assertEquals(Optional.empty(), PanicMessage.find(log("Linux version 6.1", "EXT4-fs (vda): mounted")));
    }
}
