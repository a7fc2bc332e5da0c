package dev.kdumpbridge.arch.x86_64;

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

/** x86_64: 4- and 5-level paging, the ORC unwinder, the crash NMI's saved pt_regs. */
public final class X86_64Machine implements Machine {

    @Override
    public String name() {
        return "x86_64";
    }

    @Override
    public Architecture architecture() {
        return X86_64Architecture.ARCHITECTURE;
    }

    @Override
    public Paging paging(DumpFile dump, Function<String, OptionalLong> symbols)
            throws IOException, TranslationUnavailableException {
        return X86_64Paging.discover(dump, symbols);
    }

    @Override
    public RegisterSet prstatusRegisters(byte[] descriptor) {
        return PrstatusRegisters.decode(descriptor);
    }

    @Override
    public int prstatusPid(byte[] descriptor) {
        return PrstatusRegisters.pid(descriptor);
    }

    /** crash_nmi_callback saves the pt_regs of what the NMI interrupted. */
    @Override
    public Optional<Map<String, Long>> prstatusInterrupted(byte[] descriptor) {
        return Optional.of(PrstatusRegisters.savedRegisters(descriptor));
    }

    @Override
    public String stopInterruptName() {
        return "NMI";
    }

    @Override
    public SwitchedOut switchedOut(Btf btf) throws KernelDataException {
        return InactiveTaskFrame.layout(btf);
    }

    @Override
    public Unwinder unwinder(Kernel kernel, Optional<Vmlinux> vmlinux, String release, List<String> warnings)
            throws KernelDataException, IOException {
        return OrcUnwinder.of(kernel, vmlinux, release, warnings);
    }

    @Override
    public String registerBlock(Map<String, Long> saved) {
        return PtRegs.crashBlock(saved);
    }

    @Override
    public Optional<Disassembler> disassembler() {
        return ObjdumpDisassembler.find("objdump", "i386:x86-64");
    }
}
