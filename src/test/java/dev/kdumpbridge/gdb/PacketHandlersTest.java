package dev.kdumpbridge.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.target.Architecture;
import dev.kdumpbridge.target.DebugTarget;
import dev.kdumpbridge.target.MemoryRead;
import dev.kdumpbridge.target.RegisterSet;
import dev.kdumpbridge.target.StopReason;
import dev.kdumpbridge.target.TargetThread;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class PacketHandlersTest {

    private static final int MAX = 0x4000;

    private final List<String> sent = new ArrayList<>();
    private final Session session = new Session(r -> sent.add(text(r.payload())));
    private PacketTable table = new PacketTable(new PacketHandlers(new SyntheticTarget(), MAX));

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private Reply reply(String payload) {
        return table.handle(payload.getBytes(StandardCharsets.ISO_8859_1), session);
    }

    private String ask(String payload) {
        return text(reply(payload).payload());
    }

    private static String hex(String s) {
        return Rsp.hexText(s);
    }

    // --- connection ---------------------------------------------------------------------------

    @Test
    void advertisesOnlyWhatIsImplemented() {
        assertEquals("PacketSize=4000;QStartNoAckMode+;qXfer:features:read+;qXfer:threads:read+;binary-upload+",
            ask("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;"
                + "exec-events+;vContSupported+;QThreadEvents+;no-resumed+;memory-tagging+;xmlRegisters=i386"));
    }

    @Test
    void noAckModeIsAcceptedAndSwitchesAfterTheReply() {
        Reply r = reply("QStartNoAckMode");
        assertEquals("OK", text(r.payload()));
        assertEquals(Reply.After.STOP_ACKS, r.after());
    }

    @Test
    void unknownPacketsGetTheEmptyReply() {
        assertEquals("", ask("vMustReplyEmpty"));
        assertEquals("", ask("qTStatus"));
        assertEquals("", ask("vCont?"));
        assertEquals("", ask("jThreadsInfo"));
    }

    @Test
    void attachedSoGdbDetachesOnQuit() {
        assertEquals("1", ask("qAttached"));
        assertEquals("OK", ask("qSymbol::"));
    }

    @Test
    void detachRepliesAndCloses() {
        Reply r = reply("D");
        assertEquals("OK", text(r.payload()));
        assertEquals(Reply.After.CLOSE, r.after());
    }

    @Test
    void killClosesWithoutReply() {
        Reply r = reply("k");
        assertNull(r.payload());
        assertEquals(Reply.After.CLOSE, r.after());
    }

    @Test
    void writesAndBreakpointsGetTextualErrors() {
        for (String p : List.of("M1000,1:00", "X1000,0:", "G00", "P0=00")) {
            assertEquals("E.kdump-bridge serves a crash dump, which cannot be written", ask(p), p);
        }
        assertEquals("E.kdump-bridge serves a crash dump, which has no breakpoints", ask("Z0,1000,1"));
        assertEquals("E.kdump-bridge serves a crash dump, which has no breakpoints", ask("z1,1000,1"));
    }

    @Test
    void resumeSaysWhyAndStopsAgainWhereItWas() {
        ask("Hg3");
        assertEquals("T00thread:3;hexname:" + hex("kworker/u8:2") + ";reason:exception;description:"
            + hex("kdump-bridge: a crash dump cannot run") + ";", ask("c"));
        assertEquals(List.of("O" + hex("kdump-bridge: a crash dump cannot run\n")), sent);
        assertTrue(ask("vCont;s:2").startsWith("T00thread:3;"));
    }

    @Test
    void malformedPacketsGetInvalid() {
        assertEquals("E22", ask("m1000"));
        assertEquals("E22", ask("Hgp1.2"));
    }

    @Test
    void clientsThatTakeErrorMessagesGetText() {
        ask("qSupported:error-message+");
        assertEquals("E.expected address,length", ask("m1000"));
        assertEquals("E.no thread 63", ask("T63"));
    }

    // --- threads ------------------------------------------------------------------------------

    @Test
    void stopReplyNamesThePanickingThreadAndItsCore() {
        assertEquals("T05thread:2;core:1;hexname:" + hex("bash") + ";", ask("?"));
    }

    @Test
    void lldbGetsTheThreadListInStopReplies() {
        assertEquals("OK", ask("QListThreadsInStopReply"));
        assertTrue(ask("?").endsWith(";threads:1,2,3;"), ask("?"));
    }

    @Test
    void lldbThreadStopInfoHasAReasonOnlyForTheStopThread() {
        assertEquals("T05thread:2;core:1;hexname:" + hex("bash") + ";", ask("qThreadStopInfo2"));
        assertEquals("T00thread:3;hexname:" + hex("kworker/u8:2") + ";", ask("qThreadStopInfo3"));
        assertEquals("E03", ask("qThreadStopInfo9"));
    }

    @Test
    void currentThreadIsTheStopThreadUntilOneIsSelected() {
        assertEquals("QC2", ask("qC"));
        assertEquals("OK", ask("Hg3"));
        assertEquals("QC3", ask("qC"));
        assertEquals("OK", ask("Hg0"));
        assertEquals("QC2", ask("qC"));
        assertEquals("OK", ask("Hg-1"));
        assertEquals("QC2", ask("qC"));
    }

    @Test
    void selectingAMissingThreadFailsAndKeepsTheSelection() {
        ask("Hg1");
        assertEquals("E03", ask("Hg9"));
        assertEquals("E03", ask("Hc9"));
        assertEquals("OK", ask("Hc3"));
        assertEquals("QC1", ask("qC"), "Hc does not change the register thread");
    }

    @Test
    void threadAlive() {
        assertEquals("OK", ask("T1"));
        assertEquals("E03", ask("T4"));
    }

    @Test
    void threadListInOnePacketWhenSmall() {
        assertEquals("m1,2,3", ask("qfThreadInfo"));
        assertEquals("l", ask("qsThreadInfo"));
        assertEquals("l", ask("qsThreadInfo"));
        assertEquals("m1,2,3", ask("qfThreadInfo"), "qfThreadInfo starts over");
    }

    @Test
    void qsThreadInfoBeforeQfIsTheEnd() {
        assertEquals("l", ask("qsThreadInfo"));
    }

    @Test
    void longThreadListIsChunkedToThePacketSize() {
        table = new PacketTable(new PacketHandlers(new ManyThreads(20_000), MAX));
        List<Long> ids = new ArrayList<>();
        for (String r = ask("qfThreadInfo"); !r.equals("l"); r = ask("qsThreadInfo")) {
            assertTrue(r.startsWith("m"), r);
            assertTrue(r.length() <= MAX, "chunk of " + r.length());
            for (String id : r.substring(1).split(",")) {
                ids.add(Long.parseLong(id, 16));
            }
        }
        assertEquals(LongStream.rangeClosed(1, 20_000).boxed().toList(), ids);
    }

    @Test
    void threadsXmlHasIdsNamesCoresAndExtraInfo() throws Exception {
        String r = ask("qXfer:threads:read::0,ffff");
        assertTrue(r.startsWith("l"), r);
        Document doc = xml(r.substring(1));
        NodeList threads = doc.getElementsByTagName("thread");
        assertEquals(3, threads.getLength());
        Element bash = (Element) threads.item(1);
        assertEquals("2", bash.getAttribute("id"));
        assertEquals("1", bash.getAttribute("core"));
        assertEquals("bash", bash.getAttribute("name"));
        assertEquals("pid 1234 comm bash state R cpu 1", bash.getTextContent());
        assertEquals("", ((Element) threads.item(2)).getAttribute("core"), "no core when unknown");
    }

    @Test
    void threadsXmlIsPagedAndEscaped() throws Exception {
        table = new PacketTable(new PacketHandlers(new ManyThreads(500), MAX));
        StringBuilder doc = new StringBuilder();
        String r;
        do {
            r = ask(String.format("qXfer:threads:read::%x,%x", doc.length(), 1000));
            assertTrue(r.length() <= 1001);
            doc.append(r.substring(1));
        } while (r.startsWith("m"));
        NodeList threads = xml(doc.toString()).getElementsByTagName("thread");
        assertEquals(500, threads.getLength());
        assertEquals("<task \"7\" & co>", ((Element) threads.item(6)).getAttribute("name"));
    }

    @Test
    void readingPastTheEndOfADocumentIsAnEmptyLastPart() {
        assertEquals("l", ask("qXfer:features:read:target.xml:100000,100"));
    }

    @Test
    void onlyTargetXmlIsServed() {
        assertEquals("E00", ask("qXfer:features:read:64bit-core.xml:0,100"));
    }

    @Test
    void extraInfoIsHexEncoded() {
        assertEquals(hex("pid 57 comm kworker/u8:2 state I"), ask("qThreadExtraInfo,3"));
        assertEquals("E03", ask("qThreadExtraInfo,7"));
    }

    // --- registers ----------------------------------------------------------------------------

    @Test
    void gReturnsAllRegistersWithXForUnavailable() {
        ask("Hg3");
        String g = ask("g");
        assertEquals(2 * 292, g.length());
        assertEquals("x".repeat(16), g.substring(0, 16), "rax");
        assertEquals("3300000000000000", g.substring(16, 32), "rbx");
        assertEquals("00200081ffffffff", g.substring(16 * 16, 17 * 16), "rip");
        assertEquals("x".repeat(2 * 292 - 17 * 16), g.substring(17 * 16), "eflags to gs_base");
    }

    @Test
    void gFollowsTheSelectedThread() {
        String stopThread = ask("g");
        assertTrue(stopThread.startsWith("8877665544332211"), stopThread);
        ask("Hg1");
        assertTrue(ask("g").startsWith("0000000000000000"));
        assertEquals(stopThread, ask("g;thread:2;"), "a thread suffix overrides Hg");
    }

    @Test
    void pReadsOneRegister() {
        assertEquals("10000081ffffffff", ask("p10"));
        assertEquals("46020100", ask("p11"), "eflags is 32 bits");
        assertEquals("x".repeat(20), ask("p18"), "st0 is 80 bits and unavailable");
        assertEquals("44332211007f0000", ask("p28"), "fs_base");
        assertEquals("E22", ask("p2a"), "one past the last register");
    }

    @Test
    void lldbFormOfPGetsAnErrorForUnavailableRegisters() {
        assertEquals("3300000000000000", ask("p1;thread:3;"));
        assertEquals("E61", ask("p0;thread:3;"));
        assertEquals("E03", ask("p0;thread:9;"));
    }

    @Test
    void registersOfAMissingThreadAreAnError() {
        assertEquals("E03", ask("g;thread:9;"));
    }

    @Test
    void targetXmlDescribesEveryRegister() throws Exception {
        StringBuilder doc = new StringBuilder();
        String r;
        do {
            r = ask(String.format("qXfer:features:read:target.xml:%x,%x", doc.length(), 0x400));
            doc.append(r.substring(1));
        } while (r.startsWith("m"));
        Document xml = xml(doc.toString());
        assertEquals("i386:x86-64", xml.getElementsByTagName("architecture").item(0).getTextContent());
        assertEquals("GNU/Linux", xml.getElementsByTagName("osabi").item(0).getTextContent());
        NodeList features = xml.getElementsByTagName("feature");
        assertEquals("org.gnu.gdb.i386.core", ((Element) features.item(0)).getAttribute("name"));
        assertEquals("org.gnu.gdb.i386.segments", ((Element) features.item(1)).getAttribute("name"));
        NodeList regs = xml.getElementsByTagName("reg");
        assertEquals(42, regs.getLength());
        Element rip = (Element) regs.item(16);
        assertEquals("rip", rip.getAttribute("name"));
        assertEquals("64", rip.getAttribute("bitsize"));
        assertEquals("code_ptr", rip.getAttribute("type"));
        assertEquals("16", rip.getAttribute("regnum"));
        assertEquals("pc", rip.getAttribute("generic"));
        Element eflags = (Element) regs.item(17);
        assertEquals("i386_eflags", eflags.getAttribute("type"));
        assertEquals("32", eflags.getAttribute("bitsize"));
        assertEquals(17, xml.getElementsByTagName("field").getLength());
        assertEquals("float", ((Element) regs.item(32)).getAttribute("group"));
        assertEquals("gs_base", ((Element) regs.item(41)).getAttribute("name"));
    }

    @Test
    void lldbRegisterInfoComesFromTheSameLayout() {
        assertEquals("name:rax;bitsize:64;offset:0;encoding:uint;format:hex;set:General Purpose Registers;"
            + "ehframe:0;dwarf:0;", ask("qRegisterInfo0"));
        assertEquals("name:rip;bitsize:64;offset:128;encoding:uint;format:hex;set:General Purpose Registers;"
            + "ehframe:16;dwarf:16;generic:pc;", ask("qRegisterInfo10"));
        assertEquals("name:st0;bitsize:80;offset:164;encoding:ieee754;format:float;set:Floating Point Registers;"
            + "ehframe:33;dwarf:33;", ask("qRegisterInfo18"));
        assertEquals("name:gs_base;bitsize:64;offset:284;encoding:uint;format:hex;set:General Purpose Registers;"
            + "ehframe:59;dwarf:59;", ask("qRegisterInfo29"));
        assertEquals("E45", ask("qRegisterInfo2a"));
    }

    // --- memory -------------------------------------------------------------------------------

    @Test
    void mReadsHex() {
        assertEquals("0001020304050607", ask("mffffffff81000000,8"));
    }

    @Test
    void mReturnsTheReadablePrefixOfAPartialRead() {
        assertEquals("e8e9eaebecedeeef", ask("mffff888000010ff8,10"));
    }

    @Test
    void mOfUnreadableMemoryIsEfault() {
        assertEquals("E14", ask("mffff888000011000,10"));
        ask("qSupported:error-message+");
        assertEquals("E.cannot read memory at 0xffff888000011000: not mapped", ask("mffff888000011000,10"));
    }

    @Test
    void xReadsBinaryWithBPrefix() {
        assertEquals("b\u0000\u0001\u0002\u0003", ask("xffffffff81000000,4"));
        assertEquals("b#$%&", ask("xffffffff81000023,4"), "escaping is the codec's job");
        assertEquals("b", ask("x0,0"), "LLDB's probe for its own x gets gdb's form, so LLDB uses m");
        assertEquals("E14", ask("x0,4"));
    }

    @Test
    void hugeReadsAreCappedAndTheClientAsksAgain() {
        String r = ask("mffffffff81000000,100000");
        assertEquals(MAX, r.length(), "half of PacketSize in bytes, as hex");
    }

    @Test
    void offsetsComeFromTheKaslrSlide() {
        assertEquals("Text=1e000000;Data=1e000000;Bss=1e000000", ask("qOffsets"));
    }

    // --- monitor ------------------------------------------------------------------------------

    @Test
    void monitorHelpListsCommands() {
        assertEquals("OK", ask("qRcmd," + hex("help")));
        String help = sent.stream().map(o -> new String(Rsp.unhex(o.substring(1)), StandardCharsets.UTF_8))
            .reduce("", String::concat);
        assertTrue(help.contains("help") && help.contains("ps    list tasks") && help.contains("echo"), help);
    }

    @Test
    void monitorOutputIsStreamedAsConsolePackets() {
        assertEquals("OK", ask("qRcmd," + hex("echo hello world")));
        assertEquals(List.of("O" + hex("hello world\n")), sent);
    }

    @Test
    void longMonitorOutputIsSplitToFit() {
        assertEquals("OK", ask("qRcmd," + hex("echo " + "y".repeat(3 * MAX))));
        assertTrue(sent.size() >= 6, "packets: " + sent.size());
        StringBuilder all = new StringBuilder();
        for (String o : sent) {
            assertTrue(o.length() <= MAX);
            all.append(new String(Rsp.unhex(o.substring(1)), StandardCharsets.UTF_8));
        }
        assertEquals("y".repeat(3 * MAX) + "\n", all.toString());
    }

    @Test
    void failingMonitorCommandPrintsWhyAndFails() {
        assertEquals("E01", ask("qRcmd," + hex("bogus")));
        assertEquals(List.of("O" + hex("unknown command: bogus\n")), sent);
    }

    @Test
    void noMonitorCommandsMeansUnsupported() {
        table = new PacketTable(new PacketHandlers(new ManyThreads(1), MAX));
        assertEquals("", ask("qRcmd," + hex("help")));
        assertEquals("", ask("qOffsets"));
    }

    // --- LLDB ---------------------------------------------------------------------------------

    @Test
    void hostAndProcessInfo() {
        String triple = hex("x86_64-pc-linux-gnu");
        assertEquals("triple:" + triple + ";ptrsize:8;endian:little;ostype:linux;", ask("qHostInfo"));
        assertEquals("pid:1;triple:" + triple + ";ptrsize:8;endian:little;ostype:linux;", ask("qProcessInfo"));
        assertEquals("OK", ask("QThreadSuffixSupported"));
    }

    private static Document xml(String text) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        // target.xml names gdb-target.dtd, which is gdb's and not here.
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Many threads with awkward names, no registers or memory, no optional capabilities. */
    private static final class ManyThreads implements DebugTarget {
        private final List<TargetThread> threads;

        ManyThreads(int count) {
            threads = LongStream.rangeClosed(1, count)
                .mapToObj(i -> new TargetThread(i, "<task \"" + i + "\" & co>", (int) (i % 4), "task " + i))
                .toList();
        }

        @Override
        public Architecture architecture() {
            return new SyntheticTarget().architecture();
        }

        @Override
        public List<TargetThread> threads() {
            return threads;
        }

        @Override
        public long stopThread() {
            return 1;
        }

        @Override
        public StopReason stopReason() {
            return new StopReason(StopReason.Kind.PAUSED, "");
        }

        @Override
        public Optional<RegisterSet> registers(long threadId) {
            return Optional.empty();
        }

        @Override
        public MemoryRead readMemory(long address, byte[] dst, int offset, int length) {
            return MemoryRead.stopped(0, address, "nothing here");
        }
    }
}
