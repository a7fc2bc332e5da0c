package dev.kdumpbridge.cli;

import dev.kdumpbridge.arch.Machine;
import dev.kdumpbridge.arch.Machines;
import dev.kdumpbridge.arch.Paging;
import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.Dumps;
import dev.kdumpbridge.dump.VmcoreInfo;
import dev.kdumpbridge.dumptarget.TaskBacktraces;
import dev.kdumpbridge.kernel.InMemoryBtf;
import dev.kdumpbridge.kernel.Kallsyms;
import dev.kdumpbridge.kernel.Kernel;
import dev.kdumpbridge.kernel.KernelMemoryFormatException;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.kernel.Symbols;
import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.kernel.btf.BtfFormatException;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import dev.kdumpbridge.kernel.Vmlinux;
import dev.kdumpbridge.memory.TranslationUnavailableException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the commands that read kernel memory share: the open dump, the symbols (vmlinux if given,
 * else VMCOREINFO's {@code SYMBOL()} entries) and, on first use, the paging of its architecture.
 * One command's; serve's monitor commands use it from several connections, so the parts made on
 * first use are made under the session's lock.
 */
final class DumpSession implements AutoCloseable {
    private final DumpFile dump;
    private final Optional<Vmlinux> vmlinux;
    /** The vmlinux symbols moved by the KASLR offset. */
    private final Optional<Symbols> symbols;
    private final OptionalLong kernelOffset;
    private final List<String> warnings = new ArrayList<>();
    private Paging paging;
    private TranslationUnavailableException untranslatable;
    private Optional<Kernel> kernel;
    /** The vmlinux's symbols or, without one, kallsyms from memory; null until first needed. */
    private Optional<Symbols> kallsyms;
    private TaskBacktraces backtraces;

    private DumpSession(DumpFile dump, Optional<Vmlinux> vmlinux) throws IOException {
        this.dump = dump;
        this.vmlinux = vmlinux;
        Optional<VmcoreInfo> info = dump.vmcoreInfo();
        this.kernelOffset = info.map(v -> v.hex("KERNELOFFSET")).orElse(OptionalLong.empty());
        // Read now, so that a stripped or damaged image is reported before any work.
        this.symbols = vmlinux.isPresent()
                ? Optional.of(vmlinux.get().symbols().withKaslrOffset(kernelOffset.orElse(0)))
                : Optional.empty();
        if (vmlinux.isPresent()) {
            checkVmlinux(vmlinux.get());
        }
    }

    /** Opens the dump and reads the vmlinux symbol table, if one is given. */
    static DumpSession open(List<Path> files, Path vmlinuxFile) throws IOException {
        DumpFile dump = Dumps.open(files);
        Vmlinux vmlinux = null;
        try {
            vmlinux = vmlinuxFile == null ? null : Vmlinux.open(vmlinuxFile);
            return new DumpSession(dump, Optional.ofNullable(vmlinux));
        } catch (IOException | RuntimeException e) {
            if (vmlinux != null) {
                vmlinux.close();
            }
            dump.close();
            throw e;
        }
    }

    /**
     * A vmlinux of another build puts every symbol at the wrong address, and everything read
     * through them is nonsense that looks plausible; so, like crash, refuse it.
     */
    private void checkVmlinux(Vmlinux image) throws IOException {
        Optional<VmcoreInfo> info = dump.vmcoreInfo();
        Optional<String> mismatch = mismatch(info.flatMap(v -> v.get("BUILD-ID")).map(String::strip), image.buildId(),
            info.flatMap(v -> v.get("OSRELEASE")).map(String::strip), image.linuxBanner());
        if (mismatch.isPresent()) {
            throw new IOException(image.path() + " is not the dumped kernel: " + mismatch.get()
                + ". Give the vmlinux of that build, or leave out --vmlinux: on Linux 6.0+ the dump's own"
                + " kallsyms and BTF are used");
        }
        if (kernelOffset.isEmpty()) {
            warnings.add("the dump does not say how far KASLR moved the kernel (no KERNELOFFSET);"
                    + " symbols from " + image.path() + " are used as linked");
        }
    }

    /**
     * Why an image is not the dumped kernel, if it is not: the build ids differ (5.9+ kernels put
     * theirs in VMCOREINFO) or, without one of them, the image's banner names another release.
     */
    static Optional<String> mismatch(Optional<String> dumpedBuildId, Optional<String> imageBuildId,
            Optional<String> dumpedRelease, Optional<String> imageBanner) {
        if (dumpedBuildId.isPresent() && imageBuildId.isPresent()) {
            return dumpedBuildId.get().equalsIgnoreCase(imageBuildId.get()) ? Optional.empty()
                : Optional.of("its build-id is " + imageBuildId.get() + ", the dump's kernel has " + dumpedBuildId.get());
        }
        if (dumpedRelease.isPresent() && imageBanner.isPresent()
                && !imageBanner.get().startsWith("Linux version " + dumpedRelease.get() + " ")) {
            return Optional.of("its banner is \"" + imageBanner.get().strip() + "\", the dump's kernel is release "
                + dumpedRelease.get());
        }
        return Optional.empty();
    }

    DumpFile dump() {
        return dump;
    }

    Optional<Vmlinux> vmlinux() {
        return vmlinux;
    }

    /** {@code KERNELOFFSET}: how far KASLR moved the kernel image. */
    OptionalLong kernelOffset() {
        return kernelOffset;
    }

    /**
     * The running kernel's address of {@code name}: from the vmlinux if given; else VMCOREINFO,
     * then the kallsyms tables in the dump's memory (read on first need; a dump whose addresses
     * cannot be translated has only VMCOREINFO's).
     */
    synchronized OptionalLong symbol(String name) throws IOException {
        OptionalLong early = symbolBeforePaging(name);
        if (early.isPresent() || symbols.isPresent()) {
            return early;
        }
        try {
            return kernelSymbols().map(s -> s.address(name)).orElse(OptionalLong.empty());
        } catch (TranslationUnavailableException | AddressFault | KernelMemoryFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** What finding the paging can use: kallsyms needs the paging to be read. */
    private OptionalLong symbolBeforePaging(String name) {
        if (symbols.isPresent()) {
            return symbols.get().address(name);
        }
        return dump.vmcoreInfo().map(v -> v.symbol(name)).orElse(OptionalLong.empty());
    }

    /**
     * The kernel's symbol table: the vmlinux's, or else the kallsyms tables in the dump's memory
     * (Linux 6.0+ lists them in VMCOREINFO); empty when neither exists. Read once.
     */
    private Optional<Symbols> kernelSymbols()
            throws IOException, TranslationUnavailableException, AddressFault, KernelMemoryFormatException {
        if (kallsyms == null) {
            kallsyms = symbols.isPresent() || dump.vmcoreInfo().isEmpty() ? symbols
                : Kallsyms.read(paging().memory(), dump.vmcoreInfo().get());
        }
        return kallsyms;
    }

    /**
     * The kernel's paging, worked out on first use.
     *
     * @throws TranslationUnavailableException when the dump's architecture has no walker yet or
     *                                         the dump does not say where the page tables are
     */
    synchronized Paging paging() throws IOException, TranslationUnavailableException {
        if (paging == null && untranslatable == null) {
            String machine = dump.info().machine();
            Optional<Machine> known = Machines.named(machine);
            if (known.isEmpty()) {
                untranslatable = new TranslationUnavailableException("translating kernel addresses of "
                        + machine + " dumps is not written yet; physical addresses can be read");
            } else {
                try {
                    paging = known.get().paging(dump, this::symbolBeforePaging);
                    warnings.addAll(paging.warnings());
                } catch (TranslationUnavailableException e) {
                    untranslatable = e;
                }
            }
        }
        if (untranslatable != null) {
            throw untranslatable;
        }
        return paging;
    }

    /**
     * The unwinder of every task's stack, made on first use from the kernel model and the ORC
     * tables of the vmlinux or the dump.
     */
    synchronized TaskBacktraces backtraces(Kernel model) throws IOException, KernelDataException {
        if (backtraces == null) {
            backtraces = TaskBacktraces.of(dump, model, vmlinux);
            warnings.addAll(backtraces.warnings());
        }
        return backtraces;
    }

    /**
     * The kernel model (tasks, CPUs, panic), built on first use: symbols from the vmlinux or else
     * from the kallsyms tables in the dump's memory (Linux 6.0+ lists them in VMCOREINFO), types
     * from the vmlinux's BTF or else the kernel's own copy in memory. Empty, with the reason
     * among the {@link #warnings}, when either is missing or the kernel's data cannot be read.
     */
    synchronized Optional<Kernel> kernel() throws IOException, TranslationUnavailableException {
        if (kernel == null) {
            kernel = Optional.empty();
            KernelMemory memory = paging().memory();
            try {
                Optional<Symbols> kernelSymbols = kernelSymbols();
                if (kernelSymbols.isEmpty()) {
                    warnings.add("the dump lists no kallsyms tables in VMCOREINFO (Linux 6.0+ does) and no --vmlinux"
                        + " was given; the kernel's tasks cannot be found, so each CPU is shown instead");
                    return kernel;
                }
                Optional<Btf> btf = vmlinux.isPresent() ? vmlinux.get().btf() : Optional.empty();
                if (btf.isEmpty()) {
                    btf = InMemoryBtf.read(memory, kernelSymbols.get());
                }
                if (btf.isEmpty() && vmlinux.isEmpty() && kernelSymbols.get().lookup("init_task").isEmpty()) {
                    warnings.add("the dump's kallsyms lists no data symbols (no init_task, no __start_BTF): the kernel"
                        + " was built without CONFIG_KALLSYMS_ALL, as Debian's arm64 kernels are; give --vmlinux to"
                        + " read its tasks");
                    return kernel;
                }
                if (btf.isEmpty()) {
                    warnings.add("neither " + vmlinux.map(v -> v.path().toString()).orElse("a vmlinux")
                        + " nor the dump's memory holds the kernel's BTF; the kernel's tasks cannot be read");
                    return kernel;
                }
                kernel = Optional.of(Kernel.open(memory, kernelSymbols.get(), btf.get()));
            } catch (AddressFault e) {
                warnings.add("the kernel's symbols or types cannot be read from the dump: " + e.getMessage());
            } catch (KernelDataException | KernelMemoryFormatException | BtfFormatException e) {
                warnings.add("the kernel's tasks cannot be read: " + e.getMessage());
            }
        }
        return kernel;
    }

    /** Whether backtraces can carry source lines (false also when the unwinder cannot be set up). */
    boolean backtracesHaveSourceLines(Kernel model) {
        try {
            return backtraces(model).hasSourceLines();
        } catch (IOException | KernelDataException e) {
            return false;
        }
    }

    /** Doubts about the inputs (the dump's own warnings, a mismatched vmlinux, inconsistent paging). */
    synchronized List<String> warnings() {
        List<String> all = new ArrayList<>(dump.info().warnings());
        all.addAll(warnings);
        return all;
    }

    @Override
    public void close() throws IOException {
        try {
            if (vmlinux.isPresent()) {
                vmlinux.get().close();
            }
        } finally {
            dump.close();
        }
    }
}
