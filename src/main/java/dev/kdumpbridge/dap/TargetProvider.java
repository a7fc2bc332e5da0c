package dev.kdumpbridge.dap;

import dev.kdumpbridge.target.DebugTarget;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where a DAP session's target comes from: the dump the server was started on, or the one an
 * attach request names. The command line supplies it, since opening dumps is not this package's
 * business.
 */
public interface TargetProvider {

    /**
     * What an attach request asks for (reference 09 section 2: the arguments are ours to define).
     *
     * @param coreFile     the dump, or {@code /proc/kcore}; empty to use the server's own
     * @param splitFiles   the other files of a split dump
     * @param vmlinux      the debug vmlinux
     * @param kernelSource a kernel source tree, where frames' source files are looked for
     */
    record AttachRequest(Optional<String> coreFile, List<String> splitFiles, Optional<String> vmlinux,
            Optional<String> kernelSource) {
        public AttachRequest {
            Objects.requireNonNull(coreFile);
            splitFiles = List.copyOf(splitFiles);
            Objects.requireNonNull(vmlinux);
            Objects.requireNonNull(kernelSource);
        }
    }

    /**
     * A target for one session.
     *
     * @param release called when the session ends: closes what was opened for it, or nothing
     *                for a target the server shares
     */
    record Attached(DebugTarget target, Runnable release) {
        public Attached {
            Objects.requireNonNull(target);
            Objects.requireNonNull(release);
        }
    }

    /**
     * @param progress told each step of a slow open, for people
     * @throws AttachException saying what is wrong and what to do
     */
    Attached attach(AttachRequest request, Consumer<String> progress) throws AttachException;

    final class AttachException extends Exception {
        private static final long serialVersionUID = 1L;

        public AttachException(String message) {
            super(message);
        }
    }

    /** A server's one target, shared by every session; an attach naming another dump is refused. */
    static TargetProvider shared(DebugTarget target, List<String> files) {
        return (request, progress) -> {
            if (request.coreFile().isPresent() && !files.contains(request.coreFile().get())) {
                throw new AttachException("this server serves " + String.join(", ", files) + ", not "
                    + request.coreFile().get() + "; leave out coreFile, or start 'kdump-bridge dap --stdio' for another dump");
            }
            return new Attached(target, () -> { });
        };
    }
}
