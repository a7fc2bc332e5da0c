package dev.kdumpbridge.gdb;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real gdb (13 on Debian 12) and LLDB (14) against the server on a synthetic target, over
 * TCP on 127.0.0.1. Pins what users see, errors included.
 */
class GdbClientIT {

    @RegisterExtension
    static final SyntheticServer server = new SyntheticServer();

    /** {@code line} with runs of spaces standing for gdb's column padding. */
    static void assertLine(String output, String line) {
        String regex = "(?m)^" + Pattern.quote(line).replaceAll(" {2,}", "\\\\E +\\\\Q") + "\\s*$";
        assertTrue(Pattern.compile(regex).matcher(output).find(),
            "no line \"" + line + "\" in:\n" + excerpt(output));
    }

    static void assertContains(String output, String text) {
        assertTrue(output.contains(text), "no \"" + text + "\" in:\n" + excerpt(output));
    }

    /** Output short enough for a failure message. */
    private static String excerpt(String output) {
        return output.length() <= 6000 ? output
            : output.substring(0, 3000) + "\n[...]\n" + output.substring(output.length() - 3000);
    }

    private static String gdb(String... commands) {
        assumeTrue(Debuggers.installed("gdb"), "gdb is not installed");
        return Debuggers.gdb(server.port(), commands);
    }

    @Test
    void threadsRegistersAndMemory() {
        String out = gdb("info threads", "info registers rip", "info registers eflags",
            "x/4gx 0xffffffff81000000", "thread 3", "info registers rbx", "info registers rax",
            "p $st0", "thread 2", "p/x $fs_base");
        assertLine(out, "0xffffffff81000010 in ?? ()");
        assertLine(out, "  1    Thread 1 \"swapper/0\" (pid 0 comm swapper/0 state R cpu 0)  0xffffffff81000100 in ?? ()");
        assertLine(out, "* 2    Thread 2 \"bash\" (pid 1234 comm bash state R cpu 1)  0xffffffff81000010 in ?? ()");
        assertLine(out, "  3    Thread 3 \"kworker/u8:2\" (pid 57 comm kworker/u8:2 state I)  0xffffffff81002000 in ?? ()");
        assertLine(out, "rip  0xffffffff81000010  0xffffffff81000010");
        assertLine(out, "eflags  0x10246  [ PF ZF IF RF ]");
        assertLine(out, "0xffffffff81000000:\t0x0706050403020100\t0x0f0e0d0c0b0a0908");
        assertLine(out, "0xffffffff81000010:\t0x1716151413121110\t0x1f1e1d1c1b1a1918");
        assertLine(out, "[Switching to thread 3 (Thread 3)]");
        assertLine(out, "rbx  0x33  51");
        assertLine(out, "rax  <unavailable>");
        assertLine(out, "$1 = <unavailable>");
        assertLine(out, "$2 = 0x7f0011223344");
        assertLine(out, "[Inferior 1 (Remote target) detached]");
    }

    @Test
    void unreadableMemoryNamesTheFirstBadAddress() {
        String out = gdb("x/16xb 0xffff888000010ff8", "x/2gx 0xffff888000011000");
        assertLine(out, "0xffff888000010ff8:\t0xe8\t0xe9\t0xea\t0xeb\t0xec\t0xed\t0xee\t0xef");
        assertLine(out, "0xffff888000011000:\tCannot access memory at address 0xffff888000011000");
    }

    @Test
    void monitorCommands() {
        String out = gdb("monitor help", "monitor echo hello", "monitor ps", "monitor bogus");
        assertLine(out, "monitor commands:");
        assertLine(out, "  ps    list tasks");
        assertLine(out, "hello");
        assertLine(out, "2 pid 1234 comm bash state R cpu 1");
        assertLine(out, "unknown command: bogus");
        // gdbserver answers an unknown monitor command the same way (server.cc, write_enn).
        assertLine(out, "Protocol error with Rcmd");
    }

