package dev.kdumpbridge.kernel.btf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Struct layouts as gdb reads them from the vmlinux's DWARF ({@code ptype/o}): an oracle that
 * shares nothing with our BTF reader. gdb needs about 20 s to load the DWARF of a distribution
 * kernel, so its output is kept beside the fixtures, keyed by the image's build id and the struct
 * list (a changed list or image asks gdb again); it is gdb's text, never ours.
 */
final class GdbLayouts {
    private static final long TIMEOUT_MINUTES = 10;

    /** One member as gdb prints it, with its path through embedded structs (anonymous ones skipped). */
    record Member(String path, long bitOffset, int bitfieldSize, long size) {
    }

    record Layout(String name, long size, List<Member> members) {
    }

    private GdbLayouts() {
    }

    /** gdb's {@code ptype/o} of each struct, from the cache or from a fresh gdb run. */
    static String ptype(Path vmlinux, String buildId, List<String> structs, Path cacheDir)
            throws IOException, InterruptedException {
        String key = buildId + "-" + HexFormat.of().toHexDigits(String.join(",", structs).hashCode());
        Path cached = cacheDir.resolve("gdb-ptype-" + key + ".txt");
        if (Files.isRegularFile(cached)) {
            return Files.readString(cached);
        }
        // "show version" first: the cached file then says which gdb wrote it; parse() skips it.
        List<String> command = new ArrayList<>(List.of("gdb", "-nx", "-batch", "-ex", "show version"));
        for (String s : structs) {
            command.add("-ex");
            command.add("ptype/o struct " + s);
        }
        command.add(vmlinux.toString());
        Path out = Files.createTempFile("gdb-ptype", ".txt");
        String text;
        try {
            Process gdb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!gdb.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                gdb.destroyForcibly();
                throw new AssertionError("gdb still loading " + vmlinux + " after " + TIMEOUT_MINUTES + " minutes");
            }
            text = Files.readString(out, StandardCharsets.UTF_8);
            if (gdb.exitValue() != 0 || !text.contains("type = struct")) {
                throw new AssertionError("gdb " + String.join(" ", command) + " failed:\n" + text);
            }
        } finally {
            Files.delete(out);
        }
        try {
            Files.createDirectories(cacheDir);
            Path partial = cacheDir.resolve(cached.getFileName() + "." + ProcessHandle.current().pid());
            Files.writeString(partial, text);
            Files.move(partial, cached, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException notWritable) {
            // A read-only fixture directory only costs the next run another gdb start.
        }
        return text;
    }

    private static final Pattern TOP = Pattern.compile("^/\\* offset\\s+\\|\\s+size \\*/\\s+type = (?:struct|union) (\\w+) \\{$");
    /** {@code /* 2340: 3 |  4 *}{@code /}, or for union members only the size. */
    private static final Pattern LINE = Pattern.compile("^/\\*\\s*(?:(\\d+)(?::\\s*(\\d+))?\\s*\\|)?\\s*(\\d+)\\s*\\*/\\s*(.*)$");
    private static final Pattern TOTAL = Pattern.compile("^/\\* total size \\(bytes\\):\\s*(\\d+) \\*/$");
    private static final Pattern CLOSE = Pattern.compile("^\\}\\s*(\\w*)(\\[\\d*\\])*;?$");
    private static final Pattern BITFIELD = Pattern.compile("\\s:\\s(\\d+)$");
    private static final Pattern FUNCTION_POINTER = Pattern.compile("\\(\\*+\\s*(\\w+)");
    private static final Pattern LAST_NAME = Pattern.compile("(\\w+)\\s*(\\[\\d*\\])*$");

    /** An aggregate being read: its offset and what it holds, with paths relative to it. */
    private static final class Frame {
        final long bitOffset;
        final long size;
        final boolean union;
        final List<Member> members = new ArrayList<>();
        long totalSize = -1;

        Frame(long bitOffset, long size, boolean union) {
            this.bitOffset = bitOffset;
            this.size = size;
            this.union = union;
        }
    }

    /** Every top-level struct of gdb's output, members in print order. */
    static Map<String, Layout> parse(String text) {
        Map<String, Layout> layouts = new LinkedHashMap<>();
        Deque<Frame> stack = new ArrayDeque<>();
        String current = null;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            Matcher m;
            if ((m = TOP.matcher(line)).matches()) {
                current = m.group(1);
                stack.clear();
                stack.push(new Frame(0, -1, false));
            } else if (current == null || line.isEmpty() || line.startsWith("/* XXX")
                    || line.equals("<no data fields>")) {
                // Holes and padding, and the body of an empty struct (lock_class_key without
                // lockdep).
                continue;
            } else if ((m = TOTAL.matcher(line)).matches()) {
                stack.peek().totalSize = Long.parseLong(m.group(1));
            } else if ((m = CLOSE.matcher(line)).matches()) {
                Frame done = stack.pop();
                if (stack.isEmpty()) {
                    layouts.put(current, new Layout(current, done.totalSize, List.copyOf(done.members)));
                    current = null;
                    continue;
                }
                String name = m.group(1);
                Frame parent = stack.peek();
                if (!name.isEmpty()) {
                    parent.members.add(new Member(name, done.bitOffset, 0, done.size));
                }
                for (Member inner : done.members) {
                    String path = name.isEmpty() ? inner.path() : name + "." + inner.path();
                    parent.members.add(new Member(path, inner.bitOffset(), inner.bitfieldSize(), inner.size()));
                }
            } else if ((m = LINE.matcher(line)).matches()) {
                Frame parent = stack.peek();
                // A union's members print no offset: they all start where the union does.
                long bitOffset = m.group(1) == null ? parent.bitOffset
                        : Long.parseLong(m.group(1)) * 8 + (m.group(2) == null ? 0 : Long.parseLong(m.group(2)));
                long size = Long.parseLong(m.group(3));
                String decl = m.group(4);
                if (decl.endsWith("{")) {
                    stack.push(new Frame(bitOffset, size, decl.startsWith("union")));
                    continue;
                }
                decl = decl.substring(0, decl.length() - 1);
                int bits = 0;
                Matcher bitfield = BITFIELD.matcher(decl);
                if (bitfield.find()) {
                    bits = Integer.parseInt(bitfield.group(1));
                    decl = decl.substring(0, bitfield.start());
                }
                Matcher name = FUNCTION_POINTER.matcher(decl);
                if (!name.find()) {
                    name = LAST_NAME.matcher(decl);
                    if (!name.find()) {
                        throw new AssertionError("cannot find the member name in gdb's line: " + raw);
                    }
                }
                parent.members.add(new Member(name.group(1), bitOffset, bits, size));
            } else {
                throw new AssertionError("unexpected line in gdb's ptype/o output: " + raw);
            }
        }
        return layouts;
    }
}
