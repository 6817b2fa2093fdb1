package io.stanchion.store.chronicle;

import io.stanchion.store.ChannelLog;
import io.stanchion.store.DiskOps;
import io.stanchion.store.StoreException;
import io.stanchion.store.StoredMessage;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static io.stanchion.store.chronicle.MessageExcerptFormat.CUMULATIVE_OFFSET;
import static io.stanchion.store.chronicle.MessageExcerptFormat.TIMESTAMP_OFFSET;

/**
 * One channel = one {@link SingleChronicleQueue} in its own directory. The excerpt layout and the durability levels
 * are described on {@link ChronicleMessageStore}.
 *
 * <p>This class is the log's front: the {@link ChannelLog} calls, appends, retention and the state they change, and
 * the threading contract. Its parts, each used only through it:
 * <ul>
 *   <li>{@link MessageExcerptFormat}: the excerpt's header, CRC and the format before checksums;</li>
 *   <li>{@link ChannelQueue}: the queue, its directory and cycle files, the corruption fault;</li>
 *   <li>{@link SequenceIndexMap}: the cycle map (sequence to Chronicle index), built by {@link ChannelLogRecovery} at
 *   open and extended by appends;</li>
 *   <li>{@link ExcerptReader}: reads by sequence through a few parked tailers, and {@link SequenceSearch}: the
 *   timestamp and byte-limit searches built on them;</li>
 *   <li>{@link FirstSequenceFile}: the logical first sequence retention persists, and {@link ChannelLogSync}: what
 *   {@code flush(true)} must force.</li>
 * </ul>
 *
 * <p>State kept in memory: the {@link SequenceIndexMap} (one entry per non-empty cycle), the first/last timestamps,
 * the cumulative byte counter, and the volatile counts. Recovery reads the first excerpt of every cycle and the last
 * excerpt of the queue, plus the excerpt of the logical first sequence when the {@code first-sequence} file raises it;
 * nothing else.
 *
 * <p>Retention ({@link #removeBefore}): the new first sequence is written to the {@code first-sequence} file first
 * (format on {@link ChronicleMessageStore}), then every cycle file whose messages all lie below it is deleted: the
 * tailers parked in those cycles are closed, Chronicle's background releaser is drained so that no mapping or file
 * descriptor of them remains, the files are unlinked, and Chronicle's directory listing (the lowest cycle in
 * {@code metadata.cq4t} and its cached cycle tree) is refreshed. The cycle holding the new first message, and when
 * everything is removed the cycle of the last message, is never deleted: it is the current append cycle or older than
 * it only by empty cycles, and it lets recovery find the last sequence.
 *
 * <p>Threading: one appender (created on the first append) and a few tailers (see {@link ExcerptReader}), all used by
 * the owner thread only, like every part above. Chronicle's own single-thread check is switched off on them because
 * the store may be opened (and the log recovered) on a thread other than the engine thread that later owns the log;
 * the SPI contract already guarantees a single user. The counts ({@link #firstSequence}, {@link #lastSequence},
 * {@link #messageCount}, {@link #byteCount}) are readable from any thread (volatile fields).
 */
final class ChronicleChannelLog implements ChannelLog {

    static {
        ChronicleSettings.apply();
    }

    /** Where the log's disk operations go and how much free space its appends must leave. */
    record Disk(DiskOps ops, DiskSpaceGuard guard, long margin) {
    }

    private final String name;
    private final Path directory;
    private final Disk disk;
    /** Disk bytes a new cycle file takes before its first excerpt (header, index-of-indexes, first index). */
    private final long newCycleBytes;
    private final SingleChronicleQueue queue;
    private final RollCycle rollCycle;
    private final ChannelQueue channel;
    private final SequenceIndexMap cycles = new SequenceIndexMap();

    // ---- owner-thread state ----
    private final MonotonicTimeProvider clock;
    private final MessageExcerptFormat format = new MessageExcerptFormat();
    private final ExcerptReader reader;
    private final SequenceSearch search;
    private ExcerptAppender appender;
    /** Cycle of the last append made through this instance, or -1 before the first. */
    private int appendCycle = -1;
    private long firstTimestamp;
    private long lastTimestamp;
    private long firstCumulative;
    private long nextCumulative;
    private boolean closed;
    /** Why the log refuses further use after an inconsistency found while appending, or null. */
    private String broken;

    // ---- retention (owner thread) ----
    /** No cycle file below this cycle is on disk (as far as this log knows); deletion is skipped while it holds. */
    private int lowestCycleOnDisk;
    private final FirstSequenceFile firstSequenceFile;
    /** Cycle files deleted by retention (this instance); for tests. */
    long cycleFilesDeleted;

