package dev.kdumpbridge.gdb;

import dev.kdumpbridge.target.Architecture;
import dev.kdumpbridge.target.DebugTarget;
import dev.kdumpbridge.target.MemoryRead;
import dev.kdumpbridge.target.MonitorCommands;
import dev.kdumpbridge.target.RegisterLayout.Register;
import dev.kdumpbridge.target.RegisterSet;
import dev.kdumpbridge.target.TargetThread;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One method per packet: each answers from the target and the connection's {@link Session}
 * alone. {@link PacketTable} says which packet goes where.
 */
final class PacketHandlers {

    private static final Logger LOG = LoggerFactory.getLogger("gdb");

    /**
     * Error numbers are errno values, written in decimal like the design's E14 for EFAULT; gdb
     * does not interpret them (gdb manual, "Standard Replies").
     */
    static final String NO_SUCH_THREAD = "E03";
    /** EIO: the target failed on the request. */
    static final String TARGET_FAILED = "E05";
    static final String MEMORY_FAULT = "E14";
    /** ENODATA: a register whose value could not be recovered. */
    static final String UNAVAILABLE = "E61";
    static final String INVALID = "E22";
    /** qXfer's reply for an annex it does not have (gdb manual, "qXfer read"). */
    static final String NO_SUCH_ANNEX = "E00";
    /** What LLDB's own debugserver answers past the last qRegisterInfo (lldbgdbremote.md). */
    static final String NO_MORE_REGISTERS = "E45";
    /** gdb turns any Enn reply to qRcmd into "Protocol error with Rcmd" (remote.c remote_rcmd). */
    static final String MONITOR_FAILED = "E01";

    /**
     * Conventional stop signal for a kernel that stopped: gdb's SIGTRAP (include/gdb/signals.h),
     * what gdbserver and QEMU report for a stop that is not a real signal.
     */
    static final int SIGTRAP = 5;
    /** Stop reply signal for threads that did not stop for a reason of their own. */
    static final int NO_SIGNAL = 0;

    private static final String CANNOT_RUN = "kdump-bridge: a crash dump cannot run";

    /** gdb's predefined floating-point target description types (gdb/target-descriptions.c). */
    private static final Set<String> FLOAT_TYPES =
        Set.of("ieee_half", "ieee_single", "ieee_double", "arm_fpa_ext", "i387_ext", "bfloat16");

    private final DebugTarget target;
    private final Architecture arch;
    private final int maxPayload;
    private final byte[] targetXml;

    PacketHandlers(DebugTarget target, int maxPayload) {
        this.target = target;
        this.arch = target.architecture();
        this.maxPayload = maxPayload;
        this.targetXml = TargetDescription.xml(arch).getBytes(StandardCharsets.UTF_8);
    }

    // --- connection ---------------------------------------------------------------------------

    /**
     * Advertises what this server does, nothing more: no multiprocess, no breakpoints, no
     * vContSupported (vCont? gets the empty reply). binary-upload+ announces the 'x' read with
     * a 'b'-prefixed binary reply that gdb 16 added; older gdbs ignore the feature.
     */
    Reply supported(Packet.QuerySupported p, Session s) {
        s.errorMessages = p.clientFeatures().contains("error-message+");
        return Reply.text(String.format(Locale.ROOT,
            "PacketSize=%x;QStartNoAckMode+;qXfer:features:read+;qXfer:threads:read+;binary-upload+",
            maxPayload));
    }

    Reply startNoAckMode(Packet.StartNoAckMode p, Session s) {
        return Reply.OK.then(Reply.After.STOP_ACKS);
    }

    /** "1": attached to something that exists, so gdb detaches on quit rather than killing it. */
    Reply attached(Packet.QueryAttached p, Session s) {
        return Reply.text("1");
    }

    Reply detach(Packet.Detach p, Session s) {
        return Reply.OK.then(Reply.After.CLOSE);
    }

    /** {@code k} has no reply (gdb manual, "Packets"): the connection just ends. */
    Reply kill(Packet.Kill p, Session s) {
        return new Reply(null, Reply.After.CLOSE);
    }

