package dev.kdumpbridge.arch;

import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.kernel.Kernel;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.kernel.Vmlinux;
import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
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
 * Everything about one architecture that reading its dumps needs; the rest of the code asks
 * {@link Machines} for the dump's and never names an architecture. The checklist for adding one
 * is in this package's {@code package-info.java}.
 */
public interface Machine {

    /** The ELF machine name the dump reader gives ({@code DumpInfo.machine()}): "x86_64", "aarch64". */
    String name();

    /** The registers and byte order, as debuggers see them. */
    Architecture architecture();

    /**
     * The kernel's paging, from the dump's VMCOREINFO and whatever else the architecture needs.
     *
     * @param symbols runtime addresses of kernel-image symbols, or nothing
     */
    Paging paging(DumpFile dump, Function<String, OptionalLong> symbols) throws IOException, TranslationUnavailableException;

    /** The registers in one NT_PRSTATUS descriptor. */
    RegisterSet prstatusRegisters(byte[] descriptor);

    /** The pid in one NT_PRSTATUS descriptor: the task on that CPU in a kdump, vCPU + 1 from QEMU. */
    int prstatusPid(byte[] descriptor);

    /**
     * What a CPU that another CPU's crash stopped saved of the code it interrupted, by register
     * name, when its note holds the stopping handler's own registers (x86_64's NMI); empty where
     * the note is the interrupted context itself.
     */
    Optional<Map<String, Long>> prstatusInterrupted(byte[] descriptor);

    /** How the stop of another CPU is named in backtraces ("NMI"). */
    String stopInterruptName();

    /** The registers a task that is not running saved when it switched out. */
    SwitchedOut switchedOut(Btf btf) throws KernelDataException;

    /** Reads a sleeping task's saved registers. */
    interface SwitchedOut {
        RegisterSet read(KernelMemory memory, long task) throws AddressFault, IOException;
    }

    /**
     * The stack walker.
     *
     * @param release the kernel release (VMCOREINFO's OSRELEASE), where formats changed with it
     */
    Unwinder unwinder(Kernel kernel, Optional<Vmlinux> vmlinux, String release, List<String> warnings)
        throws KernelDataException, IOException;

    /** Saved registers in crash's layout, each line ending in '\n'. */
    String registerBlock(Map<String, Long> saved);

    /** A decoder of the machine's code, when one is installed. */
    Optional<Disassembler> disassembler();
}
