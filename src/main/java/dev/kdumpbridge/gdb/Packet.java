package dev.kdumpbridge.gdb;

import java.util.List;
import java.util.OptionalLong;

/**
 * The packets this server understands, parsed. Thread ids are as on the wire: {@link #ANY_THREAD}
 * and {@link #ALL_THREADS} are the protocol's "any" and "all" (reference 08 section 3).
 */
sealed interface Packet {

    long ANY_THREAD = 0;
    long ALL_THREADS = -1;

    /** {@code qSupported[:feature;...]}: the client's features, e.g. "swbreak+", "xmlRegisters=i386". */
    record QuerySupported(List<String> clientFeatures) implements Packet {
        public QuerySupported {
            clientFeatures = List.copyOf(clientFeatures);
        }
    }

    /** {@code QStartNoAckMode}. */
    record StartNoAckMode() implements Packet {
    }

    /** {@code ?}: why the target stopped. */
    record QueryStopReason() implements Packet {
    }

    /** {@code qAttached[:pid]}. */
    record QueryAttached() implements Packet {
    }

    /** {@code qC}: the current thread. */
    record QueryCurrentThread() implements Packet {
    }

    /** {@code qfThreadInfo}: start of the thread list. */
    record ThreadListFirst() implements Packet {
    }

    /** {@code qsThreadInfo}: more of the thread list. */
    record ThreadListNext() implements Packet {
    }

    /** {@code qXfer:threads:read::offset,length}. */
    record ReadThreadsXml(long offset, int length) implements Packet {
    }

    /** {@code qXfer:features:read:annex:offset,length}. */
    record ReadFeatures(String annex, long offset, int length) implements Packet {
    }

    /** {@code qThreadExtraInfo,id}. */
    record ThreadExtraInfo(long thread) implements Packet {
    }

    /** {@code Hg id} ({@code general} true: registers) or {@code Hc id} (resuming). */
    record SelectThread(boolean general, long thread) implements Packet {
    }

    /** {@code T id}: is the thread alive. */
    record ThreadAlive(long thread) implements Packet {
    }

    /** {@code g}, or LLDB's {@code g;thread:id;}. */
    record ReadRegisters(OptionalLong thread) implements Packet {
    }

    /** {@code p n}, or LLDB's {@code p n;thread:id;}. */
    record ReadRegister(int number, OptionalLong thread) implements Packet {
    }

    /** {@code m addr,length} (hex reply) or {@code x addr,length} (binary reply). */
    record ReadMemory(long address, int length, boolean binary) implements Packet {
    }

    /** {@code qOffsets}. */
    record QueryOffsets() implements Packet {
    }

    /** {@code qRcmd,hex}: gdb's {@code monitor} command line, decoded. */
    record MonitorCommand(String commandLine) implements Packet {
    }

    /** {@code qSymbol::} and its follow-ups: gdb offers to look up symbols for the stub. */
    record QuerySymbol() implements Packet {
    }

    /** {@code D} or {@code D;pid}. */
    record Detach() implements Packet {
    }

    /** {@code k}. */
    record Kill() implements Packet {
    }

    /** A packet that would change the target, which a dump cannot do. */
    record Refused(Refusal what) implements Packet {
    }

    enum Refusal {
        /** {@code M}, {@code X}, {@code G}, {@code P}. */
        WRITE,
        /** {@code Z}, {@code z}. */
        BREAKPOINT
    }

    /** {@code c}, {@code C}, {@code s}, {@code S}, {@code vCont;...}: run, which a dump cannot. */
    record Resume() implements Packet {
    }

    /** LLDB's {@code qHostInfo}. */
    record HostInfo() implements Packet {
    }

    /** LLDB's {@code qProcessInfo}. */
    record ProcessInfo() implements Packet {
    }

    /** LLDB's {@code QThreadSuffixSupported}. */
    record EnableThreadSuffix() implements Packet {
    }

    /** LLDB's {@code QListThreadsInStopReply}. */
    record ListThreadsInStopReply() implements Packet {
    }

    /** LLDB's {@code qRegisterInfo<hex n>}. */
    record RegisterInfo(int number) implements Packet {
    }

    /** LLDB's {@code qThreadStopInfo<hex id>}. */
    record ThreadStopInfo(long thread) implements Packet {
    }

    /** Anything else: answered with the empty "not supported" reply. */
    record Unsupported(String payload) implements Packet {
    }

    /** A known packet with arguments that do not parse. */
    record Malformed(String payload, String problem) implements Packet {
    }
}
