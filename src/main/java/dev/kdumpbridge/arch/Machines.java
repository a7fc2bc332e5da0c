package dev.kdumpbridge.arch;

import dev.kdumpbridge.arch.arm64.Arm64Machine;
import dev.kdumpbridge.arch.x86_64.X86_64Machine;
import java.util.List;
import java.util.Optional;

/** The architectures whose dumps can be served. */
public final class Machines {
    private static final List<Machine> ALL = List.of(new X86_64Machine(), new Arm64Machine());

    private Machines() {
    }

    /** The machine of that ELF machine name ({@code DumpInfo.machine()}), if it is supported. */
    public static Optional<Machine> named(String name) {
        return ALL.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /** Why a machine name is not served, for error messages. */
    public static String unsupported(String name) {
        return "serving " + name + " dumps is not written yet; " + String.join(", ", ALL.stream().map(Machine::name).toList())
            + (ALL.size() == 1 ? " is" : " are");
    }
}
