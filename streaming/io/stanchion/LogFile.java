package io.stanchion;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The log file of {@code -l/--log}: standard error is redirected to it (the logger writes to standard error), in
 * append mode; {@link #reopen} (on SIGUSR1) closes it and opens the path again, so a rotated-away file is released
 * and a new one started, as the original does. Threading: writes and reopen are serialised on this object.
 */
final class LogFile extends OutputStream {
    private final Path path;
    private FileOutputStream out;

    LogFile(Path path) throws IOException {
        this.path = path;
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        this.out = new FileOutputStream(path.toFile(), true);
    }

    /** Closes the file and opens {@code path} again (a new file if it was moved away). */
    synchronized void reopen() throws IOException {
        FileOutputStream next = new FileOutputStream(path.toFile(), true);
        FileOutputStream old = out;
        out = next;
        old.close();
    }

    @Override
    public synchronized void write(int b) throws IOException {
        out.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
    }

    @Override
    public synchronized void flush() throws IOException {
        out.flush();
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
