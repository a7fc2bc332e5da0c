package dev.kdumpbridge.dap;

import dev.kdumpbridge.target.DebugTarget;
import dev.kdumpbridge.target.Expressions;
import dev.kdumpbridge.target.KernelLog;
import dev.kdumpbridge.target.MemoryRead;
import dev.kdumpbridge.target.MonitorCommands;
import dev.kdumpbridge.target.RegisterLayout.Register;
import dev.kdumpbridge.target.RegisterSet;
import dev.kdumpbridge.target.StopReason;
import dev.kdumpbridge.target.TargetFrame;
import dev.kdumpbridge.target.TargetThread;
import dev.kdumpbridge.target.TargetModule;
import dev.kdumpbridge.target.TargetValue;
import dev.kdumpbridge.target.ThreadStack;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.eclipse.lsp4j.debug.AttachRequestArguments;
import org.eclipse.lsp4j.debug.Capabilities;
import org.eclipse.lsp4j.debug.ConfigurationDoneArguments;
import org.eclipse.lsp4j.debug.ContinueArguments;
import org.eclipse.lsp4j.debug.ContinueResponse;
import org.eclipse.lsp4j.debug.DisassembleArguments;
import org.eclipse.lsp4j.debug.DisassembleResponse;
import org.eclipse.lsp4j.debug.DisconnectArguments;
import org.eclipse.lsp4j.debug.EvaluateArguments;
import org.eclipse.lsp4j.debug.EvaluateResponse;
import org.eclipse.lsp4j.debug.ExceptionBreakMode;
import org.eclipse.lsp4j.debug.ExceptionDetails;
import org.eclipse.lsp4j.debug.ExceptionInfoArguments;
import org.eclipse.lsp4j.debug.ExceptionInfoResponse;
import org.eclipse.lsp4j.debug.InitializeRequestArguments;
import org.eclipse.lsp4j.debug.LoadedSourcesArguments;
import org.eclipse.lsp4j.debug.LoadedSourcesResponse;
import org.eclipse.lsp4j.debug.Module;
import org.eclipse.lsp4j.debug.ModulesArguments;
import org.eclipse.lsp4j.debug.ModulesResponse;
import org.eclipse.lsp4j.debug.NextArguments;
import org.eclipse.lsp4j.debug.OutputEventArguments;
import org.eclipse.lsp4j.debug.OutputEventArgumentsCategory;
import org.eclipse.lsp4j.debug.PauseArguments;
import org.eclipse.lsp4j.debug.ProcessEventArguments;
import org.eclipse.lsp4j.debug.ProcessEventArgumentsStartMethod;
import org.eclipse.lsp4j.debug.ProgressEndEventArguments;
import org.eclipse.lsp4j.debug.ProgressStartEventArguments;
import org.eclipse.lsp4j.debug.ProgressUpdateEventArguments;
import org.eclipse.lsp4j.debug.ReadMemoryArguments;
import org.eclipse.lsp4j.debug.ReadMemoryResponse;
import org.eclipse.lsp4j.debug.Scope;
import org.eclipse.lsp4j.debug.ScopePresentationHint;
import org.eclipse.lsp4j.debug.ScopesArguments;
import org.eclipse.lsp4j.debug.ScopesResponse;
import org.eclipse.lsp4j.debug.SetBreakpointsArguments;
import org.eclipse.lsp4j.debug.SetBreakpointsResponse;
import org.eclipse.lsp4j.debug.SetExceptionBreakpointsArguments;
import org.eclipse.lsp4j.debug.SetExceptionBreakpointsResponse;
import org.eclipse.lsp4j.debug.SetFunctionBreakpointsArguments;
import org.eclipse.lsp4j.debug.SetFunctionBreakpointsResponse;
import org.eclipse.lsp4j.debug.Source;
import org.eclipse.lsp4j.debug.SourceArguments;
import org.eclipse.lsp4j.debug.SourceResponse;
import org.eclipse.lsp4j.debug.SourcePresentationHint;
import org.eclipse.lsp4j.debug.StackFrame;
import org.eclipse.lsp4j.debug.StackFramePresentationHint;
import org.eclipse.lsp4j.debug.StackTraceArguments;
import org.eclipse.lsp4j.debug.StackTraceResponse;
import org.eclipse.lsp4j.debug.StepInArguments;
import org.eclipse.lsp4j.debug.StepOutArguments;
import org.eclipse.lsp4j.debug.StoppedEventArguments;
import org.eclipse.lsp4j.debug.StoppedEventArgumentsReason;
import org.eclipse.lsp4j.debug.Thread;
import org.eclipse.lsp4j.debug.ThreadsResponse;
import org.eclipse.lsp4j.debug.Variable;
import org.eclipse.lsp4j.debug.VariablesArguments;
import org.eclipse.lsp4j.debug.VariablesArgumentsFilter;
import org.eclipse.lsp4j.debug.VariablesResponse;
import org.eclipse.lsp4j.debug.services.IDebugProtocolClient;
import org.eclipse.lsp4j.debug.services.IDebugProtocolServer;
import org.eclipse.lsp4j.jsonrpc.ResponseErrorException;
import org.eclipse.lsp4j.jsonrpc.messages.ResponseError;
import org.eclipse.lsp4j.jsonrpc.messages.ResponseErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's session on a stopped kernel: initialize, attach (the target is opened, with
 * progress), initialized, configurationDone, then a stopped event on the panicking task; after
 * that every read-only request. Nothing can run or change, so execution requests are refused
 * with the reason. Every request is checked, and a bad one gets an error response that says what
 * was wrong; the session goes on.
 */
