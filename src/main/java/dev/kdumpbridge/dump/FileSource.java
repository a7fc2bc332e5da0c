package dev.kdumpbridge.dump;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A dump file opened read-only, read with positioned reads only.
 *
 * <p>A {@link FileChannel} closes itself for every user when one reading thread is interrupted
 * (a front end cancelling a request does that). A dump outlives any request, so the channel is
 * reopened for the others and only the interrupted read fails.
 */
final class FileSource implements ByteSource {
    static final Path KCORE = Path.of("/proc/kcore");

    private final Path path;
    private final String name;
    private final long size;
    private final Object reopenLock = new Object();
    private volatile FileChannel channel;
    private volatile boolean closed;

    private FileSource(Path path, FileChannel channel) throws IOException {
        this.path = path;
        this.name = path.toString();
        this.channel = channel;
        this.size = channel.size();
    }

    static FileSource open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            throw new DumpFormatException(path.toString(), "is a directory, not a dump file");
        }
        try {
            return new FileSource(path, openChannel(path));
        } catch (AccessDeniedException e) {
            throw new AccessDeniedException(path.toString(), null, permissionAdvice(path));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "no such file");
        } catch (FileSystemException e) {
            // open_kcore refuses with EPERM (missing CAP_SYS_RAWIO, or lockdown), which Java
            // reports as a plain FileSystemException rather than AccessDeniedException.
            if (isKcore(path)) {
                throw new AccessDeniedException(path.toString(), null, permissionAdvice(path));
            }
            throw e;
        }
    }

    private static FileChannel openChannel(Path path) throws IOException {
        return FileChannel.open(path, StandardOpenOption.READ);
    }

    static String permissionAdvice(Path path) {
        if (isKcore(path)) {
            // fs/proc/kcore.c open_kcore: capable(CAP_SYS_RAWIO), then the lockdown check.
            return "permission denied: reading the live kernel through /proc/kcore needs root "
                    + "(CAP_SYS_RAWIO), and is refused even to root when the kernel is locked down "
                    + "in confidentiality mode";
        }
        return "permission denied: the dump file is not readable by this user";
    }

    static boolean isKcore(Path path) {
        try {
            return path.toAbsolutePath().normalize().equals(KCORE)
                    || Files.exists(KCORE) && Files.isSameFile(path, KCORE);
        } catch (IOException e) {
            return false;
        }
    }

    Path path() {
        return path;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int read(long pos, ByteBuffer dst) throws IOException {
        int start = dst.position();
        try {
            while (dst.hasRemaining()) {
                int n = channel.read(dst, pos + (dst.position() - start));
                if (n <= 0) {
                    break;
                }
            }
        } catch (ClosedByInterruptException e) {
            reopenAfterInterrupt();
            InterruptedIOException interrupted = new InterruptedIOException(name + ": read interrupted");
            interrupted.initCause(e);
            throw interrupted;
        }
        return dst.position() - start;
    }

    private void reopenAfterInterrupt() throws IOException {
        synchronized (reopenLock) {
            if (!closed && !channel.isOpen()) {
                channel = openChannel(path);
            }
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (reopenLock) {
            closed = true;
            channel.close();
        }
    }
}
