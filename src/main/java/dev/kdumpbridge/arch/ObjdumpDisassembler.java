package dev.kdumpbridge.arch;

import dev.kdumpbridge.target.Disassembler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Machine code decoded by binutils' {@code objdump}, as gdb, crash's {@code dis} and the kernel's
 * own oops decoder print it (AT&T syntax on x86_64). No maintained decoder for Java is on Maven
 * Central here (iced-x86's Java port is not), while binutils is on every machine that has gdb,
 * and it decodes every instruction the kernel's assembler emitted. The host's {@code objdump}
 * knows the host's machine; another one's needs its cross objdump
 * ({@code aarch64-linux-gnu-objdump} from binutils-aarch64-linux-gnu).
 */
public final class ObjdumpDisassembler implements Disassembler {
    private static final int TIMEOUT_SECONDS = 20;
    /**
     * {@code ffffffff81000000:\t48 89 e5             \tmov    %rsp,%rbp} with {@code -w}; a
     * fixed-width machine's instruction is one word instead ({@code ffff800008010000:\td503201f \tnop}).
     */
    private static final Pattern LINE = Pattern.compile("^\\s*([0-9a-f]+):\\t((?:[0-9a-f]{2} )+|[0-9a-f]{8} )\\s*\\t?(.*)$");

    private final String objdump;
    private final String machine;

    private ObjdumpDisassembler(String objdump, String machine) {
        this.objdump = objdump;
        this.machine = machine;
    }

    /**
     * The decoder, if {@code program} runs.
     *
     * @param program {@code objdump} or a cross objdump
     * @param machine its {@code -m} name: {@code i386:x86-64}, {@code aarch64}
     */
    public static Optional<Disassembler> find(String program, String machine) {
        try {
            Process probe = new ProcessBuilder(program, "--version").redirectErrorStream(true).start();
            probe.getInputStream().readAllBytes();
            return probe.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS) && probe.exitValue() == 0
                ? Optional.of(new ObjdumpDisassembler(program, machine)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @Override
    public List<Instruction> decode(long address, byte[] code, int max) throws DisassemblyException {
        if (code.length == 0 || max <= 0) {
            return List.of();
        }
        Path input = null;
        try {
            input = Files.createTempFile("kdump-bridge-code", ".bin");
            Files.write(input, code);
            Process process = new ProcessBuilder(objdump, "-D", "-z", "-w", "-b", "binary", "-m", machine,
                "--adjust-vma=0x" + Long.toHexString(address), input.toString()).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new DisassemblyException("objdump did not answer within " + TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new DisassemblyException("objdump failed: " + output.strip());
            }
            return parse(output, address, code.length, max);
        } catch (IOException e) {
            throw new DisassemblyException("objdump cannot be run (" + e.getMessage() + "); install binutils");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DisassemblyException("interrupted while objdump ran");
        } finally {
            if (input != null) {
                try {
                    Files.deleteIfExists(input);
                } catch (IOException ignored) {
                    // A leftover temporary file is harmless; the answer is not.
                }
            }
        }
    }

    /**
     * The instructions objdump printed, at most {@code max}. Bytes at the very end that objdump
     * could not decode are likely an instruction cut off by the end of the buffer, so they are
     * left out unless they are all there is to give.
     */
    /** Bytes as objdump lists them: pairs in memory order, or one little-endian 32-bit word. */
    private static byte[] bytes(String listed) {
        if (listed.length() == 8 && !listed.contains(" ")) {
            byte[] word = HexFormat.of().parseHex(listed);
            return new byte[] {word[3], word[2], word[1], word[0]};
        }
        return HexFormat.ofDelimiter(" ").parseHex(listed);
    }

    static List<Instruction> parse(String output, long address, int length, int max) {
        List<Instruction> instructions = new ArrayList<>();
        for (String line : output.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            byte[] bytes = bytes(m.group(2).strip());
            long at = Long.parseUnsignedLong(m.group(1), 16);
            String text = m.group(3).strip();
            boolean undecoded = text.isEmpty() || text.equals("(bad)") || text.startsWith(".byte");
            if (undecoded && at + bytes.length - address >= length && !instructions.isEmpty()) {
                break;
            }
            instructions.add(new Instruction(at, bytes, text.isEmpty() ? "(bad)" : text));
            if (instructions.size() == max) {
                break;
            }
        }
        return instructions;
    }
}