public final class DapSession implements IDebugProtocolServer {
    private static final Logger LOG = LoggerFactory.getLogger("dap");
    /** Largest readMemory answered at once; VS Code's memory view asks for a few KiB at a time. */
    static final int MAX_READ = 1 << 20;
    /** Most instructions one disassemble request may ask for. */
    static final int MAX_INSTRUCTIONS = 10_000;
    /** Elements of an array given when the client does not page them. */
    private static final int UNPAGED_ELEMENTS = 1000;
    /** Kernel log lines shown in the exception details. */
    private static final int LOG_TAIL = 30;

    private final TargetProvider targets;
    private final Runnable onDisconnect;
    private IDebugProtocolClient client;
    private Executor afterResponse;
    private InitializeRequestArguments clientInfo = new InitializeRequestArguments();
    private TargetProvider.Attached attached;
    private Optional<String> kernelSource = Optional.empty();
    private final References references = new References();
    private final AtomicInteger progressIds = new AtomicInteger();

    /**
     * @param onDisconnect ends the connection once the disconnect response is out
     */
    public DapSession(TargetProvider targets, Runnable onDisconnect) {
        this.targets = targets;
        this.onDisconnect = onDisconnect;
    }

    /** The client proxy, and the executor whose tasks run after the current request's response. */
    void connect(IDebugProtocolClient client, Executor afterResponse) {
        this.client = client;
        this.afterResponse = afterResponse;
    }

    /** A line in the client's debug console. */
    void tell(String text) {
        OutputEventArguments output = new OutputEventArguments();
        output.setCategory(OutputEventArgumentsCategory.IMPORTANT);
        output.setOutput(text + "\n");
        client.output(output);
    }

    void close() {
        if (attached != null) {
            attached.release().run();
            attached = null;
        }
    }

    // ---- session --------------------------------------------------------------------------

    @Override
    public CompletableFuture<Capabilities> initialize(InitializeRequestArguments args) {
        if (args != null) {
            clientInfo = args;
        }
        Capabilities capabilities = new Capabilities();
        capabilities.setSupportsConfigurationDoneRequest(true);
        capabilities.setSupportsReadMemoryRequest(true);
        capabilities.setSupportsExceptionInfoRequest(true);
        capabilities.setSupportsDelayedStackTraceLoading(true);
        capabilities.setSupportsValueFormattingOptions(true);
        capabilities.setSupportsEvaluateForHovers(true);
        capabilities.setSupportsDisassembleRequest(true);
        capabilities.setSupportsModulesRequest(true);
        capabilities.setSupportsLoadedSourcesRequest(true);
        capabilities.setSupportsTerminateRequest(false);
        return done(capabilities);
    }

