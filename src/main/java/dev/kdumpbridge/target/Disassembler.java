package dev.kdumpbridge.target;

import java.util.List;
import java.util.Objects;

/** Decodes the target's machine code for people; per architecture. */
public interface Disassembler {

    /**
     * One decoded instruction.
     *
     * @param text the instruction as the architecture's usual tools print it
     */
    record Instruction(long address, byte[] bytes, String text) {
        public Instruction {
            Objects.requireNonNull(bytes);
            Objects.requireNonNull(text);
        }
    }

    /**
     * Decodes from the start of {@code code}, which lies at {@code address}: at most {@code max}
     * instructions, fewer when the bytes run out or stop making sense (the last, cut-off
     * instruction is left out).
     *
     * @throws DisassemblyException when the decoder cannot run at all
     */
    List<Instruction> decode(long address, byte[] code, int max) throws DisassemblyException;

    /** The decoder is missing or failed; the message says which and what to do. */
    final class DisassemblyException extends Exception {
        private static final long serialVersionUID = 1L;

        public DisassemblyException(String message) {
            super(message);
        }
    }
}
