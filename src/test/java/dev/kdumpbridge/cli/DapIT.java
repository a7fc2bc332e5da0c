package dev.kdumpbridge.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.fixtures.ActiveTasks;
import dev.kdumpbridge.fixtures.BacktraceOracle;
import dev.kdumpbridge.fixtures.Fixtures;
import dev.kdumpbridge.fixtures.Fixtures.Dump;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.lsp4j.debug.Capabilities;
import org.eclipse.lsp4j.debug.DisassembleArguments;
import org.eclipse.lsp4j.debug.DisconnectArguments;
import org.eclipse.lsp4j.debug.ContinueArguments;
import org.eclipse.lsp4j.debug.ConfigurationDoneArguments;
import org.eclipse.lsp4j.debug.EvaluateArguments;
import org.eclipse.lsp4j.debug.ExceptionInfoArguments;
import org.eclipse.lsp4j.debug.InitializeRequestArguments;
import org.eclipse.lsp4j.debug.ReadMemoryArguments;
import org.eclipse.lsp4j.debug.ScopesArguments;
import org.eclipse.lsp4j.debug.StackFrame;
import org.eclipse.lsp4j.debug.StackFramePresentationHint;
import org.eclipse.lsp4j.debug.StackTraceArguments;
import org.eclipse.lsp4j.debug.StoppedEventArguments;
import org.eclipse.lsp4j.debug.Thread;
import org.eclipse.lsp4j.debug.VariablesArguments;
import org.eclipse.lsp4j.debug.launch.DSPLauncher;
import org.eclipse.lsp4j.debug.services.IDebugProtocolClient;
import org.eclipse.lsp4j.debug.services.IDebugProtocolServer;
import org.eclipse.lsp4j.jsonrpc.Launcher;
import org.eclipse.lsp4j.jsonrpc.ResponseErrorException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The DAP server through lsp4j's own client, over TCP ({@code serve --dap-port}) and over stdio
 * ({@code dap --stdio}, the dump named in the attach request), against crash's view of the same
 * dump: its ps, foreach bt and rd, and the panic message in its log.
 */
class DapIT {
    private static final long TIMEOUT_SECONDS = 120;
    private static Process server;
    private static int dapPort;
    private static Dump dump;

    /** What the client hears: the stop, and everything else it may wait for. */
    static final class Events implements IDebugProtocolClient {
        final CompletableFuture<Void> initialized = new CompletableFuture<>();
        final CompletableFuture<StoppedEventArguments> stopped = new CompletableFuture<>();

        @Override
        public void initialized() {
            initialized.complete(null);
        }

        @Override
        public void stopped(StoppedEventArguments args) {
            stopped.complete(args);
        }
    }

    record Session(IDebugProtocolServer server, Events events, Capabilities capabilities) {
    }

