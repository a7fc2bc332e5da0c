package dev.kdumpbridge.gdb;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** A gdb server on 127.0.0.1, an ephemeral port and a {@link SyntheticTarget}, for one test class. */
final class SyntheticServer implements BeforeAllCallback, AfterAllCallback {
    private GdbServer server;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = GdbServer.start(new SyntheticTarget(), "127.0.0.1", 0);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.close();
    }

    int port() {
        return server.port();
    }
}