    @Override
    public CompletableFuture<Void> attach(Map<String, Object> args) {
        return call(() -> {
            if (attached != null) {
                throw error("this session is already attached; start a new session for another dump");
            }
            TargetProvider.AttachRequest request = attachRequest(args == null ? Map.of() : args);
            kernelSource = request.kernelSource();
            String progressId = "attach-" + progressIds.incrementAndGet();
            boolean progress = Boolean.TRUE.equals(clientInfo.getSupportsProgressReporting());
            if (progress) {
                ProgressStartEventArguments start = new ProgressStartEventArguments();
                start.setProgressId(progressId);
                start.setTitle("Opening " + request.coreFile().orElse("the dump"));
                client.progressStart(start);
            }
            try {
                attached = targets.attach(request, step -> {
                    LOG.info("attach: {}", step);
                    if (progress) {
                        ProgressUpdateEventArguments update = new ProgressUpdateEventArguments();
                        update.setProgressId(progressId);
                        update.setMessage(step);
                        client.progressUpdate(update);
                    }
                });
            } catch (TargetProvider.AttachException e) {
                throw error(e.getMessage());
            } finally {
                if (progress) {
                    ProgressEndEventArguments end = new ProgressEndEventArguments();
                    end.setProgressId(progressId);
                    client.progressEnd(end);
                }
            }
            afterResponse.execute(client::initialized);
            return null;
        });
    }

    private static TargetProvider.AttachRequest attachRequest(Map<String, Object> args) {
        List<String> split = new ArrayList<>();
        Object splitFiles = args.get("splitFiles");
        if (splitFiles instanceof List<?> list) {
            for (Object file : list) {
                if (!(file instanceof String name)) {
                    throw error("splitFiles must be a list of file names");
                }
                split.add(name);
            }
        } else if (splitFiles != null) {
            throw error("splitFiles must be a list of file names");
        }
        return new TargetProvider.AttachRequest(string(args, "coreFile"), split, string(args, "vmlinux"),
            string(args, "kernelSource"));
    }

    private static Optional<String> string(Map<String, Object> args, String name) {
        Object value = args.get(name);
        if (value == null || value instanceof String s && s.isEmpty()) {
            return Optional.empty();
        }
        if (!(value instanceof String s)) {
            throw error(name + " must be a string (a file name)");
        }
        return Optional.of(s);
    }

    @Override
    public CompletableFuture<Void> launch(Map<String, Object> args) {
        return failed("a kernel dump is attached to, not launched: use an attach request");
    }

