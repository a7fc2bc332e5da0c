package dev.kdumpbridge.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PacketTableTest {

    private final PacketTable table = new PacketTable(new PacketHandlers(new SyntheticTarget(), 0x4000));

    private Packet parse(String payload) {
        return table.parse(payload.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void parsesGdbConnectSequence() {
        assertEquals(new Packet.QuerySupported(List.of("multiprocess+", "swbreak+", "xmlRegisters=i386")),
            parse("qSupported:multiprocess+;swbreak+;xmlRegisters=i386"));
        assertEquals(new Packet.QuerySupported(List.of()), parse("qSupported"));
        assertEquals(new Packet.StartNoAckMode(), parse("QStartNoAckMode"));
        assertEquals(new Packet.SelectThread(true, Packet.ANY_THREAD), parse("Hg0"));
        assertEquals(new Packet.SelectThread(false, Packet.ALL_THREADS), parse("Hc-1"));
        assertEquals(new Packet.SelectThread(true, 0x1f), parse("Hg1f"));
        assertEquals(new Packet.ReadFeatures("target.xml", 0, 0xffb), parse("qXfer:features:read:target.xml:0,ffb"));
        assertEquals(new Packet.QueryStopReason(), parse("?"));
        assertEquals(new Packet.ReadThreadsXml(0x1000, 0xffb), parse("qXfer:threads:read::1000,ffb"));
        assertEquals(new Packet.QueryAttached(), parse("qAttached"));
        assertEquals(new Packet.QueryAttached(), parse("qAttached:a410"));
        assertEquals(new Packet.QueryCurrentThread(), parse("qC"));
        assertEquals(new Packet.QueryOffsets(), parse("qOffsets"));
        assertEquals(new Packet.ReadRegisters(OptionalLong.empty()), parse("g"));
        assertEquals(new Packet.QuerySymbol(), parse("qSymbol::"));
        assertEquals(new Packet.ThreadListFirst(), parse("qfThreadInfo"));
        assertEquals(new Packet.ThreadListNext(), parse("qsThreadInfo"));
    }

    @Test
    void parsesDataPackets() {
        assertEquals(new Packet.ReadMemory(0xffffffff81000000L, 0x40, false), parse("mffffffff81000000,40"));
        assertEquals(new Packet.ReadMemory(0x1000, 8, true), parse("x1000,8"));
        assertEquals(new Packet.ReadRegister(0x10, OptionalLong.empty()), parse("p10"));
        assertEquals(new Packet.ThreadAlive(3), parse("T3"));
        assertEquals(new Packet.ThreadExtraInfo(0x2a), parse("qThreadExtraInfo,2a"));
        assertEquals(new Packet.MonitorCommand("help"), parse("qRcmd,68656c70"));
        assertEquals(new Packet.Detach(), parse("D"));
        assertEquals(new Packet.Detach(), parse("D;a410"));
        assertEquals(new Packet.Kill(), parse("k"));
    }

    @Test
    void parsesLldbPackets() {
        assertEquals(new Packet.ReadRegisters(OptionalLong.of(2)), parse("g;thread:0002;"));
        assertEquals(new Packet.ReadRegister(0x10, OptionalLong.of(2)), parse("p10;thread:0002;"));
        assertEquals(new Packet.HostInfo(), parse("qHostInfo"));
        assertEquals(new Packet.ProcessInfo(), parse("qProcessInfo"));
        assertEquals(new Packet.EnableThreadSuffix(), parse("QThreadSuffixSupported"));
        assertEquals(new Packet.ListThreadsInStopReply(), parse("QListThreadsInStopReply"));
        assertEquals(new Packet.RegisterInfo(0x2a), parse("qRegisterInfo2a"));
        assertEquals(new Packet.ThreadStopInfo(3), parse("qThreadStopInfo3"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"M1000,1:00", "X1000,1:a", "G00", "P0=00", "Z0,1000,1", "z0,1000,1"})
    void writesAndBreakpointsAreRefused(String payload) {
        assertInstanceOf(Packet.Refused.class, parse(payload));
    }

    @ParameterizedTest
    @ValueSource(strings = {"c", "c1000", "C05", "s", "S05", "vCont;c", "vCont;s:1"})
    void resumesAreRecognised(String payload) {
        assertEquals(new Packet.Resume(), parse(payload));
    }

    @ParameterizedTest
    @ValueSource(strings = {"vMustReplyEmpty", "vCont?", "qTStatus", "qCRC:0,10", "jThreadsInfo",
        "qMemoryRegionInfo:1000", "vKill;a410", "!", "", "qXfer:auxv:read::0,100", "qSupportedX"})
    void unknownOrDeclinedPacketsAreUnsupportedOrMalformed(String payload) {
        Packet p = parse(payload);
        if (payload.equals("qSupportedX")) {
            assertInstanceOf(Packet.Malformed.class, p);
        } else {
            assertEquals(new Packet.Unsupported(payload), p);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"m", "m1000", "m1000,", "mzz,4", "m1000,ffffffffff", "p", "pxyz",
        "Hgp1.1", "T", "qRcmd,6", "qRcmd,zz", "g;thread", "qXfer:features:read:target.xml",
        "m11112222333344445,4", "qAttachedX", "Dx"})
    void badArgumentsAreMalformed(String payload) {
        assertInstanceOf(Packet.Malformed.class, parse(payload));
    }
}
