package dev.kdumpbridge.arch.arm64;

import dev.kdumpbridge.arch.Machine;
import dev.kdumpbridge.arch.ObjdumpDisassembler;
import dev.kdumpbridge.arch.Paging;
import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.kernel.Kernel;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.kernel.Vmlinux;
import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.memory.TranslationUnavailableException;
import dev.kdumpbridge.target.Architecture;
import dev.kdumpbridge.target.Disassembler;
import dev.kdumpbridge.target.RegisterSet;
import dev.kdumpbridge.unwind.Unwinder;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * arm64: translation tables from VMCOREINFO, frame-record unwinding, {@code cpu_context} for
 * sleeping tasks. Another CPU stopped by the crash IPI saved the registers of the code the IPI
 * interrupted, so its note is that context itself.
 */
public final class Arm64Machine implements Machine {

    @Override
    public String name() {
        return "aarch64";
    }

    @Override
    public Architecture architecture() {
        return Arm64Architecture.ARCHITECTURE;
    }

    @Override
    public Paging paging(DumpFile dump, Function<String, OptionalLong> symbols)
            throws IOException, TranslationUnavailableException {
        return Arm64Paging.discover(dump);
    }

    @Override
    public RegisterSet prstatusRegisters(byte[] descriptor) {
        return Arm64PrstatusRegisters.decode(descriptor);
    }

    @Override
    public int prstatusPid(byte[] descriptor) {
        return Arm64PrstatusRegisters.pid(descriptor);
    }

    @Override
    public Optional<Map<String, Long>> prstatusInterrupted(byte[] descriptor) {
        return Optional.empty();
    }

    @Override
    public String stopInterruptName() {
        return "IPI";
    }

    @Override
    public SwitchedOut switchedOut(Btf btf) throws KernelDataException {
        return CpuContext.layout(btf);
    }

    @Override
    public Unwinder unwinder(Kernel kernel, Optional<Vmlinux> vmlinux, String release, List<String> warnings)
            throws IOException {
        return FrameRecordUnwinder.of(kernel, warnings);
    }

    /** crash's arm64 layout: pc, lr, sp and pstate, then x29 down to x0, three to a line. */
    @Override
    public String registerBlock(Map<String, Long> saved) {
        StringBuilder text = new StringBuilder();
        text.append(String.format("     PC: %016x   LR: %016x%n", saved.getOrDefault("pc", 0L), saved.getOrDefault("x30", 0L)));
        text.append(String.format("     SP: %016x  PSTATE: %08x%n", saved.getOrDefault("sp", 0L),
            saved.getOrDefault("pstate", 0L)));
        for (int i = 29; i >= 0; i--) {
            text.append(String.format("%s%3s: %016x", (29 - i) % 3 == 0 ? "    " : "  ", "X" + i, saved.getOrDefault("x" + i, 0L)));
            if ((29 - i) % 3 == 2 || i == 0) {
                text.append(System.lineSeparator());
            }
        }
        return text.toString();
    }

    /** The host's objdump decodes its own machine only: arm64 code needs binutils-aarch64-linux-gnu's. */
    @Override
    public Optional<Disassembler> disassembler() {
        return ObjdumpDisassembler.find("aarch64-linux-gnu-objdump", "aarch64");
    }
}
