package dev.kdumpbridge.gdb;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The one table from packet to parser to handler. A packet is matched by its whole text
 * ({@link #exact}) or by a prefix ({@link #prefix}, longest first); the rest is parsed into a
 * {@link Packet} record, which goes to its handler. Packets not in the table get the empty reply,
 * which is how {@code vMustReplyEmpty}, {@code vCont?} ("no vCont, use c and s") and
 * {@code qTStatus} ("no tracepoints") are answered.
 */
final class PacketTable {

    /** Parses what follows a route's name; throws IllegalArgumentException when it is malformed. */
    @FunctionalInterface
    private interface Parser<P extends Packet> {
        P parse(String args);
    }

    @FunctionalInterface
    private interface Handler<P extends Packet> {
        Reply handle(P packet, Session session);
    }

    private record Route<P extends Packet>(String name, Parser<P> parser, Handler<P> handler) {
        Parsed<P> parse(String payload) {
            return new Parsed<>(parser.parse(payload.substring(name.length())), handler);
        }
    }

    /** A packet with the handler it goes to. */
    private record Parsed<P extends Packet>(P packet, Handler<P> handler) {
        Reply handle(Session session) {
            return handler.handle(packet, session);
        }
    }

    private final Map<String, Route<?>> exact = new HashMap<>();
    private final List<Route<?>> prefixes = new ArrayList<>();
    private final PacketHandlers h;

    PacketTable(PacketHandlers h) {
        this.h = h;
        prefix("qSupported", a -> new Packet.QuerySupported(clientFeatures(a)), h::supported);
        exact("QStartNoAckMode", Packet.StartNoAckMode::new, h::startNoAckMode);
        exact("?", Packet.QueryStopReason::new, h::stopReason);
        prefix("qAttached", a -> separated(a, ":", new Packet.QueryAttached()), h::attached);
        exact("qC", Packet.QueryCurrentThread::new, h::currentThread);
        exact("qfThreadInfo", Packet.ThreadListFirst::new, h::threadListFirst);
        exact("qsThreadInfo", Packet.ThreadListNext::new, h::threadListNext);
        prefix("qXfer:threads:read::", PacketTable::threadsXml, h::threadsXml);
        prefix("qXfer:features:read:", PacketTable::featuresRead, h::features);
        prefix("qThreadExtraInfo,", a -> new Packet.ThreadExtraInfo(thread(a)), h::threadExtraInfo);
        prefix("Hg", a -> new Packet.SelectThread(true, thread(a)), h::selectThread);
        prefix("Hc", a -> new Packet.SelectThread(false, thread(a)), h::selectThread);
        prefix("T", a -> new Packet.ThreadAlive(thread(a)), h::threadAlive);
        prefix("g", a -> new Packet.ReadRegisters(threadSuffix(a)), h::registers);
        prefix("p", PacketTable::register, h::register);
        prefix("m", a -> memory(a, false), h::readMemory);
        prefix("x", a -> memory(a, true), h::readMemory);
        exact("qOffsets", Packet.QueryOffsets::new, h::offsets);
        prefix("qRcmd,", a -> new Packet.MonitorCommand(
            new String(Rsp.unhex(a), StandardCharsets.UTF_8)), h::monitor);
        prefix("qSymbol:", a -> new Packet.QuerySymbol(), h::symbol);
        prefix("D", a -> separated(a, ";", new Packet.Detach()), h::detach);
        exact("k", Packet.Kill::new, h::kill);
        for (String name : List.of("M", "X", "G", "P")) {
            prefix(name, a -> new Packet.Refused(Packet.Refusal.WRITE), h::refused);
        }
        for (String name : List.of("Z", "z")) {
            prefix(name, a -> new Packet.Refused(Packet.Refusal.BREAKPOINT), h::refused);
        }
        for (String name : List.of("c", "C", "s", "S", "vCont;")) {
            prefix(name, a -> new Packet.Resume(), h::resume);
        }
        exact("qHostInfo", Packet.HostInfo::new, h::hostInfo);
        exact("qProcessInfo", Packet.ProcessInfo::new, h::processInfo);
        exact("QThreadSuffixSupported", Packet.EnableThreadSuffix::new, h::enableThreadSuffix);
        exact("QListThreadsInStopReply", Packet.ListThreadsInStopReply::new, h::listThreadsInStopReply);
        prefix("qRegisterInfo", a -> new Packet.RegisterInfo(hexInt(a)), h::registerInfo);
        prefix("qThreadStopInfo", a -> new Packet.ThreadStopInfo(thread(a)), h::threadStopInfo);
        prefixes.sort(Comparator.comparingInt((Route<?> r) -> r.name().length()).reversed());
    }

    /** What a payload parses to, for tests. */
    Packet parse(byte[] payload) {
        return find(payload).packet();
    }

    Reply handle(byte[] payload, Session session) {
        return find(payload).handle(session);
    }

    private Parsed<?> find(byte[] payload) {
        String text = new String(payload, StandardCharsets.ISO_8859_1);
        Route<?> route = exact.get(text);
        if (route == null) {
            route = prefixes.stream().filter(r -> text.startsWith(r.name())).findFirst().orElse(null);
        }
        if (route == null) {
            return new Parsed<>(new Packet.Unsupported(text), h::unsupported);
        }
        try {
            return route.parse(text);
        } catch (IllegalArgumentException e) {
            return new Parsed<>(new Packet.Malformed(text, e.getMessage()), h::malformed);
        }
    }

    private <P extends Packet> void exact(String name, Supplier<P> packet, Handler<P> handler) {
        exact.put(name, new Route<>(name, a -> packet.get(), handler));
    }

    private <P extends Packet> void prefix(String name, Parser<P> parser, Handler<P> handler) {
        prefixes.add(new Route<>(name, parser, handler));
    }

    // --- argument parsers ---------------------------------------------------------------------

    /** {@code qSupported} alone or followed by ":" and ';'-separated features. */
    private static List<String> clientFeatures(String args) {
        if (args.isEmpty()) {
            return List.of();
        }
        if (!args.startsWith(":")) {
            throw new IllegalArgumentException("expected ':' after qSupported");
        }
        return Arrays.stream(args.substring(1).split(";")).filter(f -> !f.isEmpty()).toList();
    }

    /** For packets whose optional argument (a pid we ignore) follows a separator. */
    private static <P extends Packet> P separated(String args, String separator, P packet) {
        if (!args.isEmpty() && !args.startsWith(separator)) {
            throw new IllegalArgumentException("expected '" + separator + "'");
        }
        return packet;
    }

    /** {@code annex:offset,length}. */
    private static Packet.ReadFeatures featuresRead(String args) {
        int colon = args.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("expected annex:offset,length");
        }
        long[] range = range(args.substring(colon + 1));
        return new Packet.ReadFeatures(args.substring(0, colon), range[0], (int) range[1]);
    }

    private static Packet.ReadThreadsXml threadsXml(String args) {
        long[] range = range(args);
        return new Packet.ReadThreadsXml(range[0], (int) range[1]);
    }

    private static Packet.ReadMemory memory(String args, boolean binary) {
        long[] range = range(args);
        return new Packet.ReadMemory(range[0], (int) range[1], binary);
    }

    /** {@code n[;thread:id;]}. */
    private static Packet.ReadRegister register(String args) {
        int semicolon = args.indexOf(';');
        String number = semicolon < 0 ? args : args.substring(0, semicolon);
        return new Packet.ReadRegister(hexInt(number),
            threadSuffix(semicolon < 0 ? "" : args.substring(semicolon)));
    }

    /**
     * LLDB's {@code ;thread:id;} after g and p (lldbgdbremote.md, "QThreadSuffixSupported"), or
     * nothing.
     */
    private static OptionalLong threadSuffix(String args) {
        if (args.isEmpty()) {
            return OptionalLong.empty();
        }
        if (!args.startsWith(";thread:")) {
            throw new IllegalArgumentException("expected ;thread:id;");
        }
        String id = args.substring(";thread:".length());
        return OptionalLong.of(thread(id.endsWith(";") ? id.substring(0, id.length() - 1) : id));
    }

    /** {@code address,length}, both hex; the length must fit an int. */
    private static long[] range(String args) {
        int comma = args.indexOf(',');
        if (comma < 0) {
            throw new IllegalArgumentException("expected address,length");
        }
        long length = hexLong(args.substring(comma + 1));
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("length too large");
        }
        return new long[] {hexLong(args.substring(0, comma)), length};
    }

    /**
     * A thread id: hex, or -1 for all (gdb manual, "thread-id syntax"). The p-prefixed
     * multiprocess form is not accepted because multiprocess+ is never advertised.
     */
    private static long thread(String text) {
        return text.equals("-1") ? Packet.ALL_THREADS : hexLong(text);
    }

    private static int hexInt(String text) {
        long value = hexLong(text);
        if (value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("number too large: " + text);
        }
        return (int) value;
    }

    private static long hexLong(String text) {
        if (text.isEmpty() || text.length() > 16) {
            throw new IllegalArgumentException("expected a hex number: '" + text + "'");
        }
        try {
            return Long.parseUnsignedLong(text, 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a hex number: '" + text + "'");
        }
    }
}
