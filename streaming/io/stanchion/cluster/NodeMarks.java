package io.stanchion.cluster;

import io.stanchion.store.StoreException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What a cluster node notes about its stores, in {@code <dir>/_cluster/}: {@code applied}, the term and index of the
 * last Raft entry applied to them (16 bytes, rewritten in place after every applied entry: the stores are this
 * node's snapshot and this says how far they reach, so Ratis replays from the next entry after a restart), and
 * {@code leader-wrote}, present from the moment the node's engine may write its stores as leader (before its
 * writes are committed) until the stores are rebuilt from the Raft log: a node that finds it at startup may hold
 * writes the group never committed, and rebuilds.
 *
 * <p>Durability: {@code applied} is written to the page cache after the entry's store writes (a process crash
 * keeps the order: at most the last entry is applied again, which the applier tolerates); with {@code sync} it is
 * forced with them. {@code leader-wrote} is always forced before the engine starts. Threading: the owner of the
 * stores (under the state machine's lock) writes; {@link #applied()} may be read from any thread (Ratis' log
 * appenders ask for the latest snapshot) and reads the value kept in memory, never the file: an interrupt of a
 * reading thread would close the file channel, and every later write would fail.
 */
final class NodeMarks implements AutoCloseable {
    static final String DIRECTORY = "_cluster";
    private final Path dir;
    private final Path dirty;
    private final FileChannel applied;
    private final ByteBuffer buffer = ByteBuffer.allocate(16);
    private final boolean sync;
    /** The last applied entry {term, index} as noted, or null. */
    private volatile long[] current;

    NodeMarks(Path storeDir, boolean sync) {
        this.dir = storeDir.resolve(DIRECTORY);
        this.dirty = dir.resolve("leader-wrote");
        this.sync = sync;
        try {
            Files.createDirectories(dir);
            applied = FileChannel.open(dir.resolve("applied"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StoreException("cannot open " + dir + ": " + e.getMessage(), e);
        }
        current = read();
    }

    /** Whether the cluster node's directory exists under {@code storeDir} (the store was used clustered). */
    static boolean present(Path storeDir) {
        return Files.isDirectory(storeDir.resolve(DIRECTORY));
    }

    /** The last applied entry as {term, index}, or {@code null} when none was noted. Any thread. */
    long[] applied() {
        long[] c = current;
        return c == null ? null : c.clone();
    }

    private long[] read() {
        try {
            ByteBuffer b = ByteBuffer.allocate(16);
            int n = applied.read(b, 0);
            if (n < 16) {
                return null;
            }
            b.flip();
            return new long[] {b.getLong(), b.getLong()};
        } catch (IOException e) {
            throw new StoreException("cannot read " + dir.resolve("applied") + ": " + e.getMessage(), e);
        }
    }

    void applied(long term, long index) {
        buffer.clear();
        buffer.putLong(term).putLong(index).flip();
        try {
            while (buffer.hasRemaining()) {
                applied.write(buffer, buffer.position());
            }
            if (sync) {
                applied.force(false);
            }
        } catch (IOException e) {
            throw new StoreException("cannot write " + dir.resolve("applied") + ": " + e.getMessage(), e);
        }
        current = new long[] {term, index};
    }

    /** Forgets the applied entry (the stores were emptied): Ratis replays the whole log. */
    void clearApplied() {
        try {
            applied.truncate(0);
            applied.force(true);
        } catch (IOException e) {
            throw new StoreException("cannot clear " + dir.resolve("applied") + ": " + e.getMessage(), e);
        }
        current = null;
    }

    boolean leaderWrote() {
        return Files.exists(dirty);
    }

    /** Noted (and forced to the device) before this node's engine may write its stores as leader. */
    void markLeaderWrote() {
        try (FileChannel f = FileChannel.open(dirty, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            f.force(true);
            FileForce.directory(dir);
        } catch (IOException e) {
            throw new StoreException("cannot write " + dirty + ": " + e.getMessage(), e);
        }
    }

    /** The stores hold committed entries only again (rebuilt from the Raft log). */
    void clearLeaderWrote() {
        try {
            Files.deleteIfExists(dirty);
            FileForce.directory(dir);
        } catch (IOException e) {
            throw new StoreException("cannot delete " + dirty + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            applied.close();
        } catch (IOException ignored) {
            // nothing to keep
        }
    }

    /** fsync of a directory (its entries), where the file system allows it. */
    static final class FileForce {
        private FileForce() {
        }

        static void directory(Path dir) {
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException ignored) {
                // not every file system lets a directory be opened for it
            }
        }
    }
}
