package dev.kdumpbridge.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kdumpbridge.dump.DumpFile;
import dev.kdumpbridge.dump.Dumps;
import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import dev.kdumpbridge.target.RegisterSet;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The vCPU registers in QEMU's dumps equal what QEMU's own gdbstub reported for the paused VM
 * (registers-gdbstub.txt, recorded by build-x86_64.sh before dump-guest-memory).
 */
class QemuPrstatusIT {
    private static final Pattern THREAD = Pattern.compile("^Thread \\d+ \\(Thread 1\\.(\\d+) .*");
    private static final Pattern REGISTER = Pattern.compile("^(\\w+)\\s+(0x[0-9a-f]+)\\s.*");
    private static final List<String> COMPARED = List.of("rax", "rbx", "rcx", "rdx", "rsi", "rdi",
        "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "eflags", "cs",
        "ss", "ds", "es", "fs", "gs", "fs_base", "gs_base");

    static Stream<Dump> qemuDumps() {
        return Fixtures.dumps().stream().filter(dump -> dump.id().startsWith("qemu-"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("qemuDumps")
    void everyVcpuMatchesTheGdbstub(Dump fixture) throws Exception {
        List<Map<String, Long>> gdbstub = gdbstubRegisters(fixture);
        try (DumpFile dump = Dumps.open(fixture.files())) {
            assertEquals(gdbstub.size(), dump.prstatus().size(), "vCPUs");
            for (int cpu = 0; cpu < gdbstub.size(); cpu++) {
                byte[] descriptor = dump.prstatus().get(cpu).descriptor();
                // QEMU numbers its notes vCPU + 1 (reference 02 §4).
                assertEquals(cpu + 1, PrstatusRegisters.pid(descriptor), "pr_pid of note " + cpu);
                RegisterSet registers = PrstatusRegisters.decode(descriptor);
                for (String name : COMPARED) {
                    assertEquals(Long.toHexString(gdbstub.get(cpu).get(name)),
                        Long.toHexString(registers.value(registers.layout().register(name).orElseThrow()).getAsLong()),
                        "CPU " + cpu + " " + name);
                }
            }
        }
    }

    /** One map per vCPU, in vCPU order; gdb prints the threads last-first. */
    private static List<Map<String, Long>> gdbstubRegisters(Dump fixture) throws Exception {
        Map<Integer, Map<String, Long>> byThread = new java.util.TreeMap<>();
        Map<String, Long> current = null;
        for (String line : Files.readAllLines(fixture.root().resolve("qemu/registers-gdbstub.txt"))) {
            Matcher thread = THREAD.matcher(line);
            Matcher register = REGISTER.matcher(line);
            if (thread.matches()) {
                current = new LinkedHashMap<>();
                byThread.put(Integer.parseInt(thread.group(1)), current);
            } else if (current != null && register.matches()) {
                current.put(register.group(1), Long.parseUnsignedLong(register.group(2).substring(2), 16));
            }
        }
        return new ArrayList<>(byThread.values());
    }
}
