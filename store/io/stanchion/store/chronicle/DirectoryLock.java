package io.stanchion.store.chronicle;

import io.stanchion.store.StoreException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive {@link FileLock} on a store directory's lock file, held for the life of the store: a second store on
 * the same directory (another process, or this JVM) is refused. Threading: acquired and released by one thread.
 */
final class DirectoryLock {
    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code lockFile} (created when missing).
     *
     * @param inUse the error when another store holds it
     * @throws StoreException when the file cannot be opened or locked, or {@code inUse} when it is held
     */
    static DirectoryLock acquire(Path lockFile, String inUse) {
        FileChannel ch;
        try {
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StoreException("cannot open lock file " + lockFile + ": " + FileOps.oneLine(e), e);
        }
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (IOException e) {
            FileOps.closeQuietly(ch);
            throw new StoreException("cannot lock " + lockFile + ": " + FileOps.oneLine(e), e);
        } catch (OverlappingFileLockException e) {
            l = null; // held by another store in this JVM
        }
        if (l == null) {
            FileOps.closeQuietly(ch);
            throw new StoreException(inUse);
        }
        return new DirectoryLock(ch, l);
    }

    /** Releases the lock (closing the channel releases it anyway). */
    void release() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // the channel is closed below
        }
        FileOps.closeQuietly(channel);
    }
}
