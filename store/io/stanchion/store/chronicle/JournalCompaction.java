package io.stanchion.store.chronicle;

import io.stanchion.store.ClientRecord;
import io.stanchion.store.DiskOps;
import io.stanchion.store.StoreException;
import net.openhft.chronicle.queue.rollcycles.LargeRollCycles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Consumer;

import static io.stanchion.store.chronicle.JournalGeneration.TEMPORARY_PREFIX;
import static io.stanchion.store.chronicle.JournalGeneration.generationDir;
import static io.stanchion.store.chronicle.JournalRecordFormat.MAX_RANGES_PER_RECORD;
import static io.stanchion.store.chronicle.JournalRecordFormat.SENT_RANGES;
import static io.stanchion.store.chronicle.JournalRecordFormat.recordDiskCost;

/**
 * Writes a {@link JournalState} as a new complete generation of the state journal: the compaction that
 * {@link ChronicleStateStore} runs at every open and, rarely, while running.
 *
 * <p>A generation starts with a snapshot of the live state: SERVER_INFO (when set), a CLIENT_ADD per client, per
 * subscription a SUB_PUT (last sent folded in) followed by SENT_RANGES records of its pending sequences, then
 * SNAPSHOT_END ({@link JournalRecordFormat}). Journal records follow. A generation is <em>complete</em> once its
 * SNAPSHOT_END is in. A new generation (number = largest existing + 1, never reused, even for an abandoned
 * compaction) is written in {@code .tmp-gen-N}, fsynced (its file, Chronicle's metadata file, its directory;
 * {@link ChronicleStateStore.Options#syncCompaction}), renamed to {@code gen-N} (then the state directory is fsynced)
 * and reopened for appending; only then does the store delete older generations. So a crash leaves either a
 * {@code .tmp-gen-N} (deleted at open) or a complete {@code gen-N}, never a {@code gen-N} whose Chronicle files are
 * half created. A new store thus starts with generation 1 holding just SNAPSHOT_END.
 *
 * <p>A failed fsync is never retried, and a renamed generation that can be neither opened nor removed again would win
 * at the next open over anything appended to the old one: either is reported to the store (the {@code unusable}
 * callback) before the compaction throws, and the store refuses every later write.
 *
 * <p>Threading: the store's owner thread (at open, the thread opening the store).
 */
final class JournalCompaction {
    private final Path stateDir;
    private final DiskOps diskOps;
    /** {@link ChronicleStateStore.Options#syncCompaction}. */
    private final boolean sync;
    private final JournalRecordEncoder encoder = new JournalRecordEncoder();
    /** Told why the store must refuse every further write, when a compaction fails that way. */
    private final Consumer<String> unusable;
    /** Number for the next generation created (never reused, even for an abandoned compaction). */
    private long nextGeneration;

    /**
     * Compactions into {@code stateDir}, the first into generation {@code firstGeneration}; {@code unusable} is told
     * why the store must refuse every further write when a compaction fails that way (a failed fsync, a complete
     * generation that could neither be opened nor removed).
     */
    JournalCompaction(Path stateDir, DiskOps diskOps, boolean sync, long firstGeneration, Consumer<String> unusable) {
        this.stateDir = stateDir;
        this.diskOps = diskOps;
        this.sync = sync;
        this.nextGeneration = firstGeneration;
        this.unusable = unusable;
    }

