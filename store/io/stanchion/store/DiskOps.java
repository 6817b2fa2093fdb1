package io.stanchion.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The file-system operations a persistent store's durability and space accounting rest on: every fsync of a file,
 * a mapping or a directory, and the usable-space query. The stores call nothing else for these, so a test can inject
 * failures (an fsync that fails, a disk that reports itself full). {@link #SYSTEM} does the real thing.
 *
 * <p>Each method defaults to the system call; an implementation overrides what it wants to change. The path
 * arguments name the file for the implementation (and for error messages); the operation is on the channel or
 * mapping given. Implementations are called from the store's owner thread (and from the thread opening it).
 */
public interface DiskOps {

    /** The real operations. */
    DiskOps SYSTEM = new DiskOps() {
        @Override
        public String toString() {
            return "DiskOps.SYSTEM";
        }
    };

    /** {@code fdatasync} ({@code metaData} false) or {@code fsync} of the open {@code channel} on {@code file}. */
    default void force(FileChannel channel, Path file, boolean metaData) throws IOException {
        channel.force(metaData);
    }

    /** {@code msync} of a shared mapping of {@code file}. */
    default void force(MappedByteBuffer mapping, Path file) throws IOException {
        try {
            mapping.force();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** {@code fdatasync} of a file's contents (opens it, then {@link #force(FileChannel, Path, boolean)}). */
    default void fsyncFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            force(ch, file, false);
        }
    }

    /** Makes a directory's entries (new, renamed, deleted files) durable (Linux; other systems may refuse). */
    default void fsyncDirectory(Path directory) throws IOException {
        try (FileChannel ch = FileChannel.open(directory, StandardOpenOption.READ)) {
            force(ch, directory, true);
        }
    }

    /** Bytes this JVM may still write on the file system holding {@code directory} (FileStore.getUsableSpace). */
    default long usableSpace(Path directory) throws IOException {
        return Files.getFileStore(directory).getUsableSpace();
    }
}