    /**
     * "E.text" rather than "Enn" so that a client can say why: gdb 13 shows the text for register
     * writes ("Could not write register ...; remote failure reply 'E.…'") and treats every "E."
     * reply as an error (remote.c packet_check_result); for memory writes it says "Cannot access
     * memory at address …"; LLDB quotes the reply it did not expect.
     */
    Reply refused(Packet.Refused p, Session s) {
        return Reply.text(switch (p.what()) {
            case WRITE -> "E.kdump-bridge serves a crash dump, which cannot be written";
            case BREAKPOINT -> "E.kdump-bridge serves a crash dump, which has no breakpoints";
        });
    }

    /**
     * A resume cannot be refused with an error: LLDB takes an error reply to {@code c} or
     * {@code vCont} as the end of the process and drops the connection (gdb would only warn).
     * Both wait for a stop reply after a resume, so this says why in a console packet and
     * reports the thread stopped again where it was, with no signal. LLDB needs a stop reason
     * or it resumes again at once, forever: "reason:exception" with a description is one
     * (lldbgdbremote.md, "Stop reply packet"); gdb skips those keys.
     */
    Reply resume(Packet.Resume p, Session s) {
        console(s, CANNOT_RUN + "\n");
        return Reply.text(stopReply(resolve(OptionalLong.empty(), s), NO_SIGNAL)
            .append("reason:exception;description:").append(Rsp.hexText(CANNOT_RUN)).append(';')
            .toString());
    }

    /** We never look symbols up through gdb. */
    Reply symbol(Packet.QuerySymbol p, Session s) {
        return Reply.OK;
    }

    Reply unsupported(Packet.Unsupported p, Session s) {
        LOG.debug("unsupported packet {}", p.payload());
        return Reply.EMPTY;
    }

    Reply malformed(Packet.Malformed p, Session s) {
        LOG.debug("malformed packet {}: {}", p.payload(), p.problem());
        return error(s, INVALID, p.problem());
    }

    // --- threads ------------------------------------------------------------------------------

    Reply stopReason(Packet.QueryStopReason p, Session s) {
        long id = target.stopThread();
        StringBuilder reply = stopReply(id, SIGTRAP);
        if (s.threadsInStopReply) {
            target.refreshThreads();
            String ids = target.threads().stream()
                .map(t -> Long.toHexString(t.id())).collect(Collectors.joining(","));
            // The list is optional (LLDB falls back to qfThreadInfo); a kernel with 100 000 tasks
            // would make this reply megabytes long.
            if (reply.length() + "threads:;".length() + ids.length() <= maxPayload) {
                reply.append("threads:").append(ids).append(';');
            }
        }
        return Reply.text(reply.toString());
    }

    /** LLDB asks each thread why it stopped; only the stop thread has a reason. */
    Reply threadStopInfo(Packet.ThreadStopInfo p, Session s) {
        if (target.thread(p.thread()).isEmpty()) {
            return noSuchThread(s, p.thread());
        }
        int signal = p.thread() == target.stopThread() ? SIGTRAP : NO_SIGNAL;
        return Reply.text(stopReply(p.thread(), signal).toString());
    }

    /**
     * "T" stop reply (gdb manual, "Stop Reply Packets"): thread, core (hex) and LLDB's hexname.
     * gdb skips keys it does not know that are not hex register numbers.
     */
    private StringBuilder stopReply(long id, int signal) {
        StringBuilder reply = new StringBuilder(String.format(
            Locale.ROOT, "T%02xthread:%x;", signal, id));
        target.thread(id).ifPresent(t -> {
            if (t.hasCore()) {
                reply.append(String.format(Locale.ROOT, "core:%x;", t.core()));
            }
            reply.append("hexname:").append(Rsp.hexText(t.name())).append(';');
        });
        return reply;
    }

    Reply currentThread(Packet.QueryCurrentThread p, Session s) {
        return Reply.text("QC" + Long.toHexString(resolve(OptionalLong.empty(), s)));
    }

    Reply threadListFirst(Packet.ThreadListFirst p, Session s) {
        target.refreshThreads();
        s.threadList = target.threads();
        s.threadListNext = 0;
        return threadListNext(new Packet.ThreadListNext(), s);
    }

