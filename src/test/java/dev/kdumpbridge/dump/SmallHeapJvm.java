package dev.kdumpbridge.dump;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of the test class path in a child JVM with a heap far smaller than a dump's
 * per-page state, for tests that memory does not grow with the dump: anything sized by the page
 * count ends the child with OutOfMemoryError, and the test with its output.
 */
final class SmallHeapJvm {
    private SmallHeapJvm() {
    }

    /**
     * @param heap a {@code -Xmx} option
     * @param hang how long the child may run; not a speed limit, only a hang detector
     * @return what the child printed, after it exited with status 0
     */
    static String run(String heap, Duration hang, Class<?> main, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                heap, "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(List.of(args));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!child.waitFor(hang.toSeconds(), TimeUnit.SECONDS)) {
            child.destroyForcibly();
            fail(main.getSimpleName() + " still runs in " + heap + " after " + hang.toSeconds() + " s: a hang");
        }
        String output = new String(child.getInputStream().readAllBytes());
        assertEquals(0, child.exitValue(), main.getSimpleName() + " in " + heap + ": " + output);
        return output;
    }
}
