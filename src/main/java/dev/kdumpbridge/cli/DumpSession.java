package dev.kdumpbridge.cli;

import dev.kdumpbridge.arch.x86_64.X86_64Paging;
import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.Dumps;
import dev.kdumpbridge.dump.VmcoreInfo;
import dev.kdumpbridge.kernel.Symbols;
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
 * One command's, on one thread.
 */
final class DumpSession implements AutoCloseable {
    private final DumpFile dump;
    private final Optional<Vmlinux> vmlinux;
    /** The vmlinux symbols moved by the KASLR offset. */
    private final Optional<Symbols> symbols;
    private final OptionalLong kernelOffset;
    private final List<String> warnings = new ArrayList<>();
    private X86_64Paging paging;
    private TranslationUnavailableException untranslatable;

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

    /** A vmlinux of another build puts every symbol at the wrong address; crash refuses one, we warn. */
    private void checkVmlinux(Vmlinux image) throws IOException {
        Optional<String> dumped = dump.vmcoreInfo().flatMap(v -> v.get("BUILD-ID")).map(String::strip);
        Optional<String> built = image.buildId();
        if (dumped.isPresent() && built.isPresent() && !dumped.get().equalsIgnoreCase(built.get())) {
            warnings.add(image.path() + " is not the dumped kernel: its build-id is " + built.get()
                    + ", the dump's kernel has " + dumped.get() + "; its symbols will point at the wrong places");
        }
        if (kernelOffset.isEmpty()) {
            warnings.add("the dump does not say how far KASLR moved the kernel (no KERNELOFFSET);"
                    + " symbols from " + image.path() + " are used as linked");
        }
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

    /** The running kernel's address of {@code name}: from vmlinux if given, else VMCOREINFO. */
    OptionalLong symbol(String name) {
        if (symbols.isPresent()) {
            return symbols.get().address(name);
        }
        return dump.vmcoreInfo().map(v -> v.symbol(name)).orElse(OptionalLong.empty());
    }

    /**
     * The kernel's paging, worked out on first use.
     *
     * @throws TranslationUnavailableException when the dump's architecture has no walker yet or
     *                                         the dump does not say where the page tables are
     */
    X86_64Paging paging() throws IOException, TranslationUnavailableException {
        if (paging == null && untranslatable == null) {
            String machine = dump.info().machine();
            if (!machine.equals("x86_64")) {
                untranslatable = new TranslationUnavailableException("translating kernel addresses of "
                        + machine + " dumps is not written yet; physical addresses can be read");
            } else {
                try {
                    paging = X86_64Paging.discover(dump, this::symbol);
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

    /** Doubts about the inputs (the dump's own warnings, a mismatched vmlinux, inconsistent paging). */
    List<String> warnings() {
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
