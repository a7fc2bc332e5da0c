package dev.kdumpbridge.kernel;

import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.kernel.btf.Field;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The loaded modules, from the kernel's {@code modules} list of {@code struct module}, as crash's
 * {@code mod} lists them. The list walk is bounded and stops, with a warning, at a link that
 * cannot be read or leads back into the list.
 */
public final class KernelModules {
    /** Far above any real system (a few hundred modules), low enough to stop a corrupt walk quickly. */
    static final int MAX_MODULES = 65_536;

    private KernelModules() {
    }

    /** The modules in list order (newest first, as the kernel adds them); warnings for damage. */
    public static List<KernelModule> read(Kernel kernel, List<String> warnings) throws IOException {
        Btf btf = kernel.btf();
        Optional<Long> head = kernel.symbols().lookup("modules").map(Symbol::address);
        Optional<Field> link = btf.findField("module", "list");
        Optional<Field> name = btf.findField("module", "name");
        // The core layout became mem[MOD_TEXT] in 6.4.
        Optional<Field> base = btf.findField("module", "core_layout.base").or(() -> btf.findField("module", "mem[0].base"));
        Optional<Field> size = btf.findField("module", "core_layout.size").or(() -> btf.findField("module", "mem[0].size"));
        if (head.isEmpty() || link.isEmpty() || name.isEmpty() || base.isEmpty() || size.isEmpty()) {
            warnings.add("modules cannot be listed: this kernel has no 'modules' symbol or struct module lacks"
                + " list, name or its core layout");
            return List.of();
        }
        KernelMemory memory = kernel.memory();
        List<KernelModule> modules = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        long at = head.get();
        try {
            while (true) {
                long next = memory.readLong(at);
                if (next == head.get()) {
                    return modules;
                }
                if (!seen.add(next) || modules.size() >= MAX_MODULES) {
                    warnings.add(String.format("the module list loops at 0x%x; %d modules read", next, modules.size()));
                    return modules;
                }
                long module = next - link.get().offset();
                byte[] raw = memory.read(module + name.get().offset(), (int) name.get().size());
                int end = 0;
                while (end < raw.length && raw[end] != 0) {
                    end++;
                }
                long moduleBase = memory.readLong(module + base.get().offset());
                long moduleSize = Integer.toUnsignedLong(memory.readInt(module + size.get().offset()));
                modules.add(new KernelModule(new String(raw, 0, end, StandardCharsets.US_ASCII), module, moduleBase,
                    moduleSize));
                at = next;
            }
        } catch (AddressFault fault) {
            warnings.add("the module list is broken at 0x" + Long.toHexString(fault.address()) + ": " + fault.getMessage()
                + "; modules after it are missing");
            return modules;
        }
    }
}