    @Test
    void offsetsAndOtherQueriesThroughMaintPacket() {
        String out = gdb("maint packet qOffsets", "maint packet qAttached", "maint packet qC",
            "maint packet vMustReplyEmpty");
        assertLine(out, "received: \"Text=1e000000;Data=1e000000;Bss=1e000000\"");
        assertLine(out, "received: \"1\"");
        assertLine(out, "received: \"QC2\"");
        assertLine(out, "received: \"\"");
    }

    @Test
    void writesAreRefusedWithAReason() {
        String out = gdb("set var $rax = 1", "set {char}0xffffffff81000000 = 1", "info registers rax");
        assertLine(out, "Could not write register \"rax\"; remote failure reply "
            + "'E.kdump-bridge serves a crash dump, which cannot be written'");
        assertLine(out, "Cannot access memory at address 0xffffffff81000000");
        assertLine(out, "rax  0x1122334455667788  1234605616436508552");
    }

    @Test
    void runningIsRefusedAndTheThreadStaysWhereItWas() {
        String out = gdb("thread 3", "continue", "stepi", "info threads");
        assertLine(out, "kdump-bridge: a crash dump cannot run");
        assertLine(out, "Thread 3 \"kworker/u8:2\" stopped.");
        assertLine(out, "* 3    Thread 3 \"kworker/u8:2\" (pid 57 comm kworker/u8:2 state I)  0xffffffff81002000 in ?? ()");
    }

    @Test
    void breakpointsCannotBeInserted() {
        String out = gdb("break *0xffffffff81000020", "continue");
        assertLine(out, "Cannot insert breakpoint 1.");
        assertLine(out, "Command aborted.");
    }

    /** The thread list is too long for one qXfer:threads:read reply, so gdb pages through it. */
    @Test
    void manyThreads() throws Exception {
        assumeTrue(Debuggers.installed("gdb"), "gdb is not installed");
        try (GdbServer many = GdbServer.start(new SyntheticTarget(5000), "127.0.0.1", 0)) {
            String out = Debuggers.gdb(many.port(), "info threads", "thread find kthread/4321", "thread 4321",
                "info registers rip");
            long threads = out.lines().filter(l -> l.matches("^[* ] +\\d+ +Thread .*")).count();
            assertTrue(threads == 5003, threads + " threads in:\n" + excerpt(out));
            assertLine(out, "  5003 Thread 5003 \"kthread/5003\" (pid 6003 state S)  0xffffffff8100138b in ?? ()");
            assertLine(out, "Thread 4321 has target name 'kthread/4321'");
            assertLine(out, "rip  0xffffffff810010e1  0xffffffff810010e1");
        }
    }

    @Test
    void lldbThreadsRegistersAndMemory() {
        assumeTrue(Debuggers.installed("lldb"), "lldb is not installed");
        String out = Debuggers.lldb(server.port(), "thread list", "register read rip",
            "register read", "memory read --size 8 --format x --count 2 0xffffffff81000000",
            "thread select 3", "register read rip rbx rax", "process continue");
        assertLine(out, "* thread #1: tid = 2, 0xffffffff81000010, name = 'bash', stop reason = signal SIGTRAP");
        assertLine(out, "  thread #2: tid = 1, 0xffffffff81000100, name = 'swapper/0'");
        assertLine(out, "  thread #3: tid = 3, 0xffffffff81002000, name = 'kworker/u8:2'");
        assertLine(out, "     rip = 0xffffffff81000010");
        assertLine(out, "       rax = 0x1122334455667788");
        assertLine(out, "   gs_base = 0xffff88807dc00000");
        assertLine(out, "8 registers were unavailable.");
        assertLine(out, "0xffffffff81000000: 0x0706050403020100 0x0f0e0d0c0b0a0908");
        assertLine(out, "     rbx = 0x0000000000000033");
        assertContains(out, "rax          = error: unavailable");
        assertLine(out, "kdump-bridge: a crash dump cannot run");
        assertContains(out, "stop reason = kdump-bridge: a crash dump cannot run");
    }
}