    /**
     * Writes {@code s} as a new complete generation: the snapshot and SNAPSHOT_END go into a temporary directory
     * ({@code .tmp-gen-N}), which is synced ({@link ChronicleStateStore.Options#syncCompaction}) and then renamed to
     * {@code gen-N}; the queue is then reopened there for appending. So a crash never leaves a {@code gen-N} without
     * its SNAPSHOT_END (Chronicle's own files can be half-initialised when a process dies while creating a queue).
     *
     * @throws StoreException when it fails; nothing is left behind, unless the renamed generation cannot be removed
     *                        again, in which case the store is told it is unusable (that generation would win at the
     *                        next open over anything appended to the old one)
     */
    JournalGeneration writeGeneration(JournalState s) {
        long n = nextGeneration++;
        Path dir = generationDir(stateDir, n);
        Path tmp = stateDir.resolve(TEMPORARY_PREFIX + dir.getFileName());
        JournalGeneration g = null;
        try {
            FileOps.deleteTree(tmp);
            g = JournalGeneration.create(tmp, n, diskOps);
            writeSnapshot(g, s);
            if (sync) {
                try {
                    g.fsync(true, false);
                } catch (IOException | RuntimeException e) {
                    unusable.accept("fsync failed in " + tmp + ": " + FileOps.oneLine(e)); // never retried
                    throw e;
                }
            }
            g.close();
        } catch (Throwable e) {
            if (g != null) {
                g.closeQuietly();
            }
            deleteTreeQuietly(tmp);
            throw StoreFaults.wrap("state directory " + stateDir + ": cannot write generation " + dir, e);
        }
        try {
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (Throwable e) {
            deleteTreeQuietly(tmp);
            throw StoreFaults.wrap("state directory " + stateDir + ": cannot rename " + tmp + " to " + dir, e);
        }
        try {
            if (sync) {
                try {
                    diskOps.fsyncDirectory(stateDir);
                } catch (IOException | RuntimeException e) {
                    unusable.accept("fsync failed in " + stateDir + ": " + FileOps.oneLine(e)); // never retried
                    throw e;
                }
            }
            return JournalGeneration.reopen(g, dir, !sync);
        } catch (Throwable e) {
            try {
                FileOps.deleteTree(dir);
            } catch (IOException | RuntimeException e2) {
                unusable.accept("generation " + dir + " is complete but could not be opened (" + e + ") nor removed ("
                        + e2 + ")");
            }
            throw StoreFaults.wrap("state directory " + stateDir + ": cannot open the new generation " + dir, e);
        }
    }

    /** Writes the snapshot of {@code s} followed by SNAPSHOT_END into the new generation {@code g}. */
    private void writeSnapshot(JournalGeneration g, JournalState s) {
        if (s.clusterId != null || s.ackToken != null) {
            encoder.serverInfo(s.clusterId, s.ackToken);
            g.append(encoder);
        }
        for (ClientRecord c : s.clients.values()) {
            encoder.clientAdd(c);
            g.append(encoder);
        }
        for (JournalState.Sub sub : s.sortedSubscriptions()) {
            encoder.subscriptionPut(sub.descriptor, sub.lastSent);
            g.append(encoder);
            writePendingRanges(g, sub.descriptor.id(), sub.pending.toSortedArray());
        }
        encoder.snapshotEnd(s.maxSubscriptionId);
        g.append(encoder);
    }

    /**
     * Writes ascending {@code pending} as SENT_RANGES records of at most
     * {@link JournalRecordFormat#MAX_RANGES_PER_RECORD} ranges.
     */
    private void writePendingRanges(JournalGeneration g, long subscriptionId, long[] pending) {
        int i = 0;
        while (i < pending.length) {
            JournalRecordEncoder e = encoder;
            e.begin(SENT_RANGES);
            e.putLong(subscriptionId);
            int countAt = e.position();
            e.putInt(0);
            int ranges = 0;
            while (i < pending.length && ranges < MAX_RANGES_PER_RECORD) {
                long first = pending[i];
                int n = 1;
                while (i + n < pending.length && pending[i + n] == first + n && n < Integer.MAX_VALUE) {
                    n++;
                }
                e.putLong(first);
                e.putInt(n);
                i += n;
                ranges++;
            }
            e.putIntAt(countAt, ranges);
            g.append(e);
        }
    }

    /**
     * Disk bytes a snapshot of {@code s} may take, a rough upper bound: a new queue, 512 bytes per client and
     * subscription record, 12 bytes per pending sequence (one range each at worst).
     */
    static long snapshotDiskBytes(JournalState s) {
        return ChannelQueue.newQueueBytes(LargeRollCycles.LARGE_DAILY)
                + (s.clients.size() + s.subs.size() + 2L) * recordDiskCost(512) + s.pendingCount * 12;
    }

    private static void deleteTreeQuietly(Path root) {
        try {
            FileOps.deleteTree(root);
        } catch (IOException ignored) {
            // a generation without SNAPSHOT_END is discarded at the next open anyway
        }
    }
}
