package dev.kdumpbridge.arch.x86_64;

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
 * x86_64 code decoded by binutils' {@code objdump}, in the AT&T syntax gdb, crash's {@code dis}
 * and the kernel's own oops decoder print. No maintained x86 decoder for Java is on Maven Central
 * here (iced-x86's Java port is not), while binutils is on every machine that has gdb, and it
 * decodes every instruction the kernel's assembler emitted.
 */
public final class ObjdumpDisassembler implements Disassembler {
    private static final int TIMEOUT_SECONDS = 20;
    /** {@code ffffffff81000000:\t48 89 e5             \tmov    %rsp,%rbp} with {@code -w}. */
    private static final Pattern LINE = Pattern.compile("^\\s*([0-9a-f]+):\\t((?:[0-9a-f]{2} )+)\\s*\\t?(.*)$");

    private final String objdump;

    private ObjdumpDisassembler(String objdump) {
        this.objdump = objdump;
    }

    /** The decoder, if {@code objdump} is on the PATH. */
    public static Optional<Disassembler> find() {
        try {
            Process probe = new ProcessBuilder("objdump", "--version").redirectErrorStream(true).start();
            probe.getInputStream().readAllBytes();
            return probe.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS) && probe.exitValue() == 0
                ? Optional.of(new ObjdumpDisassembler("objdump")) : Optional.empty();
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
            Process process = new ProcessBuilder(objdump, "-D", "-z", "-w", "-b", "binary", "-m", "i386:x86-64",
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
    static List<Instruction> parse(String output, long address, int length, int max) {
        List<Instruction> instructions = new ArrayList<>();
        for (String line : output.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            byte[] bytes = HexFormat.ofDelimiter(" ").parseHex(m.group(2).strip());
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