    @Override
    public CompletableFuture<Void> configurationDone(ConfigurationDoneArguments args) {
        return call(() -> {
            DebugTarget target = target();
            afterResponse.execute(() -> {
                ProcessEventArguments process = new ProcessEventArguments();
                process.setName("Linux kernel");
                process.setStartMethod(ProcessEventArgumentsStartMethod.ATTACH);
                process.setIsLocalProcess(false);
                process.setPointerSize(8);
                client.process(process);
                StopReason reason = target.stopReason();
                StoppedEventArguments stopped = new StoppedEventArguments();
                stopped.setReason(reason.kind() == StopReason.Kind.PANIC ? StoppedEventArgumentsReason.EXCEPTION
                    : StoppedEventArgumentsReason.PAUSE);
                stopped.setDescription(reason.kind() == StopReason.Kind.PANIC ? "Kernel panic" : "Paused");
                stopped.setText(target.kernelLog().flatMap(KernelLog::panicMessage).orElse(reason.description()));
                stopped.setThreadId(threadId(target.stopThread()));
                stopped.setAllThreadsStopped(true);
                client.stopped(stopped);
            });
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> disconnect(DisconnectArguments args) {
        return call(() -> {
            afterResponse.execute(onDisconnect);
            return null;
        });
    }

    // ---- threads and stacks ---------------------------------------------------------------

    @Override
    public CompletableFuture<ThreadsResponse> threads() {
        return call(() -> {
            DebugTarget target = target();
            target.refreshThreads();
            List<TargetThread> threads = target.threads();
            Thread[] answer = new Thread[threads.size()];
            for (int i = 0; i < answer.length; i++) {
                answer[i] = new Thread();
                answer[i].setId(threadId(threads.get(i).id()));
                answer[i].setName(threads.get(i).title());
            }
            ThreadsResponse response = new ThreadsResponse();
            response.setThreads(answer);
            return response;
        });
    }

    @Override
    public CompletableFuture<StackTraceResponse> stackTrace(StackTraceArguments args) {
        return call(() -> {
            List<StackFrame> all = frames(thread(args.getThreadId()));
            int start = Math.max(0, args.getStartFrame() == null ? 0 : args.getStartFrame());
            int levels = args.getLevels() == null || args.getLevels() <= 0 ? all.size() : args.getLevels();
            int end = (int) Math.min(all.size(), (long) start + levels);
            StackTraceResponse response = new StackTraceResponse();
            response.setStackFrames(start >= end ? new StackFrame[0] : all.subList(start, end).toArray(StackFrame[]::new));
            response.setTotalFrames(all.size());
            return response;
        });
    }

    /** The thread's frames as DAP shows them: each label a frame of its own, then the frame. */
    private List<StackFrame> frames(TargetThread thread) {
        DebugTarget target = target();
        List<StackFrame> frames = new ArrayList<>();
        Optional<ThreadStack> stack = target.unwinding().flatMap(u -> u.stack(thread.id()));
        if (stack.isEmpty()) {
            // No unwinder (no kernel model): the one frame the registers give.
            RegisterSet registers = target.registers(thread.id()).orElseThrow(() -> error("no registers"));
            OptionalLong pc = pc(registers);
            if (pc.isPresent()) {
                TargetFrame only = new TargetFrame(pc.getAsLong(), pc.getAsLong(),
                    target.symbols().flatMap(s -> s.at(pc.getAsLong())).map(Object::toString), Optional.empty(),
                    registers, List.of());
                frames.add(frame(thread.id(), 0, only));
            }
            return frames;
        }
        List<TargetFrame> unwound = stack.get().frames();
        for (int i = 0; i < unwound.size(); i++) {
            TargetFrame frame = unwound.get(i);
            for (String label : frame.labels()) {
                StackFrame separator = new StackFrame();
                separator.setId(references.frame(new References.FrameKey(thread.id(), i, label)));
                separator.setName(label);
                separator.setPresentationHint(StackFramePresentationHint.LABEL);
                separator.setLine(0);
                separator.setColumn(0);
                frames.add(separator);
            }
            frames.add(frame(thread.id(), i, frame));
        }
        if (!stack.get().complete()) {
            StackFrame end = new StackFrame();
            end.setId(references.frame(new References.FrameKey(thread.id(), unwound.size(), "stop")));
            end.setName("(the walk stopped: " + stack.get().stop() + ")");
            end.setPresentationHint(StackFramePresentationHint.LABEL);
            frames.add(end);
        }
        return frames;
    }

    private StackFrame frame(long threadId, int index, TargetFrame frame) {
        StackFrame answer = new StackFrame();
        answer.setId(references.frame(new References.FrameKey(threadId, index, null), frame));
        answer.setName(frame.function().orElse(hex(frame.pc())));
        answer.setInstructionPointerReference(hex(frame.pc()));
        answer.setLine(0);
        answer.setColumn(0);
        frame.source().ifPresent(position -> {
            answer.setSource(SourceFiles.source(position.file(), kernelSource, references::source));
            answer.setLine(position.line());
            answer.setColumn(1);
        });
        return answer;
    }

    @Override
    public CompletableFuture<ScopesResponse> scopes(ScopesArguments args) {
        return call(() -> {
            References.FrameRef frame = references.frame(args.getFrameId())
                .orElseThrow(() -> error("no frame with id " + args.getFrameId() + " (stackTrace lists them)"));
            List<Scope> scopes = new ArrayList<>();
            Scope registers = new Scope();
            registers.setName("Registers");
            registers.setPresentationHint(ScopePresentationHint.REGISTERS);
            registers.setVariablesReference(references.container(new References.Registers(frame.frame().registers())));
            registers.setExpensive(false);
            scopes.add(registers);
            target().expressions().flatMap(e -> e.threadObject(frame.key().threadId())).ifPresent(task -> {
                Scope scope = new Scope();
                scope.setName("Task");
                scope.setVariablesReference(references.container(new References.Value(task)));
                scope.setNamedVariables(task.namedChildren());
                scope.setExpensive(false);
                scopes.add(scope);
            });
            ScopesResponse response = new ScopesResponse();
            response.setScopes(scopes.toArray(Scope[]::new));
            return response;
        });
    }

    @Override
    public CompletableFuture<VariablesResponse> variables(VariablesArguments args) {
        return call(() -> {
            References.Container container = references.container(args.getVariablesReference())
                .orElseThrow(() -> error("no variables with reference " + args.getVariablesReference()));
            boolean hex = args.getFormat() != null && Boolean.TRUE.equals(args.getFormat().getHex());
            List<Variable> variables = new ArrayList<>();
            if (container instanceof References.Registers registers) {
                for (Register register : registers.set().layout().registers()) {
                    registers.set().bytes(register).ifPresent(bytes -> {
                        Variable variable = new Variable();
                        variable.setName(register.name());
                        variable.setValue(littleEndianHex(bytes));
                        variable.setType(register.type());
                        variable.setEvaluateName("$" + register.name());
                        variables.add(variable);
                    });
                }
            } else if (container instanceof References.Value holder) {
                TargetValue value = holder.value();
                VariablesArgumentsFilter filter = args.getFilter();
                if (filter != VariablesArgumentsFilter.INDEXED) {
                    value.members().forEach(m -> variables.add(variable(m.name(), m.value(), hex)));
                }
                if (filter != VariablesArgumentsFilter.NAMED) {
                    int start = args.getStart() == null ? 0 : Math.max(0, args.getStart());
                    int count = args.getCount() == null || args.getCount() <= 0
                        ? UNPAGED_ELEMENTS : Math.min(args.getCount(), MAX_INSTRUCTIONS);
                    value.elements(start, count).forEach(m -> variables.add(variable(m.name(), m.value(), hex)));
                }
            }
            VariablesResponse response = new VariablesResponse();
            response.setVariables(variables.toArray(Variable[]::new));
            return response;
        });
    }

    private Variable variable(String name, TargetValue value, boolean hex) {
        Variable variable = new Variable();
        variable.setName(name);
        variable.setValue(value.display(hex));
        variable.setType(value.type());
        variable.setEvaluateName(value.expression());
        Children children = children(value);
        variable.setVariablesReference(children.reference());
        children.named().ifPresent(variable::setNamedVariables);
        children.indexed().ifPresent(variable::setIndexedVariables);
        memoryReference(value).ifPresent(variable::setMemoryReference);
        return variable;
    }

    /** A value's reference for its children and their counts, where it has any. */
    private record Children(int reference, Optional<Integer> named, Optional<Integer> indexed) {
    }

    /** Asks the value for its children once: counting them may read memory (a pointer's target). */
    private Children children(TargetValue value) {
        int named = value.namedChildren();
        int indexed = value.indexedChildren();
        return new Children(named + indexed > 0 ? references.container(new References.Value(value)) : 0,
            named > 0 ? Optional.of(named) : Optional.empty(), indexed > 0 ? Optional.of(indexed) : Optional.empty());
    }

    private Optional<String> memoryReference(TargetValue value) {
        return Boolean.TRUE.equals(clientInfo.getSupportsMemoryReferences()) && value.memoryAddress().isPresent()
            ? Optional.of(hex(value.memoryAddress().getAsLong())) : Optional.empty();
    }

    // ---- memory, code, expressions, the panic ---------------------------------------------

    @Override
    public CompletableFuture<ReadMemoryResponse> readMemory(ReadMemoryArguments args) {
        return call(() -> {
            long address = Addresses.parse(args.getMemoryReference()) + (args.getOffset() == null ? 0 : args.getOffset());
            int count = args.getCount();
            if (count < 0 || count > MAX_READ) {
                throw error("count " + count + " is out of range: read at most " + MAX_READ + " bytes at a time");
            }
            byte[] data = new byte[count];
            MemoryRead read = target().readMemory(address, data, 0, count);
            ReadMemoryResponse response = new ReadMemoryResponse();
            response.setAddress(hex(address));
            response.setData(Base64.getEncoder().encodeToString(read.length() == count ? data
                : java.util.Arrays.copyOf(data, read.length())));
            if (read.fault().isPresent()) {
                response.setUnreadableBytes(unreadable(address + read.length(), count - read.length()));
            }
            return response;
        });
    }

    /** How many bytes from {@code address} on cannot be read, page by page, up to {@code most}. */
    private int unreadable(long address, int most) {
        byte[] probe = new byte[1];
        long at = address;
        while (at - address < most) {
            if (target().readMemory(at, probe, 0, 1).length() == 1) {
                break;
            }
            at = (at | 0xfff) + 1;
        }
        return (int) Math.min(most, Math.max(1, at - address));
    }

    @Override
    public CompletableFuture<DisassembleResponse> disassemble(DisassembleArguments args) {
        return call(() -> {
            DebugTarget target = target();
            int count = args.getInstructionCount();
            if (count < 0 || count > MAX_INSTRUCTIONS) {
                throw error("instructionCount " + count + " is out of range: at most " + MAX_INSTRUCTIONS);
            }
            long address = Addresses.parse(args.getMemoryReference()) + (args.getOffset() == null ? 0 : args.getOffset());
            int instructionOffset = args.getInstructionOffset() == null ? 0 : args.getInstructionOffset();
            if (Math.abs((long) instructionOffset) > MAX_INSTRUCTIONS) {
                throw error("instructionOffset " + instructionOffset + " is out of range: at most " + MAX_INSTRUCTIONS);
            }
            Disassembly disassembly = new Disassembly(target, target.disassembler()
                .orElseThrow(() -> error("no disassembler: install binutils (objdump)")));
            DisassembleResponse response = new DisassembleResponse();
            response.setInstructions(disassembly.around(address, instructionOffset, count,
                !Boolean.FALSE.equals(args.getResolveSymbols())));
            return response;
        });
    }

    /**
     * The kernel's source files that are found under the attach request's {@code kernelSource}:
     * none without it, since the build's own paths are rarely where the client can open them.
     */
    @Override
    public CompletableFuture<LoadedSourcesResponse> loadedSources(LoadedSourcesArguments args) {
        return call(() -> {
            LoadedSourcesResponse response = new LoadedSourcesResponse();
            response.setSources(kernelSource.isEmpty() ? new Source[0] : target().sourceFiles().stream()
                .filter(file -> SourceFiles.find(file, kernelSource).isPresent())
                .map(file -> SourceFiles.source(file, kernelSource, references::source)).toArray(Source[]::new));
            return response;
        });
    }

    /** The text of a source file that is not found: what to do to see it. */
    @Override
    public CompletableFuture<SourceResponse> source(SourceArguments args) {
        return call(() -> {
            Integer id = args.getSource() != null && args.getSource().getSourceReference() != null
                ? args.getSource().getSourceReference() : args.getSourceReference();
            String file = references.source(id).orElseThrow(() -> error("no source with reference " + id));
            SourceResponse response = new SourceResponse();
            response.setContent(SourceFiles.placeholder(file, kernelSource));
            response.setMimeType("text/x-c");
            return response;
        });
    }

    /** The kernel image and its modules, paged as the request asks. */
    @Override
    public CompletableFuture<ModulesResponse> modules(ModulesArguments args) {
        return call(() -> {
            List<TargetModule> all = target().modules();
            int start = args.getStartModule() == null ? 0 : Math.max(0, Math.min(args.getStartModule(), all.size()));
            int count = args.getModuleCount() == null || args.getModuleCount() <= 0 ? all.size() - start
                : Math.min(args.getModuleCount(), all.size() - start);
            ModulesResponse response = new ModulesResponse();
            response.setModules(all.subList(start, start + count).stream().map(m -> {
                Module module = new Module();
                module.setId(m.name());
                module.setName(m.name());
                module.setAddressRange(hex(m.start()) + "-" + hex(m.end()));
                m.symbolFile().ifPresent(file -> {
                    module.setPath(file);
                    module.setSymbolFilePath(file);
                });
                module.setSymbolStatus(m.symbolStatus());
                return module;
            }).toArray(Module[]::new));
            response.setTotalModules(all.size());
            return response;
        });
    }

    @Override
    public CompletableFuture<EvaluateResponse> evaluate(EvaluateArguments args) {
        return call(() -> {
            String expression = args.getExpression() == null ? "" : args.getExpression().strip();
            if (expression.isEmpty()) {
                throw error("nothing to evaluate");
            }
            DebugTarget target = target();
            boolean repl = "repl".equals(args.getContext());
            EvaluateResponse response = new EvaluateResponse();
            if (repl) {
                Optional<String> output = command(target, expression);
                if (output.isPresent()) {
                    response.setResult(output.get());
                    response.setVariablesReference(0);
                    return response;
                }
            }
            Expressions expressions = target.expressions()
                .orElseThrow(() -> error("expressions need the kernel's types (BTF), which this dump does not give"));
            RegisterSet registers = args.getFrameId() == null ? null
                : references.frame(args.getFrameId()).map(f -> f.frame().registers()).orElse(null);
            if (registers == null) {
                registers = target.registers(target.stopThread()).orElseThrow(() -> error("no registers"));
            }
            TargetValue value;
            try {
                value = expressions.evaluate(expression, registers);
            } catch (Expressions.ExpressionException e) {
                throw error(e.getMessage());
            }
            boolean hex = args.getFormat() != null && Boolean.TRUE.equals(args.getFormat().getHex());
            response.setResult(value.display(hex));
            response.setType(value.type());
            Children children = children(value);
            response.setVariablesReference(children.reference());
            children.named().ifPresent(response::setNamedVariables);
            children.indexed().ifPresent(response::setIndexedVariables);
            memoryReference(value).ifPresent(response::setMemoryReference);
            return response;
        });
    }

    /** A crash-style command typed in the debug console ({@code ps}, {@code bt 1}, {@code log}), if it is one. */
    private static Optional<String> command(DebugTarget target, String line) {
        Optional<MonitorCommands> commands = target.monitorCommands();
        if (commands.isEmpty()) {
            return Optional.empty();
        }
        String word = line.split("\\s+", 2)[0];
        boolean known = word.equals("help") || commands.get().commands().stream()
            .anyMatch(c -> c.name().equals(word) || c.name().startsWith(word + " "));
        if (!known) {
            return Optional.empty();
        }
        StringBuilder output = new StringBuilder();
        try {
            commands.get().run(line, output::append);
        } catch (MonitorCommands.CommandException e) {
            throw error(e.getMessage());
        }
        return Optional.of(output.toString().stripTrailing());
    }

    @Override
    public CompletableFuture<ExceptionInfoResponse> exceptionInfo(ExceptionInfoArguments args) {
        return call(() -> {
            DebugTarget target = target();
            TargetThread thread = thread(args.getThreadId());
            StopReason reason = target.stopReason();
            if (reason.kind() != StopReason.Kind.PANIC || thread.id() != target.stopThread()) {
                throw error("thread " + args.getThreadId() + " did not stop for an exception: " + reason.description());
            }
            Optional<KernelLog> log = target.kernelLog();
            ExceptionInfoResponse response = new ExceptionInfoResponse();
            response.setExceptionId("panic");
            response.setBreakMode(ExceptionBreakMode.ALWAYS);
            response.setDescription(log.flatMap(KernelLog::panicMessage).orElse(reason.description()));
            ExceptionDetails details = new ExceptionDetails();
            details.setTypeName("kernel panic");
            if (log.isPresent()) {
                List<String> lines = log.get().lines();
                details.setMessage(response.getDescription() + "\n\nThe kernel log's last lines:\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL), lines.size())));
            } else {
                details.setMessage(reason.description());
            }
            StringBuilder stack = new StringBuilder();
            for (StackFrame frame : frames(thread)) {
                stack.append(frame.getPresentationHint() == StackFramePresentationHint.LABEL ? "" : "  ")
                    .append(frame.getName()).append('\n');
            }
            details.setStackTrace(stack.toString());
            response.setDetails(details);
            return response;
        });
    }

    // ---- what a dump cannot do ------------------------------------------------------------

    private static final String CANNOT_RUN = "the target is a kernel crash dump: it cannot run, step or stop";

    @Override
    public CompletableFuture<ContinueResponse> continue_(ContinueArguments args) {
        return failed(CANNOT_RUN);
    }

    @Override
    public CompletableFuture<Void> next(NextArguments args) {
        return failed(CANNOT_RUN);
    }

    @Override
    public CompletableFuture<Void> stepIn(StepInArguments args) {
        return failed(CANNOT_RUN);
    }

    @Override
    public CompletableFuture<Void> stepOut(StepOutArguments args) {
        return failed(CANNOT_RUN);
    }

    @Override
    public CompletableFuture<Void> pause(PauseArguments args) {
        return failed("the target is a kernel crash dump: it is stopped already");
    }

    /** Breakpoints are accepted, so a client with some set can attach, and shown as never to be hit. */
    @Override
    public CompletableFuture<SetBreakpointsResponse> setBreakpoints(SetBreakpointsArguments args) {
        int n = args == null || args.getBreakpoints() == null ? 0 : args.getBreakpoints().length;
        SetBreakpointsResponse response = new SetBreakpointsResponse();
        response.setBreakpoints(Breakpoints.unverifiable(n));
        return done(response);
    }

    @Override
    public CompletableFuture<SetFunctionBreakpointsResponse> setFunctionBreakpoints(SetFunctionBreakpointsArguments args) {
        int n = args == null || args.getBreakpoints() == null ? 0 : args.getBreakpoints().length;
        SetFunctionBreakpointsResponse response = new SetFunctionBreakpointsResponse();
        response.setBreakpoints(Breakpoints.unverifiable(n));
        return done(response);
    }

    @Override
    public CompletableFuture<SetExceptionBreakpointsResponse> setExceptionBreakpoints(SetExceptionBreakpointsArguments args) {
        return done(new SetExceptionBreakpointsResponse());
    }

    // ---- helpers ----------------------------------------------------------------------------

    private DebugTarget target() {
        if (attached == null) {
            throw error("not attached yet: send an attach request first");
        }
        return attached.target();
    }

    private TargetThread thread(Integer id) {
        if (id == null) {
            throw error("threadId is required");
        }
        return target().thread(id).orElseThrow(() -> error("no thread with id " + id + " (threads lists them)"));
    }

    private static int threadId(long id) {
        return Math.toIntExact(id);
    }

    private static OptionalLong pc(RegisterSet registers) {
        return registers.layout().register(dev.kdumpbridge.target.RegisterLayout.Role.PC)
            .map(registers::value).orElse(OptionalLong.empty());
    }

    /** A register's bytes, stored little-endian as x86_64 and arm64 keep them, as one hex number. */
    private static String littleEndianHex(byte[] bytes) {
        StringBuilder hex = new StringBuilder("0x");
        int top = bytes.length - 1;
        while (top > 0 && bytes[top] == 0) {
            top--;
        }
        for (int i = top; i >= 0; i--) {
            hex.append(String.format(i == top ? "%x" : "%02x", bytes[i] & 0xff));
        }
        return hex.toString();
    }

    static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }

    static ResponseErrorException error(String message) {
        return new ResponseErrorException(new ResponseError(ResponseErrorCode.InvalidParams, message, null));
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    private static <T> CompletableFuture<T> failed(String message) {
        return CompletableFuture.failedFuture(error(message));
    }

    /**
     * Runs a request on the caller's thread (the connection's own) and turns what it throws into
     * an error response: a request for something the dump lacks must not end the session.
     */
    private static <T> CompletableFuture<T> call(Supplier<T> request) {
        try {
            return CompletableFuture.completedFuture(request.get());
        } catch (ResponseErrorException e) {
            return CompletableFuture.failedFuture(e);
        } catch (RuntimeException e) {
            LOG.warn("a request failed", e);
            return failed("kdump-bridge could not answer: " + e);
        }
    }
}
