package dev.kdumpbridge.dap;

import dev.kdumpbridge.target.RegisterSet;
import dev.kdumpbridge.target.TargetFrame;
import dev.kdumpbridge.target.TargetValue;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The ids a session hands out for frames and for things with children (scopes, structs). The
 * same frame keeps its id across stackTrace requests, since a dump's stacks never change; ids are
 * never reused. The count is bounded, since a client that expands without end must not use up the
 * server's memory.
 */
final class References {
    /** Most ids one session may hold: far more than a person expands. */
    static final int MAX_IDS = 1_000_000;

    /**
     * A frame of a thread's stack; {@code label} names a separator frame shown before frame
     * {@code index}, and is null for the frame itself.
     */
    record FrameKey(long threadId, int index, String label) {
    }

    record FrameRef(FrameKey key, TargetFrame frame) {
    }

    sealed interface Container permits Registers, Value {
    }

    record Registers(RegisterSet set) implements Container {
    }

    record Value(TargetValue value) implements Container {
    }

    private final Map<FrameKey, Integer> frameIds = new HashMap<>();
    private final Map<Integer, FrameRef> frames = new HashMap<>();
    private final Map<Integer, Container> containers = new HashMap<>();
    private final Map<String, Integer> sourceIds = new HashMap<>();
    private final Map<Integer, String> sources = new HashMap<>();
    private int next = 1;

    /** The id of a source file the client cannot open, by its path as the build named it. */
    synchronized int source(String file) {
        return sourceIds.computeIfAbsent(file, f -> {
            int id = allocate();
            sources.put(id, f);
            return id;
        });
    }

    synchronized Optional<String> source(Integer id) {
        return id == null ? Optional.empty() : Optional.ofNullable(sources.get(id));
    }

    synchronized int frame(FrameKey key) {
        return frameIds.computeIfAbsent(key, k -> allocate());
    }

    /** The id of a frame with registers, which scopes and evaluate can then find. */
    synchronized int frame(FrameKey key, TargetFrame frame) {
        int id = frame(key);
        frames.putIfAbsent(id, new FrameRef(key, frame));
        return id;
    }

    synchronized Optional<FrameRef> frame(Integer id) {
        return id == null ? Optional.empty() : Optional.ofNullable(frames.get(id));
    }

    synchronized int container(Container container) {
        int id = allocate();
        containers.put(id, container);
        return id;
    }

    synchronized Optional<Container> container(Integer id) {
        return id == null ? Optional.empty() : Optional.ofNullable(containers.get(id));
    }

    private int allocate() {
        if (next > MAX_IDS) {
            throw DapSession.error("this session has handed out " + MAX_IDS + " references; start a new session");
        }
        return next++;
    }
}
