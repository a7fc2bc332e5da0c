package dev.kdumpbridge.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * The project version comes from {@code version.properties}, which Maven filters at build time,
 * so the number lives in the pom alone.
 */
final class VersionProvider implements IVersionProvider {

    static final String VERSION = load();

    @Override
    public String[] getVersion() {
        return new String[] {"kdump-bridge " + VERSION, "Java " + javaRuntime()};
    }

    /** One line for the log, where a bug report will quote it. */
    static String describe() {
        return "kdump-bridge " + VERSION + " on Java " + javaRuntime();
    }

    private static String javaRuntime() {
        return Runtime.version() + " (" + System.getProperty("java.vendor") + ", "
            + System.getProperty("java.vm.name") + ")";
    }

    private static String load() {
        try (InputStream in = VersionProvider.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IllegalStateException("version.properties is missing from the build");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