    /** As many ids as fit in one packet, then "l" (gdb manual, "qfThreadInfo"). */
    Reply threadListNext(Packet.ThreadListNext p, Session s) {
        if (s.threadListNext >= s.threadList.size()) {
            return Reply.text("l");
        }
        StringBuilder reply = new StringBuilder("m");
        while (s.threadListNext < s.threadList.size()) {
            String id = Long.toHexString(s.threadList.get(s.threadListNext).id());
            if (reply.length() > 1 && reply.length() + 1 + id.length() > maxPayload) {
                break;
            }
            if (reply.length() > 1) {
                reply.append(',');
            }
            reply.append(id);
            s.threadListNext++;
        }
        return Reply.text(reply.toString());
    }

    /** The thread list with names and cores (gdb manual, "Thread List Format"). */
    Reply threadsXml(Packet.ReadThreadsXml p, Session s) {
        if (p.offset() == 0 || s.threadsXml == null) {
            target.refreshThreads();
            StringBuilder xml = new StringBuilder("<?xml version=\"1.0\"?>\n<threads>\n");
            for (TargetThread t : target.threads()) {
                xml.append("<thread id=\"").append(Long.toHexString(t.id())).append('"');
                if (t.hasCore()) {
                    // gdb parses core as a decimal number (xml_parse_attr_ulongest).
                    xml.append(" core=\"").append(t.core()).append('"');
                }
                xml.append(" name=\"").append(Xml.escape(t.name())).append("\">")
                    .append(Xml.escape(t.extraInfo())).append("</thread>\n");
            }
            s.threadsXml = xml.append("</threads>\n").toString().getBytes(StandardCharsets.UTF_8);
        }
        return xferSlice(s.threadsXml, p.offset(), p.length());
    }

    Reply features(Packet.ReadFeatures p, Session s) {
        if (!p.annex().equals("target.xml")) {
            return Reply.text(NO_SUCH_ANNEX);
        }
        return xferSlice(targetXml, p.offset(), p.length());
    }

    /** "m" and a part when more follows, "l" and the rest when it is the last part. */
    private Reply xferSlice(byte[] document, long offset, int length) {
        int start = (int) Math.min(offset, document.length);
        int end = (int) Math.min((long) start + Math.min(length, maxPayload - 1), document.length);
        byte[] reply = new byte[end - start + 1];
        reply[0] = (byte) (end < document.length ? 'm' : 'l');
        System.arraycopy(document, start, reply, 1, end - start);
        return Reply.binary(reply);
    }

    Reply threadExtraInfo(Packet.ThreadExtraInfo p, Session s) {
        return target.thread(p.thread())
            .map(t -> Reply.text(Rsp.hexText(t.extraInfo())))
            .orElseGet(() -> noSuchThread(s, p.thread()));
    }

    /**
     * {@code Hg} selects the thread {@code g} and {@code p} read. {@code Hc} selects the thread
     * to resume, which a dump never does, so it is only checked.
     */
    Reply selectThread(Packet.SelectThread p, Session s) {
        boolean anyOrAll = p.thread() == Packet.ANY_THREAD || p.thread() == Packet.ALL_THREADS;
        if (!anyOrAll && target.thread(p.thread()).isEmpty()) {
            return noSuchThread(s, p.thread());
        }
        if (p.general()) {
            s.generalThread = anyOrAll ? Packet.ANY_THREAD : p.thread();
        }
        return Reply.OK;
    }

    Reply threadAlive(Packet.ThreadAlive p, Session s) {
        return target.thread(p.thread()).isPresent() ? Reply.OK : noSuchThread(s, p.thread());
    }

    private Reply noSuchThread(Session s, long id) {
        return error(s, NO_SUCH_THREAD, "no thread " + Long.toHexString(id));
    }

    /** The thread a packet means: its own ";thread:" suffix, else Hg's, else the stop thread. */
    private long resolve(OptionalLong suffix, Session s) {
        long id = suffix.orElse(s.generalThread);
        return id == Packet.ANY_THREAD || id == Packet.ALL_THREADS ? target.stopThread() : id;
    }

