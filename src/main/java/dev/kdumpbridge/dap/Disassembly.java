package dev.kdumpbridge.dap;

import dev.kdumpbridge.target.DebugTarget;
import dev.kdumpbridge.target.Disassembler;
import dev.kdumpbridge.target.SymbolLookup;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.lsp4j.debug.DisassembledInstruction;
import org.eclipse.lsp4j.debug.DisassembledInstructionPresentationHint;

/**
 * The disassemble request: exactly the instructions asked for, counted from the one at an
 * address, also backwards. x86 code cannot be decoded backwards, so instructions before the
 * address are found by decoding forward from the start of its function (or of the functions
 * before it), where instruction boundaries are known. Where memory cannot be read or code does
 * not decode, the places are filled with invalid entries, since the protocol wants the exact count.
 */
final class Disassembly {
    private static final int MAX_INSTRUCTION_BYTES = 15;
    /** How far back functions are walked to find instructions before an address. */
    private static final int MAX_FUNCTIONS_BACK = 16;
    private static final long MAX_SPAN_BACK = 256 << 10;
    private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-f]{9,16}\\b");

    private final DebugTarget target;
    private final Disassembler disassembler;
    private final Optional<SymbolLookup> symbols;

    Disassembly(DebugTarget target, Disassembler disassembler) {
        this.target = target;
        this.disassembler = disassembler;
        this.symbols = target.symbols();
    }

    DisassembledInstruction[] around(long address, int instructionOffset, int count, boolean resolveSymbols) {
        int before = Math.max(0, -instructionOffset);
        long anchor = anchor(address, before);
        int after = Math.max(0, instructionOffset + count);
        List<Disassembler.Instruction> decoded = decode(anchor, (address - anchor) + (long) after * MAX_INSTRUCTION_BYTES,
            Integer.MAX_VALUE);
        int origin = 0;
        while (origin < decoded.size() && Long.compareUnsigned(decoded.get(origin).address(), address) < 0) {
            origin++;
        }
        DisassembledInstruction[] answer = new DisassembledInstruction[count];
        for (int i = 0; i < count; i++) {
            int k = origin + instructionOffset + i;
            if (k >= 0 && k < decoded.size()) {
                answer[i] = instruction(decoded.get(k), resolveSymbols);
            } else {
                long at = k < 0 ? (decoded.isEmpty() ? address : decoded.get(0).address()) + k
                    : decoded.isEmpty() ? address + (k - origin) : end(decoded.get(decoded.size() - 1)) + (k - decoded.size());
                answer[i] = invalid(at);
            }
        }
        return answer;
    }

    /** Where to start decoding so that {@code before} instructions come before {@code address}. */
    private long anchor(long address, int before) {
        if (before == 0) {
            return address;
        }
        if (symbols.isEmpty()) {
            return address - (long) before * MAX_INSTRUCTION_BYTES;
        }
        long anchor = address;
        for (int step = 0; step < MAX_FUNCTIONS_BACK; step++) {
            Optional<SymbolLookup.Location> function = symbols.get().at(anchor == address ? address : anchor - 1);
            if (function.isEmpty() || address - function.get().start() > MAX_SPAN_BACK) {
                break;
            }
            anchor = function.get().start();
            long found = decode(anchor, address - anchor, Integer.MAX_VALUE).stream()
                .filter(i -> Long.compareUnsigned(i.address(), address) < 0).count();
            if (found >= before) {
                return anchor;
            }
        }
        return anchor == address ? address - (long) before * MAX_INSTRUCTION_BYTES : anchor;
    }

    private List<Disassembler.Instruction> decode(long from, long length, int max) {
        int size = (int) Math.min(length, Integer.MAX_VALUE - 8);
        if (size <= 0) {
            return List.of();
        }
        byte[] code = new byte[size];
        int readable = target.readMemory(from, code, 0, size).length();
        if (readable == 0) {
            return List.of();
        }
        try {
            return disassembler.decode(from, readable == size ? code : java.util.Arrays.copyOf(code, readable), max);
        } catch (Disassembler.DisassemblyException e) {
            throw DapSession.error(e.getMessage());
        }
    }

    private DisassembledInstruction instruction(Disassembler.Instruction decoded, boolean resolveSymbols) {
        DisassembledInstruction answer = new DisassembledInstruction();
        answer.setAddress(DapSession.hex(decoded.address()));
        answer.setInstructionBytes(HexFormat.ofDelimiter(" ").formatHex(decoded.bytes()));
        String text = decoded.text();
        if (resolveSymbols && symbols.isPresent()) {
            symbols.get().at(decoded.address()).ifPresent(at -> answer.setSymbol(at.name()));
            text = withSymbols(text);
        }
        answer.setInstruction(text);
        if (text.equals("(bad)")) {
            answer.setPresentationHint(DisassembledInstructionPresentationHint.INVALID);
        }
        return answer;
    }

    /** gdb's {@code <function+offset>} after each code address an instruction names. */
    private String withSymbols(String text) {
        Matcher m = ADDRESS.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            long target = Long.parseUnsignedLong(m.group().substring(2), 16);
            String name = symbols.get().at(target).map(at -> " <" + at + ">").orElse("");
            m.appendReplacement(out, Matcher.quoteReplacement(m.group() + name));
        }
        return m.appendTail(out).toString();
    }

    private static long end(Disassembler.Instruction instruction) {
        return instruction.address() + instruction.bytes().length;
    }

    private static DisassembledInstruction invalid(long address) {
        DisassembledInstruction answer = new DisassembledInstruction();
        answer.setAddress(DapSession.hex(address));
        answer.setInstruction("<memory not in the dump>");
        answer.setPresentationHint(DisassembledInstructionPresentationHint.INVALID);
        return answer;
    }
}
