package dev.kdumpbridge.arch.x86_64;

import dev.kdumpbridge.kernel.Kernel;
import dev.kdumpbridge.kernel.KernelModule;
import dev.kdumpbridge.kernel.KernelModules;
import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.kernel.btf.Field;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.KernelMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A loaded module's ORC table, which its {@code struct module} points to
 * ({@code arch.orc_unwind_ip}, {@code arch.orc_unwind}, {@code arch.num_orcs}), for code in the
 * module's core (its text and data that stay after init).
 */
record ModuleOrc(String name, long start, long end, OrcTable table) {
    /** A module has a few thousand entries; more means the count was misread. */
    private static final long MAX_ENTRIES = 1_000_000;

    boolean covers(long ip) {
        return Long.compareUnsigned(ip, start) >= 0 && Long.compareUnsigned(ip, end) < 0;
    }

    /**
     * The tables of every loaded module; a module whose table cannot be read is left out with a
     * warning, and its code is then unwound as code without ORC data.
     */
    static List<ModuleOrc> read(Kernel kernel, OrcFormat format, List<String> warnings) throws IOException {
        Btf btf = kernel.btf();
        Optional<Field> count = btf.findField("module", "arch.num_orcs");
        Optional<Field> ips = btf.findField("module", "arch.orc_unwind_ip");
        Optional<Field> entries = btf.findField("module", "arch.orc_unwind");
        List<KernelModule> modules = KernelModules.read(kernel, warnings);
        if (modules.isEmpty()) {
            return List.of();
        }
        if (count.isEmpty() || ips.isEmpty() || entries.isEmpty()) {
            warnings.add("modules are unwound without ORC: struct module has no arch.num_orcs/orc_unwind_ip/orc_unwind");
            return List.of();
        }
        KernelMemory memory = kernel.memory();
        List<ModuleOrc> tables = new ArrayList<>();
        for (KernelModule module : modules) {
            try {
                long n = Integer.toUnsignedLong(memory.readInt(module.address() + count.get().offset()));
                if (n == 0) {
                    continue;
                }
                if (n > MAX_ENTRIES) {
                    warnings.add("module " + module.name() + " claims " + n + " ORC entries; its code is unwound without ORC");
                    continue;
                }
                long ipArray = memory.readLong(module.address() + ips.get().offset());
                long entryArray = memory.readLong(module.address() + entries.get().offset());
                ByteBuffer ip = ByteBuffer.wrap(memory.read(ipArray, (int) n * Integer.BYTES));
                ByteBuffer orc = ByteBuffer.wrap(memory.read(entryArray, (int) n * OrcFormat.ENTRY_SIZE));
                tables.add(new ModuleOrc(module.name(), module.base(), module.base() + module.size(),
                    OrcTable.build(format, ipArray, ip, orc, (int) n)));
            } catch (AddressFault fault) {
                warnings.add("module " + module.name() + "'s ORC table is not in the dump (" + fault.getMessage()
                    + "); its code is unwound without ORC");
            }
        }
        return tables;
    }
}