    // --- registers ----------------------------------------------------------------------------

    /** All registers in number order; "xx" per byte of a register that is unavailable. */
    Reply registers(Packet.ReadRegisters p, Session s) {
        long id = resolve(p.thread(), s);
        return target.registers(id)
            .map(set -> {
                StringBuilder hex = new StringBuilder(arch.registers().totalBytes() * 2);
                for (Register r : arch.registers().registers()) {
                    hex.append(registerHex(set, r));
                }
                return Reply.text(hex.toString());
            })
            .orElseGet(() -> noSuchThread(s, id));
    }

    /**
     * One register; "xx" per byte if unavailable (gdb manual, "p n"). LLDB (the
     * ";thread:" form is its) reads 'x' digits as 0xcc bytes and shows them as a value
     * (GDBRemoteCommunicationClient::ReadRegister fills undecodable hex with 0xcc), so it gets
     * an error instead, which it shows as a register it could not read.
     */
    Reply register(Packet.ReadRegister p, Session s) {
        Optional<Register> register = arch.registers().register(p.number());
        if (register.isEmpty()) {
            return error(s, INVALID, "no register " + Integer.toHexString(p.number()));
        }
        Register r = register.get();
        long id = resolve(p.thread(), s);
        Optional<RegisterSet> set = target.registers(id);
        if (set.isEmpty()) {
            return noSuchThread(s, id);
        }
        if (p.thread().isPresent() && !set.get().isAvailable(r)) {
            return error(s, UNAVAILABLE, r.name() + " is unavailable");
        }
        return Reply.text(registerHex(set.get(), r));
    }

    private static String registerHex(RegisterSet set, Register r) {
        return set.bytes(r).map(Rsp::hex).orElseGet(() -> "xx".repeat(r.byteSize()));
    }

    /**
     * LLDB's register discovery when it does not read target.xml (lldbgdbremote.md,
     * "qRegisterInfo"), from the same layout.
     */
    Reply registerInfo(Packet.RegisterInfo p, Session s) {
        Optional<Register> found = arch.registers().register(p.number());
        if (found.isEmpty()) {
            return Reply.text(NO_MORE_REGISTERS);
        }
        Register r = found.get();
        boolean integer = !FLOAT_TYPES.contains(r.type());
        StringBuilder info = new StringBuilder()
            .append("name:").append(r.name())
            .append(";bitsize:").append(r.bitSize())
            .append(";offset:").append(arch.registers().offset(r))
            .append(";encoding:").append(integer ? "uint" : "ieee754")
            .append(";format:").append(integer ? "hex" : "float")
            .append(";set:").append("float".equals(r.group()) || !integer
                ? "Floating Point Registers" : "General Purpose Registers")
            .append(';');
        if (r.dwarfNumber() >= 0) {
            info.append("ehframe:").append(r.dwarfNumber()).append(";dwarf:").append(r.dwarfNumber()).append(';');
        }
        if (r.role() != null) {
            info.append("generic:").append(r.role().name().toLowerCase(Locale.ROOT)).append(';');
        }
        return Reply.text(info.toString());
    }

    // --- memory -------------------------------------------------------------------------------

    /**
     * Reads what it can. A short read returns the readable prefix, so gdb asks again at the
     * first missing byte and reports exactly that address; only a read that gets nothing is an
     * error (reference 08 section 4, "m"). At most half of PacketSize is read at once: gdb never
     * asks for more (the hex reply must fit), and a request like m0,7fffffff must not allocate
     * gigabytes. A client that asks for more gets a short reply and asks again for the rest.
     */
    Reply readMemory(Packet.ReadMemory p, Session s) {
        byte[] data = new byte[Math.min(p.length(), maxPayload / 2)];
        MemoryRead read = target.readMemory(p.address(), data, 0, data.length);
        if (read.length() == 0 && read.fault().isPresent()) {
            MemoryRead.Fault fault = read.fault().get();
            LOG.debug("memory read at {} failed: {}", Long.toHexString(fault.address()), fault.reason());
            return error(s, MEMORY_FAULT, String.format(Locale.ROOT,
                "cannot read memory at 0x%x: %s", fault.address(), fault.reason()));
        }
        if (!p.binary()) {
            return Reply.text(Rsp.hex(data, 0, read.length()));
        }
        byte[] reply = new byte[read.length() + 1];
        reply[0] = 'b';
        System.arraycopy(data, 0, reply, 1, read.length());
        return Reply.binary(reply);
    }

