package dev.kdumpbridge.dap;

import com.google.gson.JsonParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.lsp4j.debug.services.IDebugProtocolClient;
import org.eclipse.lsp4j.jsonrpc.MessageIssueException;
import org.eclipse.lsp4j.jsonrpc.debug.DebugRemoteEndpoint;
import org.eclipse.lsp4j.jsonrpc.debug.json.DebugMessageJsonHandler;
import org.eclipse.lsp4j.jsonrpc.json.JsonRpcMethod;
import org.eclipse.lsp4j.jsonrpc.services.ServiceEndpoints;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DAP connection: lsp4j-debug's JSON handling between framed messages and a
 * {@link DapSession}. Requests are answered one at a time, in order, on the connection's own
 * thread, so a network thread never waits for the dump, and an event a request queues on that
 * thread goes out after the request's response.
 */
final class DapEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("dap");
    private static final Logger WIRE = LoggerFactory.getLogger("dap.wire");

    private final DebugMessageJsonHandler json;
    private final DebugRemoteEndpoint remote;
    private final ExecutorService worker;
    private final DapSession session;

    /** @param frames where each outgoing message's JSON goes, to be framed and sent */
    DapEndpoint(Consumer<String> frames, DapSession session) {
        this.session = session;
        worker = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "dap-session");
            thread.setDaemon(true);
            return thread;
        });
        Map<String, JsonRpcMethod> methods = new LinkedHashMap<>(ServiceEndpoints.getSupportedMethods(IDebugProtocolClient.class));
        methods.putAll(ServiceEndpoints.getSupportedMethods(DapSession.class));
        json = new DebugMessageJsonHandler(methods);
        remote = new DebugRemoteEndpoint(message -> {
            String text = json.serialize(message);
            WIRE.trace("<- {}", text);
            frames.accept(text);
        }, ServiceEndpoints.toEndpoint(session));
        json.setMethodProvider(remote);
        session.connect(ServiceEndpoints.toServiceObject(remote, IDebugProtocolClient.class), worker);
    }

    /** One incoming message's JSON; handled on the connection's thread after those before it. */
    void receive(String text) {
        worker.execute(() -> handle(text));
    }

    private void handle(String text) {
        WIRE.trace("-> {}", text);
        try {
            remote.consume(json.parseMessage(text));
        } catch (MessageIssueException e) {
            // A request lsp4j could read enough of to answer: it answers with the issue.
            remote.handle(e.getRpcMessage(), e.getIssues());
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
            // Not a message at all, so there is no request to answer: say so and go on.
            LOG.warn("ignored a message that is not DAP: {}", e.getMessage());
            session.tell("kdump-bridge ignored a message that is not a DAP request: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        worker.shutdown();
        try {
            if (!worker.awaitTermination(5, TimeUnit.SECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
        session.close();
    }
}