    // ---- fsync bookkeeping (owner thread) ----
    private final ChannelLogSync sync;

    // ---- readable from any thread ----
    private volatile long firstSequence = 1;
    private volatile long lastSequence;
    private volatile long byteCount;

    /**
     * Recovers the log from {@code queue}'s existing content (nothing when it is new).
     *
     * @param clock           the time provider {@code queue} was built with
     * @param created         the channel directory was just created by this process
     * @param truncateBadTail at recovery, a damaged tail is reported as a
     *                        {@link ChannelLogRecovery.DamagedTailException} (with the last good sequence)
     */
    ChronicleChannelLog(String name, Path directory, SingleChronicleQueue queue, MonotonicTimeProvider clock,
                        boolean created, Disk disk, boolean truncateBadTail) {
        this.name = name;
        this.directory = directory;
        this.disk = disk;
        this.newCycleBytes = ChannelQueue.cycleFileBytes(queue.indexCount());
        this.queue = queue;
        this.clock = clock;
        this.rollCycle = queue.rollCycle();
        this.channel = new ChannelQueue(name, directory, queue);
        this.reader = new ExcerptReader(channel, cycles, format);
        this.search = new SequenceSearch(cycles, reader);
        this.firstSequenceFile = new FirstSequenceFile(name, directory);
        this.sync = new ChannelLogSync(directory, created);
        try {
            recover(truncateBadTail);
            applyFirstSequenceFile();
        } catch (Throwable e) {
            try {
                closeQuietly();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw StoreFaults.wrap("channel " + name + ": cannot recover " + directory, e);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Recovery

    /** Steps 1 and 2 of recovery ({@link ChannelLogRecovery}): the cycle map, the first and last messages. */
    private void recover(boolean truncateBadTail) {
        ChannelLogRecovery r = new ChannelLogRecovery(channel, clock, cycles, reader, format, truncateBadTail);
        r.recover();
        lowestCycleOnDisk = r.lowestCycleOnDisk;
        firstTimestamp = r.firstTimestamp;
        lastTimestamp = r.lastTimestamp;
        firstCumulative = r.firstCumulative;
        nextCumulative = r.nextCumulative;
        byteCount = nextCumulative - firstCumulative;
        firstSequence = r.firstSequence;
        lastSequence = r.lastSequence;
    }

    /** Step 3 of recovery: the logical first sequence left by retention, if above the first excerpt on disk. */
    private void applyFirstSequenceFile() {
        long persisted = firstSequenceFile.read();
        long last = lastSequence;
        if (persisted > last + 1) {
            // Ahead of the recovered tail (a power loss kept the file but lost the newest messages): the tail wins,
            // and the file must say so before the next append hands out those sequences again.
            persisted = last + 1;
            writeFirstSequence(persisted);
        }
        if (persisted > firstSequence) {
            advanceFirst(persisted, false);
            deleteCyclesBefore(persisted); // the files a crash between the two steps of removeBefore left behind
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // ChannelLog

    @Override
    public String name() {
        return name;
    }

    @Override
    public long append(long timestampNanos, byte[] record) {
        Objects.requireNonNull(record, "record");
        ensureOpen();
        long seq = lastSequence + 1;
        long cost = MessageExcerptFormat.diskCost(record.length);
        if (appendCycle != queue.cycle()) {
            cost += newCycleBytes; // the first append of this instance, or a roll: maybe a new cycle file
        }
        disk.guard().reserve(cost, disk.margin()); // StoreFullException: nothing written
        boolean empty = seq == firstSequence;
        // Clamped to the previous message even when retention removed it: the cycle map's timestamps must not go back.
        long ts = seq == 1 ? timestampNanos : Math.max(timestampNanos, lastTimestamp);
        long index;
        boolean otherCycle = false;
        int checksum = format.encode(seq, ts, nextCumulative, record);
        try {
            ExcerptAppender app = appender();
            DocumentContext dc = app.writingDocument();
            try {
                format.write(dc.wire().bytes(), record, checksum);
            } catch (Throwable t) {
                dc.rollbackOnClose();
                throw t;
            } finally {
                dc.close();
            }
            index = app.lastIndexAppended();
            int cycle = rollCycle.toCycle(index);
            if (cycle != appendCycle) {
                otherCycle = true;
                try {
                    onNewAppendCycle(app, cycle, seq, index, ts);
                } catch (RuntimeException e) {
                    // The excerpt is in the queue but the log's state cannot follow it: refuse any further use
                    // rather than hand out this sequence again.
                    broken = e.toString();
                    throw e;
                }
            }
        } catch (Throwable e) {
            if (StoreFaults.isMappingFault(e)) {
                broken = "a memory-mapped access fault while appending sequence " + seq; // the excerpt's fate unknown
            }
            throw StoreFaults.wrap("channel " + name + ": cannot append sequence " + seq + " (" + record.length
                    + " bytes)", e);
        }
        sync.appended();
        if (empty) {
            firstTimestamp = ts;
            firstCumulative = nextCumulative;
        }
        lastTimestamp = ts;
        nextCumulative += record.length;
        byteCount = nextCumulative - firstCumulative;
        lastSequence = seq;
        if (empty && otherCycle && seq > 1) {
            // Retention had removed every message and this one opened another cycle: the older cycles hold only
            // removed messages, so they go now rather than at the next removeBefore.
            try {
                deleteCyclesBefore(seq);
            } catch (RuntimeException ignored) {
                // the message is stored; the files are tried again at the next deletion
            }
        }
        return seq;
    }

    private void onNewAppendCycle(ExcerptAppender app, int cycle, long seq, long index, long ts) {
        if (cycles.isEmpty() || rollCycle.toCycle(cycles.lastFirstIndex()) != cycle) {
            if (rollCycle.toSequenceNumber(index) != 0 && !cycles.isEmpty()) {
                // Another writer used this queue: our map would be wrong from here on.
                throw channel.corrupt("sequence " + seq + " opened cycle " + cycle + " at index 0x"
                        + Long.toHexString(index));
            }
            cycles.add(seq, index, ts, nextCumulative);
            lowestCycleOnDisk = Math.min(lowestCycleOnDisk, cycle);
            sync.directoryChanged(); // Chronicle created a cycle file (and updated its metadata file)
        }
        sync.appendingTo(app.currentFile());
        appendCycle = cycle;
    }

    private ExcerptAppender appender() {
        ExcerptAppender app = appender;
        if (app == null) {
            app = queue.createAppender();
            app.singleThreadedCheckDisabled(true);
            appender = app;
        }
        return app;
    }

    @Override
    public StoredMessage read(long sequence) {
        ensureOpen();
        if (sequence < firstSequence || sequence > lastSequence) {
            return null;
        }
        return reader.read(sequence);
    }

    @Override
    public long firstSequence() {
        return firstSequence;
    }

    @Override
    public long lastSequence() {
        return lastSequence;
    }

    @Override
    public long messageCount() {
        long last = lastSequence;
        return Math.max(0, last - firstSequence + 1);
    }

    @Override
    public long byteCount() {
        return byteCount;
    }

    @Override
    public long sequenceAtOrAfter(long timestampNanos) {
        ensureOpen();
        long first = firstSequence;
        long last = lastSequence;
        if (last < first || timestampNanos > lastTimestamp) {
            return last + 1;
        }
        if (timestampNanos <= firstTimestamp) {
            return first;
        }
        return search.sequenceAtOrAfter(timestampNanos, first, last);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Retention

    @Override
    public void removeBefore(long sequence) {
        ensureOpen();
        long target = Math.min(sequence, lastSequence + 1);
        if (target <= firstSequence) {
            return;
        }
        try {
            // The file before the deletion: a crash between the steps leaves cycle files that recovery deletes, never
            // a first sequence inside deleted cycles.
            advanceFirst(target, true);
            deleteCyclesBefore(target);
        } catch (Throwable e) {
            if (StoreFaults.isMappingFault(e)) {
                broken = "a memory-mapped access fault while removing messages before " + target;
            }
            throw StoreFaults.wrap("channel " + name + ": cannot remove messages before " + target, e);
        }
    }

    /**
     * Makes {@code target} (in first + 1 .. last + 1) the first sequence: one excerpt read unless it is last + 1, then
     * (when {@code persist}) the {@code first-sequence} file, then the in-memory state. A failure changes nothing.
     */
    private void advanceFirst(long target, boolean persist) {
        long ts;
        long cumulative;
        if (target <= lastSequence) {
            try (DocumentContext dc = reader.openExcerpt(target)) {
                Bytes<?> bytes = dc.wire().bytes();
                reader.check(bytes, target, dc.index());
                long start = bytes.readPosition();
                ts = bytes.readLong(start + TIMESTAMP_OFFSET);
                cumulative = bytes.readLong(start + CUMULATIVE_OFFSET);
            }
        } else {
            ts = lastTimestamp;
            cumulative = nextCumulative;
        }
        if (persist) {
            writeFirstSequence(target);
        }
        firstTimestamp = ts;
        firstCumulative = cumulative;
        firstSequence = target;
        byteCount = nextCumulative - cumulative;
    }

    /**
     * Deletes every cycle file below the cycle that holds {@code first} (the cycle of the last message when the log is
     * empty), releasing this log's tailers and Chronicle's mappings of them first, then refreshes Chronicle's
     * directory listing. A file that cannot be deleted stays; the next deletion tries it again.
     */
    private void deleteCyclesBefore(long first) {
        if (cycles.isEmpty()) {
            return;
        }
        int keepEntry = first <= lastSequence ? cycles.entryOf(first) : cycles.size() - 1;
        if (keepEntry < 0) {
            return;
        }
        int keepCycle = rollCycle.toCycle(cycles.firstIndexAt(keepEntry));
        if (keepCycle <= lowestCycleOnDisk) {
            return; // the usual case: no whole cycle fell out of the log
        }
        reader.closeTailersBefore(keepCycle);
        // Tailers leaving a cycle and closed tailers release their cycle file (unmap, close) on Chronicle's
        // background releaser thread: wait for it, so that no mapping keeps the deleted space allocated.
        BackgroundResourceReleaser.releasePendingResources();
        List<Path> doomed;
        try {
            doomed = channel.cycleFilesBelow(keepCycle);
        } catch (IOException e) {
            // Cannot list: leave every file; the next deletion lists again.
            return;
        }
        int lowest = keepCycle;
        for (Path f : doomed) {
            try {
                if (Files.deleteIfExists(f)) {
                    cycleFilesDeleted++;
                }
            } catch (IOException e) {
                lowest = Math.min(lowest, channel.cycleOfFile(f)); // tried again at the next deletion
            }
        }
        cycles.removeFirst(keepEntry);
        sync.forgetDeletedFiles();
        lowestCycleOnDisk = lowest;
        queue.refreshDirectoryListing(); // lowest cycle in metadata.cq4t, and the queue's cached cycle tree
        sync.directoryChanged();
    }

    /** Records {@code first} in the {@code first-sequence} file ({@link FirstSequenceFile#write}). */
    private void writeFirstSequence(long first) {
        if (firstSequenceFile.write(first)) {
            sync.directoryChanged(); // the rename
        }
    }

    @Override
    public long firstSequenceWithinBytes(long maxBytes) {
        ensureOpen();
        long first = firstSequence;
        long last = lastSequence;
        if (last < first || (maxBytes >= 0 && byteCount <= maxBytes)) {
            return first;
        }
        if (maxBytes < 0 || first == last) {
            return last;
        }
        return search.firstWithCumulativeAtLeast(nextCumulative - maxBytes, first, last);
    }

    @Override
    public void flush(boolean fsync) {
        ensureOpen();
        // Level 1 needs nothing: the excerpt was written into the shared memory mapping and its header completed
        // when its DocumentContext closed, inside append().
        if (!fsync) {
            return;
        }
        try {
            sync.force(disk.ops(), firstSequenceFile);
        } catch (Throwable e) {
            // Never retried (the kernel may have dropped the dirty pages it could not write: a later fsync would
            // succeed without them), so the log refuses every further write.
            StoreException failure = StoreFaults.wrap("channel " + name + ": fsync failed in " + directory, e);
            broken = failure.getMessage();
            throw failure;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly();
    }

    private void closeQuietly() {
        sync.close();
        RuntimeException failure = null;
        List<AutoCloseable> resources = new ArrayList<>(ExcerptReader.MAX_TAILERS + 2);
        resources.add(appender);
        reader.releaseTailers(resources);
        resources.add(queue);
        for (AutoCloseable c : resources) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new StoreException("channel " + name + ": close failed: " + e, e);
                }
            }
        }
        appender = null;
        firstSequenceFile.unmap();
        if (failure != null) {
            throw failure;
        }
    }

    // ------------------------------------------------------------------------------------------------------------

    Path directory() {
        return directory;
    }

    SingleChronicleQueue queue() {
        return queue;
    }

    int cycleCount() {
        return cycles.size();
    }

    int tailerCount() {
        return reader.tailerCount();
    }

    long excerptReads() {
        return reader.excerptReads();
    }

    /** File offset of the excerpt payload of stored {@code sequence} (tests locate records on disk with it). */
    long payloadOffset(long sequence) {
        return reader.payloadOffset(sequence);
    }

    /** The cycle file holding stored {@code sequence}. */
    File cycleFileOf(long sequence) {
        return channel.cycleFile(cycles.indexOf(sequence));
    }

    private void ensureOpen() {
        if (closed) {
            throw new StoreException("channel " + name + " is closed");
        }
        if (broken != null) {
            throw new StoreException("channel " + name + " is unusable after an earlier failure: " + broken);
        }
    }

    @Override
    public String toString() {
        return "ChronicleChannelLog[" + name + ", " + firstSequence + ".." + lastSequence + ", " + directory + "]";
    }
}