    /** Text and data offsets; gdb applies Data to .bss as well (reference 08 section 8). */
    Reply offsets(Packet.QueryOffsets p, Session s) {
        return target.sectionOffsets()
            .map(o -> Reply.text(String.format(Locale.ROOT, "Text=%x;Data=%x;Bss=%x", o.text(), o.data(), o.data())))
            .orElse(Reply.EMPTY);
    }

    // --- monitor commands ---------------------------------------------------------------------

    /**
     * Output goes out as "O" console packets while the command runs, then "OK" (gdb manual,
     * "qRcmd"). A failing command prints its message and answers {@link #MONITOR_FAILED}.
     * Without monitor commands the empty reply makes gdb say the target does not support it.
     */
    Reply monitor(Packet.MonitorCommand p, Session s) {
        Optional<MonitorCommands> commands = target.monitorCommands();
        if (commands.isEmpty()) {
            return Reply.EMPTY;
        }
        String line = p.commandLine().strip();
        if (line.isEmpty() || line.equals("help")) {
            StringBuilder help = new StringBuilder("monitor commands:\n");
            List<MonitorCommands.Command> all = new ArrayList<>();
            all.add(new MonitorCommands.Command("help", "list these commands"));
            all.addAll(commands.get().commands());
            int width = all.stream().mapToInt(c -> c.name().length()).max().orElseThrow();
            for (MonitorCommands.Command c : all) {
                help.append(String.format(Locale.ROOT, "  %-" + width + "s  %s\n", c.name(), c.summary()));
            }
            console(s, help.toString());
            return Reply.OK;
        }
        try {
            commands.get().run(line, text -> console(s, text));
            return Reply.OK;
        } catch (MonitorCommands.CommandException e) {
            console(s, e.getMessage() + "\n");
            return Reply.text(MONITOR_FAILED);
        }
    }

    /** Sends text as "O" packets, split so each hex-encoded packet fits in PacketSize. */
    private void console(Session s, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int chunk = (maxPayload - 1) / 2;
        for (int start = 0; start < bytes.length; start += chunk) {
            int length = Math.min(chunk, bytes.length - start);
            s.send(Reply.text("O" + Rsp.hex(bytes, start, length)));
        }
    }

    // --- LLDB ---------------------------------------------------------------------------------

    Reply hostInfo(Packet.HostInfo p, Session s) {
        return Reply.text(machineInfo());
    }

    /**
     * LLDB wants a process id; the kernel has none, so it gets 1. Numbers are hex
     * (lldbgdbremote.md, "qProcessInfo").
     */
    Reply processInfo(Packet.ProcessInfo p, Session s) {
        return Reply.text("pid:1;" + machineInfo());
    }

    /** LLDB hex-decodes the triple (GDBRemoteCommunicationClient.cpp, qHostInfo parsing). */
    private String machineInfo() {
        return "triple:" + Rsp.hexText(arch.triple())
            + ";ptrsize:" + arch.pointerSize()
            + ";endian:" + (arch.byteOrder() == ByteOrder.LITTLE_ENDIAN ? "little" : "big")
            + ";ostype:linux;";
    }

    /** From now on LLDB may add ";thread:id;" to g and p; the parser accepts it anyway. */
    Reply enableThreadSuffix(Packet.EnableThreadSuffix p, Session s) {
        return Reply.OK;
    }

    Reply listThreadsInStopReply(Packet.ListThreadsInStopReply p, Session s) {
        s.threadsInStopReply = true;
        return Reply.OK;
    }

    // --- errors -------------------------------------------------------------------------------

    /** "E.text" where the client said it takes it for every packet, else the number. */
    private static Reply error(Session s, String code, String text) {
        return Reply.text(s.errorMessages ? "E." + text : code);
    }
}