    @BeforeAll
    static void serve() throws Exception {
        dump = Fixtures.dumps().stream().filter(d -> d.id().equals("kdump-zlib-d31")).findFirst().orElseThrow();
        server = new ProcessBuilder(java(), "-cp", System.getProperty("java.class.path"), Main.class.getName(),
            "serve", dump.files().get(0).toString(), "--vmlinux", Fixtures.vmlinux().toString(), "--gdb-port", "0",
            "--dap-port", "0")
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String listening = out.readLine();
        assertTrue(listening != null && listening.matches("listening gdb=127\\.0\\.0\\.1:\\d+ dap=127\\.0\\.0\\.1:\\d+"),
            String.valueOf(listening));
        dapPort = Integer.parseInt(listening.substring(listening.lastIndexOf(':') + 1));
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static <T> T get(CompletableFuture<T> future) throws Exception {
        return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** initialize, attach, initialized, configurationDone, stopped: the sequence VS Code follows. */
    private static Session start(java.io.InputStream in, java.io.OutputStream out, Map<String, Object> attach)
            throws Exception {
        Events events = new Events();
        Launcher<IDebugProtocolServer> launcher = DSPLauncher.createClientLauncher(events, in, out);
        launcher.startListening();
        IDebugProtocolServer remote = launcher.getRemoteProxy();
        InitializeRequestArguments init = new InitializeRequestArguments();
        init.setAdapterID("kdump");
        init.setSupportsMemoryReferences(true);
        Capabilities capabilities = get(remote.initialize(init));
        get(remote.attach(attach));
        get(events.initialized);
        get(remote.configurationDone(new ConfigurationDoneArguments()));
        get(events.stopped);
        return new Session(remote, events, capabilities);
    }

    private static List<StackFrame> frames(IDebugProtocolServer remote, int threadId) throws Exception {
        StackTraceArguments args = new StackTraceArguments();
        args.setThreadId(threadId);
        return Arrays.asList(get(remote.stackTrace(args)).getStackFrames());
    }

    private static List<Long> pcs(List<StackFrame> frames) {
        return frames.stream().filter(f -> f.getPresentationHint() != StackFramePresentationHint.LABEL)
            .map(f -> Long.parseUnsignedLong(f.getInstructionPointerReference().substring(2), 16)).toList();
    }

    private static String errorOf(CompletableFuture<?> request) {
        ExecutionException failure = assertThrows(ExecutionException.class, () -> get(request));
        assertTrue(failure.getCause() instanceof ResponseErrorException, String.valueOf(failure.getCause()));
        return failure.getCause().getMessage();
    }

    @Test
    void overTcpTheSessionShowsWhatCrashShows() throws Exception {
        Path crash = Fixtures.x86_64().resolve("oracle/crash").resolve(dump.id());
        try (Socket socket = new Socket("127.0.0.1", dapPort)) {
            Session session = start(socket.getInputStream(), socket.getOutputStream(), Map.of());
            IDebugProtocolServer remote = session.server();
            assertTrue(session.capabilities().getSupportsReadMemoryRequest());
            StoppedEventArguments stopped = get(session.events().stopped);
            assertEquals("exception", stopped.getReason());
            assertTrue(stopped.getAllThreadsStopped());

            Thread[] threads = get(remote.threads()).getThreads();
            List<String> ps = Files.readAllLines(crash.resolve("ps.txt")).stream().skip(1).filter(l -> !l.isBlank()).toList();
            assertEquals(ps.size(), threads.length);
            Map<String, Integer> byPid = new HashMap<>();
            for (Thread thread : threads) {
                byPid.putIfAbsent(thread.getName().split(" ")[0], thread.getId());
            }
            for (String line : ps) {
                String[] columns = line.replaceFirst("^>", "").trim().split("\\s+");
                String comm = columns[columns.length - 1].replaceAll("^\\[|\\]$", "");
                assertTrue(Arrays.stream(threads).anyMatch(t -> t.getName().startsWith(columns[0] + " " + comm + " ")),
                    "no thread for " + line);
            }
            Thread panicking = Arrays.stream(threads).filter(t -> t.getId() == stopped.getThreadId()).findFirst().orElseThrow();
            ActiveTasks.Active panic = ActiveTasks.panicked();
            assertTrue(panicking.getName().startsWith(panic.pid() + " " + panic.comm() + " "), panicking.getName());

            // Sleeping tasks: the frames crash's foreach bt prints, pc for pc.
            Map<String, List<Long>> crashFrames = BacktraceOracle.asPrinted(dump).get("crash");
            for (String pid : List.of("1", "2")) {
                List<Long> expected = crashFrames.entrySet().stream().filter(e -> e.getKey().startsWith(pid + "/"))
                    .findFirst().orElseThrow().getValue();
                assertEquals(BacktraceOracle.hex(expected), BacktraceOracle.hex(pcs(frames(remote, byPid.get(pid)))), "pid " + pid);
            }
            List<StackFrame> panicFrames = frames(remote, stopped.getThreadId());
            assertTrue(panicFrames.get(0).getName().startsWith("__crash_kexec+0x"), panicFrames.get(0).getName());
            assertTrue(panicFrames.get(0).getSource().getPath().endsWith(".h") || panicFrames.get(0).getLine() > 0);
            assertTrue(panicFrames.stream().anyMatch(f -> f.getName().startsWith("panic+0x")));

            ScopesArguments scopes = new ScopesArguments();
            scopes.setFrameId(panicFrames.get(0).getId());
            VariablesArguments registers = new VariablesArguments();
            registers.setVariablesReference(get(remote.scopes(scopes)).getScopes()[0].getVariablesReference());
            assertTrue(Arrays.stream(get(remote.variables(registers)).getVariables())
                .anyMatch(v -> v.getName().equals("rip") && v.getValue().equals(panicFrames.get(0).getInstructionPointerReference())));

            String[] rd = Files.readAllLines(crash.resolve("rd.txt")).get(0).split("\\s+");
            ReadMemoryArguments read = new ReadMemoryArguments();
            read.setMemoryReference("0x" + rd[0].replace(":", ""));
            read.setCount(16);
            byte[] bytes = Base64.getDecoder().decode(get(remote.readMemory(read)).getData());
            byte[] expected = new byte[16];
            for (int word = 0; word < 2; word++) {
                long value = Long.parseUnsignedLong(rd[1 + word], 16);
                for (int i = 0; i < 8; i++) {
                    expected[word * 8 + i] = (byte) (value >>> (8 * i));
                }
            }
            assertArrayEquals(expected, bytes);
            read.setMemoryReference("0x10");
            assertTrue(get(remote.readMemory(read)).getUnreadableBytes() > 0);

            ExceptionInfoArguments exception = new ExceptionInfoArguments();
            exception.setThreadId(stopped.getThreadId());
            assertTrue(get(remote.exceptionInfo(exception)).getDescription().contains("sysrq triggered crash"));

            DisassembleArguments disassemble = new DisassembleArguments();
            disassemble.setMemoryReference(panicFrames.get(0).getInstructionPointerReference());
            disassemble.setInstructionOffset(-5);
            disassemble.setInstructionCount(10);
            assertEquals(10, get(remote.disassemble(disassemble)).getInstructions().length);

            EvaluateArguments ps2 = new EvaluateArguments();
            ps2.setExpression("ps");
            ps2.setContext("repl");
            assertTrue(get(remote.evaluate(ps2)).getResult().contains("[swapper/0]"));

            ContinueArguments run = new ContinueArguments();
            run.setThreadId(stopped.getThreadId());
            assertTrue(errorOf(remote.continue_(run)).contains("crash dump"));
            StackTraceArguments unknown = new StackTraceArguments();
            unknown.setThreadId(99999);
            assertTrue(errorOf(remote.stackTrace(unknown)).contains("no thread with id 99999"));
            assertEquals(threads.length, get(remote.threads()).getThreads().length, "the session goes on");
            get(remote.disconnect(new DisconnectArguments()));
        }
        try (Socket again = new Socket("127.0.0.1", dapPort)) {
            Session second = start(again.getInputStream(), again.getOutputStream(), Map.of());
            assertFalse(List.of(get(second.server().threads()).getThreads()).isEmpty(), "the server outlives a session");
        }
    }

    private static EvaluateArguments watch(String expression, Integer frameId) {
        EvaluateArguments args = new EvaluateArguments();
        args.setExpression(expression);
        args.setContext("watch");
        args.setFrameId(frameId);
        return args;
    }

    /**
     * Expressions typed by BTF (task_struct) and by the vmlinux's DWARF (globals): every task of
     * crash's ps read through its TASK address; jiffies as crash's sys turns it into UPTIME; the
     * panic task's Task scope.
     */
    @Test
    void expressionsReadTheObjectsCrashNames() throws Exception {
        Path crash = Fixtures.x86_64().resolve("oracle/crash").resolve(dump.id());
        try (Socket socket = new Socket("127.0.0.1", dapPort)) {
            Session session = start(socket.getInputStream(), socket.getOutputStream(), Map.of());
            IDebugProtocolServer remote = session.server();
            for (String line : Files.readAllLines(crash.resolve("ps.txt")).stream().skip(1).filter(l -> !l.isBlank()).toList()) {
                String[] columns = line.replaceFirst("^>", "").trim().split("\\s+");
                String task = "((struct task_struct *)0x" + columns[3] + ")";
                String comm = columns[columns.length - 1].replaceAll("^\\[|\\]$", "");
                assertEquals(columns[0], get(remote.evaluate(watch(task + "->pid", null))).getResult(), line);
                assertEquals('"' + comm + '"', get(remote.evaluate(watch(task + "->comm", null))).getResult(), line);
            }
            assertEquals("\"swapper/0\"", get(remote.evaluate(watch("init_task.comm", null))).getResult());
            assertEquals("char [16]", get(remote.evaluate(watch("init_task.comm", null))).getType());

            // crash's UPTIME is (jiffies - INITIAL_JIFFIES) / HZ, INITIAL_JIFFIES being -300 s as a 32-bit count.
            long hz = Long.parseLong(Files.readAllLines(Fixtures.x86_64().resolve("kernel/config")).stream()
                .filter(l -> l.startsWith("CONFIG_HZ=")).findFirst().orElseThrow().substring("CONFIG_HZ=".length()));
            String uptime = Files.readAllLines(crash.resolve("sys.txt")).stream().filter(l -> l.trim().startsWith("UPTIME:"))
                .findFirst().orElseThrow().replaceFirst(".*UPTIME:\\s*", "").trim();
            String[] hms = uptime.split(":");
            long seconds = Long.parseLong(hms[0]) * 3600 + Long.parseLong(hms[1]) * 60 + Long.parseLong(hms[2]);
            var jiffies = get(remote.evaluate(watch("jiffies", null)));
            assertEquals("long unsigned int", jiffies.getType());
            long initialJiffies = (1L << 32) - 300 * hz;
            assertEquals(seconds, (Long.parseUnsignedLong(jiffies.getResult()) - initialJiffies) / hz, "jiffies " + jiffies.getResult());

            int stop = get(session.events().stopped).getThreadId();
            List<StackFrame> frames = frames(remote, stop);
            ScopesArguments scopes = new ScopesArguments();
            scopes.setFrameId(frames.get(0).getId());
            var scope = Arrays.stream(get(remote.scopes(scopes)).getScopes()).filter(s -> s.getName().equals("Task"))
                .findFirst().orElseThrow();
            VariablesArguments taskFields = new VariablesArguments();
            taskFields.setVariablesReference(scope.getVariablesReference());
            var fields = get(remote.variables(taskFields)).getVariables();
            Map<String, org.eclipse.lsp4j.debug.Variable> byName = new HashMap<>();
            Arrays.stream(fields).forEach(v -> byName.put(v.getName(), v));
            String panicPid = String.valueOf(ActiveTasks.panicked().pid());
            assertEquals(panicPid, byName.get("pid").getValue());
            assertEquals('"' + ActiveTasks.panicked().comm() + '"', byName.get("comm").getValue());
            assertEquals("struct mm_struct *", byName.get("mm").getType());
            assertTrue(byName.get("mm").getVariablesReference() > 0, "a pointer to a struct expands");
            assertTrue(byName.get("mm").getMemoryReference() != null);
            VariablesArguments mm = new VariablesArguments();
            mm.setVariablesReference(byName.get("mm").getVariablesReference());
            assertTrue(Arrays.stream(get(remote.variables(mm)).getVariables()).anyMatch(v -> v.getName().equals("pgd")));
            assertEquals(get(remote.evaluate(watch(byName.get("pid").getEvaluateName(), null))).getResult(), panicPid);

            assertEquals(frames.get(0).getInstructionPointerReference(),
                get(remote.evaluate(watch("$rip", frames.get(0).getId()))).getResult().split(" ")[0]);
            assertTrue(errorOf(remote.evaluate(watch("init_task.no_such_member", null))).contains("no member named no_such_member"));
            assertTrue(errorOf(remote.evaluate(watch("no_such_symbol", null))).contains("no symbol \"no_such_symbol\""));
            assertTrue(errorOf(remote.evaluate(watch("init_task.comm +", null))).contains("expected"));
            assertEquals("0x0", get(remote.evaluate(watch("(void *)0", null))).getResult(), "the session goes on");

            assertTrue(session.capabilities().getSupportsModulesRequest());
            var kernelImage = get(remote.modules(new org.eclipse.lsp4j.debug.ModulesArguments())).getModules()[0];
            assertEquals("vmlinux", kernelImage.getName());
            assertEquals(Fixtures.vmlinux().toString(), kernelImage.getSymbolFilePath());
            String[] range = kernelImage.getAddressRange().split("-");
            long pc = Long.parseUnsignedLong(frames.get(0).getInstructionPointerReference().substring(2), 16);
            assertTrue(Long.compareUnsigned(Long.parseUnsignedLong(range[0].substring(2), 16), pc) <= 0
                && Long.compareUnsigned(pc, Long.parseUnsignedLong(range[1].substring(2), 16)) < 0, kernelImage.getAddressRange());
            get(remote.disconnect(new DisconnectArguments()));
        }
    }

    @Test
    void overStdioTheAttachRequestNamesTheDump() throws Exception {
        Process adapter = new ProcessBuilder(java(), "-cp", System.getProperty("java.class.path"), Main.class.getName(),
            "dap", "--stdio").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            // A kernel source tree with two of the kernel's files: the ones a client can open.
            Path source = Files.createTempDirectory("kernel-source");
            Files.createDirectories(source.resolve("kernel"));
            Files.writeString(source.resolve("kernel/panic.c"), "// panic\n");
            Files.createDirectories(source.resolve("fs"));
            Files.writeString(source.resolve("fs/read_write.c"), "// read_write\n");
            Session session = start(adapter.getInputStream(), adapter.getOutputStream(),
                Map.of("coreFile", dump.files().get(0).toString(), "vmlinux", Fixtures.vmlinux().toString(),
                    "kernelSource", source.toString()));
            int stop = get(session.events().stopped).getThreadId();
            List<StackFrame> frames = frames(session.server(), stop);
            assertTrue(frames.get(0).getName().startsWith("__crash_kexec+0x"), frames.get(0).getName());
            StackFrame panic = frames.stream().filter(f -> f.getName().startsWith("panic+")).findFirst().orElseThrow();
            assertEquals(source.resolve("kernel/panic.c").toString(), panic.getSource().getPath());
            assertTrue(session.capabilities().getSupportsLoadedSourcesRequest());
            assertEquals(List.of(source.resolve("kernel/panic.c").toString(), source.resolve("fs/read_write.c").toString())
                    .stream().sorted().toList(),
                Arrays.stream(get(session.server().loadedSources(new org.eclipse.lsp4j.debug.LoadedSourcesArguments()))
                    .getSources()).map(s -> s.getPath()).sorted().toList());
            get(session.server().disconnect(new DisconnectArguments()));
            assertTrue(adapter.waitFor(30, TimeUnit.SECONDS), "dap --stdio ends with its session");
        } finally {
            adapter.destroyForcibly();
        }
    }

    @Test
    void aDumpThatIsNotThereIsAnErrorThatNamesIt() throws Exception {
        Process adapter = new ProcessBuilder(java(), "-cp", System.getProperty("java.class.path"), Main.class.getName(),
            "dap", "--stdio").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            Launcher<IDebugProtocolServer> launcher = DSPLauncher.createClientLauncher(new Events(),
                adapter.getInputStream(), adapter.getOutputStream());
            launcher.startListening();
            IDebugProtocolServer remote = launcher.getRemoteProxy();
            InitializeRequestArguments init = new InitializeRequestArguments();
            init.setAdapterID("kdump");
            get(remote.initialize(init));
            String message = errorOf(remote.attach(Map.of("coreFile", "/nonexistent/vmcore")));
            assertTrue(message.contains("/nonexistent/vmcore"), message);
            get(remote.disconnect(new DisconnectArguments()));
        } finally {
            adapter.destroyForcibly();
        }
    }
}
