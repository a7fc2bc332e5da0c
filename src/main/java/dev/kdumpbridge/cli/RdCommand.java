package dev.kdumpbridge.cli;

import dev.kdumpbridge.dump.MemoryFault;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.memory.TranslationUnavailableException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "rd",
    description = {
        "Print memory as words with their characters, like crash's rd -64.",
        "Stops at the first address that cannot be read, says why, and exits with 1."})
final class RdCommand implements Callable<Integer> {
    private static final int WORD = Long.BYTES;
    private static final int WORDS_PER_LINE = 2;
    /** Words read per request: output starts at once and memory use stays flat for any COUNT. */
    private static final int WORDS_PER_READ = 4096;
    /** crash's ASCII_START_64 (memory.c): the characters start in this column of a full line. */
    private static final int ASCII_COLUMN = 53;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DUMP", description = "The dump (see info --help).")
    Path dump;

    @Parameters(
        index = "1",
        paramLabel = "ADDRESS|SYMBOL",
        description = "Where to start: a hexadecimal address (0x optional) or a kernel symbol"
            + " (from --vmlinux, else VMCOREINFO's and, on Linux 6.0+, the kallsyms tables in the"
            + " dump). As in crash, a word that"
            + " is valid hexadecimal is an address.")
    String where;

    @Parameters(
        index = "2",
        arity = "0..1",
        paramLabel = "COUNT",
        defaultValue = "1",
        description = "How many 64-bit words to print. Default: ${DEFAULT-VALUE}.")
    long count;

    @Option(names = {"-p", "--physical"}, description = "ADDRESS is physical, not kernel virtual.")
    boolean physical;

    @Mixin
    VmlinuxOption vmlinux;

    @Override
    public Integer call() {
        if (count < 1) {
            throw new ParameterException(spec.commandLine(), "COUNT must be at least 1, not " + count);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (DumpSession session = DumpSession.open(List.of(dump), vmlinux.vmlinux)) {
            session.warnings().forEach(w -> err.println("kdump-bridge rd: warning: " + w));
            OptionalLong start = address(session);
            if (start.isEmpty()) {
                err.println("kdump-bridge rd: no symbol " + where
                    + (vmlinux.vmlinux == null ? " in VMCOREINFO or the dump's kallsyms (give --vmlinux)" : " in " + vmlinux.vmlinux));
                return Main.EXIT_INPUT_ERROR;
            }
            Reader reader;
            if (physical) {
                reader = (address, dst, len) -> session.dump().read(address, dst, 0, len);
            } else {
                KernelMemory memory;
                try {
                    memory = session.paging().memory();
                } catch (TranslationUnavailableException e) {
                    err.println("kdump-bridge rd: " + e.getMessage());
                    return Main.EXIT_INPUT_ERROR;
                }
                reader = (address, dst, len) -> memory.read(address, dst, 0, len);
            }
            String fault = print(reader, start.getAsLong(), count, session.dump().info().byteOrder(), out);
            out.flush();
            if (fault != null) {
                err.println("kdump-bridge rd: " + fault);
                return Main.EXIT_INPUT_ERROR;
            }
            return Main.EXIT_OK;
        } catch (IOException e) {
            err.println("kdump-bridge rd: " + e.getMessage());
            return Main.EXIT_INPUT_ERROR;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private OptionalLong address(DumpSession session) throws IOException {
        String digits = where.startsWith("0x") || where.startsWith("0X") ? where.substring(2) : where;
        if (!digits.isEmpty() && digits.length() <= 16 && digits.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            return OptionalLong.of(Long.parseUnsignedLong(digits, 16));
        }
        return session.symbol(where);
    }

    /** A read that fills {@code dst[0, len)} or throws a fault whose address says how far it got. */
    @FunctionalInterface
    interface Reader {
        void read(long address, byte[] dst, int len) throws AddressFault, MemoryFault, IOException;
    }

    /**
     * Prints {@code words} words from {@code start} in crash's {@code rd -64} layout, up to the
     * first unreadable one.
     *
     * @return the fault that stopped it, as a message, or null when every word was printed
     */
    static String print(Reader reader, long start, long words, ByteOrder order, PrintWriter out) throws IOException {
        byte[] chunk = new byte[WORDS_PER_READ * WORD];
        long address = start;
        for (long left = words; left > 0; ) {
            int n = (int) Math.min(left, WORDS_PER_READ);
            int readable = n * WORD;
            String fault = null;
            try {
                reader.read(address, chunk, readable);
            } catch (AddressFault f) {
                readable = (int) (f.address() - address);
                fault = f.getMessage();
            } catch (MemoryFault f) {
                readable = (int) (f.address() - address);
                fault = "physical " + f.getMessage();
            }
            for (int off = 0; off + WORD <= readable; off += WORDS_PER_LINE * WORD) {
                out.println(line(address + off, chunk, off, Math.min(WORDS_PER_LINE, (readable - off) / WORD), order));
            }
            if (fault != null) {
                return fault;
            }
            address += (long) n * WORD;
            left -= n;
        }
        return null;
    }

    /**
     * One line as crash prints it: the address right-aligned in 16 columns, each word as 16 hex
     * digits and a space, then the bytes as characters (0x20-0x7e, else a dot) from column 53.
     */
    static String line(long address, byte[] bytes, int off, int words, ByteOrder order) {
        StringBuilder line = new StringBuilder(String.format("%16x:  ", address));
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(order);
        for (int i = 0; i < words; i++) {
            line.append(String.format("%016x ", buffer.getLong(off + i * WORD)));
        }
        line.append(" ".repeat(ASCII_COLUMN - line.length())).append("  ");
        for (int i = 0; i < words * WORD; i++) {
            int c = bytes[off + i] & 0xff;
            line.append(c >= 0x20 && c < 0x7f ? (char) c : '.');
        }
        return line.toString();
    }
}
