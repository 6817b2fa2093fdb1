package io.stanchion.store.chronicle;

import io.stanchion.store.DiskOps;
import io.stanchion.store.StoreException;
import io.stanchion.store.StoreFullException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The free-space budget of one file system, shared by every store writing on it (the message logs and the state
 * journal of a FILE store): before a write, the store asks {@link #reserve} for the bytes the write will occupy on
 * disk, and the guard refuses it with {@link StoreFullException} when they exceed the usable space minus the
 * caller's margin. So a full file system is met by a refusal before anything is written, never by a SIGBUS in the
 * middle of a memory-mapped write (which leaves the log's state unknown).
 *
 * <p>Figures: the usable space ({@link DiskOps#usableSpace}) is queried at the first write and again when
 * {@link #REFRESH_BYTES} were reserved since the last query, when {@link #REFRESH_NANOS} passed (other writers on the
 * file system, freed space), and before refusing a write (at most every {@link #RETRY_NANOS}, so a burst of refused
 * writes costs few queries): between queries the guard subtracts what it reserved. The estimates callers pass are
 * upper bounds of what Chronicle writes (excerpt header, padding, index entries, new cycle files), so the budget
 * errs towards refusing early; the margin absorbs the rest (page granularity, other writers between queries).
 *
 * <p>Threading: owned by the engine thread; no locks. A store opening on another thread does not use it (the writes
 * made while opening are not guarded: a fault there fails the open).
 */
public final class DiskSpaceGuard {

    /** Reserved bytes after which the usable space is queried again. */
    static final long REFRESH_BYTES = 4L << 20;
    /** Age of the figures after which the usable space is queried again. */
    static final long REFRESH_NANOS = 1_000_000_000L;
    /** Least time between two queries made to confirm a refusal. */
    static final long RETRY_NANOS = 100_000_000L;

    private final Path directory;
    private final DiskOps ops;
    /** Usable bytes at the last query, less what was reserved since. */
    private long usable;
    private long reservedSinceQuery;
    private long queriedAt;
    private long queries;

    /**
     * A guard for the file system holding {@code directory}, queried through {@code ops}. Nothing is queried yet:
     * the directory need only exist at the first write.
     */
    public DiskSpaceGuard(Path directory, DiskOps ops) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.ops = Objects.requireNonNull(ops, "ops");
    }

    /**
     * Accounts for a write of {@code bytes} on disk, or refuses it.
     *
     * @param margin bytes that must stay free after the write
     * @throws StoreFullException when {@code bytes} exceed the usable space minus {@code margin}
     * @throws StoreException     when the usable space cannot be queried
     */
    void reserve(long bytes, long margin) {
        if (!hasRoom(bytes, margin)) {
            throw new StoreFullException();
        }
        usable -= bytes;
        reservedSinceQuery += bytes;
    }

    /** Whether a write of {@code bytes} would leave {@code margin} free (reserves nothing). */
    boolean hasRoom(long bytes, long margin) {
        long now = System.nanoTime();
        if (queries == 0 || reservedSinceQuery + bytes >= REFRESH_BYTES || now - queriedAt >= REFRESH_NANOS) {
            query();
        }
        if (fits(bytes, margin)) {
            return true;
        }
        if (now - queriedAt >= RETRY_NANOS) {
            query(); // space may have been freed since
            return fits(bytes, margin);
        }
        return false;
    }

    private boolean fits(long bytes, long margin) {
        return bytes <= usable - margin;
    }

    private void query() {
        try {
            usable = ops.usableSpace(directory);
        } catch (IOException | RuntimeException e) {
            throw new StoreException("cannot query the free space of the file system of " + directory + ": "
                    + FileOps.oneLine(e), e);
        }
        reservedSinceQuery = 0;
        queriedAt = System.nanoTime();
        queries++;
    }

    /** The usable bytes as the guard currently estimates them. */
    public long usableEstimate() {
        return usable;
    }

    /** Queries of the usable space made so far; for tests. */
    long queries() {
        return queries;
    }

    @Override
    public String toString() {
        return "DiskSpaceGuard[" + directory + ", usable ~" + usable + "]";
    }
}
