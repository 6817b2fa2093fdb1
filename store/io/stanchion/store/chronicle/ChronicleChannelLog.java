package io.stanchion.store.chronicle;

import io.stanchion.store.ChannelLog;
import io.stanchion.store.DiskOps;
import io.stanchion.store.StoreException;
import io.stanchion.store.StoredMessage;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;
import net.openhft.chronicle.core.io.IOTools;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.RollingResourcesCache;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * One channel = one {@link SingleChronicleQueue} in its own directory. The excerpt layout and the durability levels
 * are described on {@link ChronicleMessageStore}.
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
 * <p>Threading: one appender (created on the first append) and a few tailers (see {@link #tailers}), all used by the
 * owner thread only. Chronicle's own single-thread check is switched off on them because the store may be opened (and
 * the log recovered) on a thread other than the engine thread that later owns the log; the SPI contract already
 * guarantees a single user.
 */
final class ChronicleChannelLog implements ChannelLog {

    static {
        ChronicleSettings.apply();
    }

    /** Offsets in an excerpt. */
    static final int SEQUENCE_OFFSET = 0;
    static final int TIMESTAMP_OFFSET = 8;
    static final int CUMULATIVE_OFFSET = 16;
    static final int LENGTH_OFFSET = 24;
    static final int HEADER_SIZE = 28;
    /**
     * The CRC-32C after the record: over the header and the record (the whole excerpt before it). An excerpt of
     * exactly {@code HEADER_SIZE + length} bytes was written before checksums existed and is read unchecked.
     */
    static final int CRC_SIZE = 4;

    private static final String METADATA_FILE = "metadata.cq4t";
    private static final String CYCLE_SUFFIX = ".cq4";
    static final int MAX_TAILERS = 4;

    /**
     * Disk bytes an excerpt costs besides its payload, an upper bound: Chronicle's 4-byte excerpt header, up to 3
     * bytes of alignment padding before the next header, and 8 bytes for Chronicle's index (one 8-byte entry per
     * indexed excerpt; Chronicle indexes one excerpt in 16 or fewer, so this over-counts).
     */
    static final int EXCERPT_OVERHEAD = 4 + 3 + 8;
    /** Chronicle's {@code metadata.cq4t} of a new queue (128 KiB measured with chronicle-queue 2026.4). */
    static final long METADATA_BYTES = 128 << 10;

    /** Where the log's disk operations go and how much free space its appends must leave. */
    record Disk(DiskOps ops, DiskSpaceGuard guard, long margin) {
    }

    /** The logical first sequence, when retention removed messages (format on {@link ChronicleMessageStore}). */
    static final String FIRST_SEQUENCE_FILE = "first-sequence";
    private static final String FIRST_SEQUENCE_TEMP = FIRST_SEQUENCE_FILE + ".tmp";
    static final byte[] FIRST_SEQUENCE_MAGIC = "STANFSQ1".getBytes(StandardCharsets.US_ASCII);
    static final int FIRST_SEQUENCE_VALUE_OFFSET = 8;
    static final int FIRST_SEQUENCE_FILE_SIZE = 16;

    private final String name;
    private final Path directory;
    private final Disk disk;
    /** At recovery, a damaged tail is reported as a {@link DamagedTailException} (with the last good sequence). */
    private final boolean truncateBadTail;
    /** Disk bytes a new cycle file takes before its first excerpt (header, index-of-indexes, first index). */
    private final long newCycleBytes;
    private final SingleChronicleQueue queue;
    private final RollCycle rollCycle;
    private final SequenceIndexMap cycles = new SequenceIndexMap();
    /** Cycle number to file name and back, exactly as the queue names its cycle files. */
    private final RollingResourcesCache cycleFiles;

    // ---- owner-thread state ----
    private final MonotonicTimeProvider clock;
    private final CRC32C crc = new CRC32C();
    /** An excerpt's header, as bytes, for its CRC. */
    private final byte[] headerBytes = new byte[HEADER_SIZE];
    private final ByteBuffer header = ByteBuffer.wrap(headerBytes).order(ByteOrder.LITTLE_ENDIAN);
    /** A record read only for its CRC (timestamp and cumulative probes). */
    private byte[] recordScratch = new byte[256];
    private ExcerptAppender appender;
    /**
     * Up to {@link #MAX_TAILERS} tailers, each left in the cycle it last read. Moving a tailer to another cycle maps
     * that cycle file (and unmaps the one it leaves when nothing else holds it), about a millisecond; with several
     * tailers, readers working in different cycles (a replay from old cycles while recent messages are read too) do
     * not make one tailer bounce between files. Created on demand: a log read in one cycle has one tailer.
     */
    private final ExcerptTailer[] tailers = new ExcerptTailer[MAX_TAILERS];
    /** Per tailer: the index it reads next without a move (i + 1 after reading index i), or -1. */
    private final long[] tailerNext = new long[MAX_TAILERS];
    /** Per tailer: the cycle it is in, or -1. */
    private final int[] tailerCycle = new int[MAX_TAILERS];
    /** Per tailer: when it was last used ({@link #useCounter}), for least-recently-used replacement. */
    private final long[] tailerUsed = new long[MAX_TAILERS];
    private int tailerCount;
    private long useCounter;
    private long firstTimestamp;
    private long lastTimestamp;
    private long firstCumulative;
    private long nextCumulative;
    private boolean closed;
    /** Why the log refuses further use after an inconsistency found while appending, or null. */
    private String broken;

    // ---- retention (owner thread) ----
    /** No cycle file below this cycle is on disk (as far as this log knows); deletion is skipped while it holds. */
    private int lowestCycleOnDisk = Integer.MAX_VALUE;
    /** Shared mapping of the {@code first-sequence} file once this instance created it, else null. */
    private MappedByteBuffer firstSequenceMap;
    /** The {@code first-sequence} file was written since the last fsync. */
    private boolean firstSequenceUnsynced;
    /** Cycle files deleted by retention (this instance); for tests. */
    long cycleFilesDeleted;

    // ---- fsync bookkeeping (owner thread) ----
    /** Cycle of the last append made through this instance, or -1 before the first. */
    private int appendCycle = -1;
    /** Cycle file of {@link #appendCycle}. */
    private File appendFile;
    /** Cycle files appended to (or given an end-of-file marker) since the last fsync, the current one excluded. */
    private final List<File> rolledFiles = new ArrayList<>(2);
    /** Something was appended since the last fsync. */
    private boolean unsynced;
    /** A cycle file was created in {@link #directory} since the last fsync (directory entry + metadata file). */
    private boolean directoryDirty;
    /** The channel directory itself is new: the root directory's entry is not yet synced. */
    private boolean parentDirty;
    private FileChannel syncChannel;
    private File syncChannelFile;

    /** Excerpts read (each {@code read} and each timestamp probe of {@code sequenceAtOrAfter}); for tests. */
    long excerptReads;

    // ---- readable from any thread ----
    private volatile long firstSequence = 1;
    private volatile long lastSequence;
    private volatile long byteCount;

    /**
     * Recovers the log from {@code queue}'s existing content (nothing when it is new).
     *
     * @param clock   the time provider {@code queue} was built with
     * @param created the channel directory was just created by this process
     */
    ChronicleChannelLog(String name, Path directory, SingleChronicleQueue queue, MonotonicTimeProvider clock,
                        boolean created, Disk disk, boolean truncateBadTail) {
        this.name = name;
        this.directory = directory;
        this.disk = disk;
        this.truncateBadTail = truncateBadTail;
        this.newCycleBytes = cycleFileBytes(queue.indexCount());
        this.queue = queue;
        this.clock = clock;
        this.rollCycle = queue.rollCycle();
        File dirFile = directory.toFile();
        this.cycleFiles = new RollingResourcesCache(rollCycle, queue.epoch(),
                text -> new File(dirFile, text + CYCLE_SUFFIX),
                file -> stripSuffix(file.getName()));
        this.parentDirty = created;
        this.directoryDirty = created;
        try {
            recover();
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

    private void recover() {
        ExcerptTailer tailer = tailers[newTailer()];
        int cycle = queue.firstCycle();
        int lastCycle = queue.lastCycle();
        if (cycle > lastCycle) {
            return; // no cycle file: a new channel
        }
        lowestCycleOnDisk = cycle;
        // Appends go on in the newest cycle on disk even if the clock is now behind it.
        clock.atLeast(queue.epoch() + (long) lastCycle * rollCycle.lengthInMillis());
        // 1. The first excerpt of every non-empty cycle: (first sequence, first index).
        long firstSeq = 0;
        long previousCycleEnd = -1; // expected first sequence of the next cycle, from the previous cycle's count
        String lastCycleProblem = null; // the first record of the last cycle is damaged (truncateBadTail only)
        long lastCycleIndex = -1;
        while (cycle >= 0) {
            int found = -1;
            long firstIndexInCycle = -1;
            if (tailer.moveToCycle(cycle)) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (dc.isPresent()) {
                        long index = dc.index();
                        found = rollCycle.toCycle(index);
                        if (cycles.isEmpty() || rollCycle.toCycle(cycles.lastFirstIndex()) != found) {
                            Bytes<?> bytes = dc.wire().bytes();
                            String problem = excerptProblem(bytes, cycles.isEmpty() ? -1 : previousCycleEnd, null);
                            if (problem != null && truncateBadTail && !cycles.isEmpty() && found == lastCycle) {
                                // The damage starts the last cycle: a damaged tail (the whole cycle goes).
                                lastCycleProblem = problem;
                                lastCycleIndex = index;
                                break;
                            }
                            if (problem != null) {
                                throw corrupt("the first record of cycle " + found
                                        + (cycles.isEmpty() ? "" : ", sequence " + previousCycleEnd) + " (index 0x"
                                        + Long.toHexString(index) + " in " + cycleFile(index) + "), " + problem);
                            }
                            long start = bytes.readPosition();
                            long seq = bytes.readLong(start + SEQUENCE_OFFSET);
                            long ts = bytes.readLong(start + TIMESTAMP_OFFSET);
                            long cumulative = bytes.readLong(start + CUMULATIVE_OFFSET);
                            if (cycles.isEmpty()) {
                                firstSeq = seq;
                                firstTimestamp = ts;
                                firstCumulative = cumulative;
                            } else if (seq != previousCycleEnd) {
                                throw corrupt("cycle " + found + " starts at sequence " + seq + ", expected "
                                        + previousCycleEnd + " (the previous cycle's first sequence + its count)");
                            }
                            cycles.add(seq, index, ts, cumulative);
                            excerptReads++;
                            firstIndexInCycle = index;
                        }
                    }
                }
            }
            if (firstIndexInCycle >= 0) {
                // Count from the cycle's own index (no excerpt read); checks that no sequence is missing at the roll.
                long inCycle = tailer.excerptsInCycle(found) - rollCycle.toSequenceNumber(firstIndexInCycle);
                previousCycleEnd = cycles.sequenceOf(firstIndexInCycle) + inCycle;
            }
            if (found > cycle) {
                cycle = found; // cycle was empty; the read went on to the next non-empty one
            }
            if (cycle >= lastCycle) {
                break;
            }
            try {
                cycle = queue.nextCycle(cycle, TailerDirection.FORWARD);
            } catch (ParseException e) {
                throw corrupt("unreadable cycle file name after cycle " + cycle + ": " + e.getMessage());
            }
        }
        if (lastCycleProblem != null) {
            long lastSeq = previousCycleEnd + tailer.excerptsInCycle(rollCycle.toCycle(lastCycleIndex)) - 1;
            throw damagedTail(tailer, previousCycleEnd, lastSeq, lastCycleIndex, lastCycleProblem);
        }
        if (cycles.isEmpty()) {
            return; // only empty cycle files
        }
        // 2. The last excerpt: last sequence, last timestamp, cumulative bytes.
        long lastIndex = queue.lastIndex();
        if (lastIndex < cycles.firstIndexAt(0) || !tailer.moveToIndex(lastIndex)) {
            throw corrupt("cannot read the last excerpt (index 0x" + Long.toHexString(lastIndex) + ")");
        }
        long lastSeq;
        String tailProblem;
        try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent() || dc.index() != lastIndex) {
                throw corrupt("cannot read the last excerpt (index 0x" + Long.toHexString(lastIndex) + ")");
            }
            Bytes<?> bytes = dc.wire().bytes();
            long expected = cycles.sequenceOf(lastIndex);
            if (expected != previousCycleEnd - 1) {
                throw corrupt("the last excerpt is sequence " + expected + " by the cycle map but "
                        + (previousCycleEnd - 1) + " by the cycle count");
            }
            lastSeq = expected;
            tailProblem = excerptProblem(bytes, expected, null);
            if (tailProblem == null) {
                int length = bytes.readInt(bytes.readPosition() + LENGTH_OFFSET);
                lastTimestamp = bytes.readLong(bytes.readPosition() + TIMESTAMP_OFFSET);
                nextCumulative = bytes.readLong(bytes.readPosition() + CUMULATIVE_OFFSET) + length;
            }
            excerptReads++;
        }
        if (tailProblem != null) {
            throw damagedTail(tailer, lastSeq, lastSeq, lastIndex, tailProblem);
        }
        tailerNext[0] = lastIndex + 1;
        tailerCycle[0] = rollCycle.toCycle(lastIndex);
        byteCount = nextCumulative - firstCumulative;
        firstSequence = firstSeq;
        lastSequence = lastSeq;
        appendCycle = -1;
    }

    /**
     * The open-time failure for a damaged tail (the last record, or with {@link #truncateBadTail} the first record of
     * the last cycle, {@code damagedSeq}, fails its checks): a plain {@link StoreException} naming the channel
     * directory and the sequence, or, with {@link #truncateBadTail}, a {@link DamagedTailException} carrying the last
     * good sequence (found by walking back from {@code damagedSeq}) for the store to cut the log back to.
     */
    private StoreException damagedTail(ExcerptTailer tailer, long damagedSeq, long lastSeq, long damagedIndex,
                                       String problem) {
        String what = (damagedSeq == lastSeq ? "the last record, sequence " + lastSeq
                : "the first record of the last cycle, sequence " + damagedSeq + " of " + lastSeq)
                + " (index 0x" + Long.toHexString(damagedIndex) + " in " + cycleFile(damagedIndex) + "), " + problem;
        if (!truncateBadTail) {
            return corrupt(what + " (opening with --file_truncate_bad_eof cuts the log back to the last good record)");
        }
        long first = cycles.firstSequenceAt(0);
        long good = damagedSeq - 1;
        for (; good >= first; good--) {
            long index = cycles.indexOf(good);
            if (!tailer.moveToIndex(index)) {
                continue;
            }
            try (DocumentContext dc = tailer.readingDocument()) {
                if (dc.isPresent() && dc.index() == index && excerptProblem(dc.wire().bytes(), good, null) == null) {
                    break;
                }
            }
        }
        return new DamagedTailException(corrupt(what).getMessage(), good, lastSeq);
    }

    /**
     * Recovery found a damaged tail and the log may be cut back: the records after {@link #lastGood} (the first
     * sequence on disk minus one when none is good) are to be dropped. Thrown only with {@code truncateBadTail}.
     */
    static final class DamagedTailException extends StoreException {
        final long lastGood;
        /** The last sequence on disk (damaged). */
        final long lastSequence;

        DamagedTailException(String message, long lastGood, long lastSequence) {
            super(message);
            this.lastGood = lastGood;
            this.lastSequence = lastSequence;
        }
    }

    /** Step 3 of recovery: the logical first sequence left by retention, if above the first excerpt on disk. */
    private void applyFirstSequenceFile() {
        long persisted = readFirstSequenceFile();
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
        long cost = diskCost(record.length);
        if (appendCycle != queue.cycle()) {
            cost += newCycleBytes; // the first append of this instance, or a roll: maybe a new cycle file
        }
        disk.guard().reserve(cost, disk.margin()); // StoreFullException: nothing written
        boolean empty = seq == firstSequence;
        // Clamped to the previous message even when retention removed it: the cycle map's timestamps must not go back.
        long ts = seq == 1 ? timestampNanos : Math.max(timestampNanos, lastTimestamp);
        long index;
        boolean otherCycle = false;
        header.putLong(SEQUENCE_OFFSET, seq).putLong(TIMESTAMP_OFFSET, ts).putLong(CUMULATIVE_OFFSET, nextCumulative)
                .putInt(LENGTH_OFFSET, record.length);
        crc.reset();
        crc.update(headerBytes, 0, HEADER_SIZE);
        crc.update(record, 0, record.length);
        int checksum = (int) crc.getValue();
        try {
            ExcerptAppender app = appender();
            DocumentContext dc = app.writingDocument();
            try {
                Bytes<?> bytes = dc.wire().bytes();
                bytes.write(headerBytes);
                bytes.write(record);
                bytes.writeInt(checksum);
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
        unsynced = true;
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

    /** Disk bytes an append of a {@code recordLength}-byte record occupies, an upper bound (see EXCERPT_OVERHEAD). */
    static long diskCost(int recordLength) {
        return EXCERPT_OVERHEAD + HEADER_SIZE + CRC_SIZE + (long) recordLength;
    }

    /** Disk bytes of a cycle file before its first excerpt: 64 KiB of header pages, two index arrays. */
    static long cycleFileBytes(int indexCount) {
        return (64 << 10) + 2L * indexCount * 8;
    }

    /** Disk bytes of a new channel's queue before its first excerpt. */
    static long newQueueBytes(RollCycle rollCycle) {
        return METADATA_BYTES + cycleFileBytes(rollCycle.defaultIndexCount());
    }

    private void onNewAppendCycle(ExcerptAppender app, int cycle, long seq, long index, long ts) {
        if (cycles.isEmpty() || rollCycle.toCycle(cycles.lastFirstIndex()) != cycle) {
            if (rollCycle.toSequenceNumber(index) != 0 && !cycles.isEmpty()) {
                // Another writer used this queue: our map would be wrong from here on.
                throw corrupt("sequence " + seq + " opened cycle " + cycle + " at index 0x" + Long.toHexString(index));
            }
            cycles.add(seq, index, ts, nextCumulative);
            lowestCycleOnDisk = Math.min(lowestCycleOnDisk, cycle);
            directoryDirty = true; // Chronicle created a cycle file (and updated its metadata file)
        }
        if (appendFile != null) {
            rolledFiles.add(appendFile); // our last bytes there, and the end-of-file marker the roll wrote
        }
        appendFile = app.currentFile();
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
        try (DocumentContext dc = openExcerpt(sequence)) {
            Bytes<?> bytes = dc.wire().bytes();
            long start = bytes.readPosition();
            int length = checkExcerptSize(bytes, sequence, dc.index());
            long ts = bytes.readLong(start + TIMESTAMP_OFFSET);
            byte[] record = new byte[length];
            bytes.read(start + HEADER_SIZE, record, 0, length);
            checkCrc(bytes, length, record, sequence, dc.index());
            return new StoredMessage(sequence, ts, record);
        } catch (Throwable e) {
            throw StoreFaults.wrap("channel " + name + ": cannot read sequence " + sequence + " in " + directory, e);
        }
    }

    /** Timestamp of a stored sequence (one excerpt read). */
    private long timestampAt(long sequence) {
        return longAt(sequence, TIMESTAMP_OFFSET);
    }

    /** Cumulative field of a stored sequence: the record bytes appended before it (one excerpt read). */
    private long cumulativeAt(long sequence) {
        return longAt(sequence, CUMULATIVE_OFFSET);
    }

    private long longAt(long sequence, int offset) {
        try (DocumentContext dc = openExcerpt(sequence)) {
            Bytes<?> bytes = dc.wire().bytes();
            checkCrc(bytes, checkExcerptSize(bytes, sequence, dc.index()), null, sequence, dc.index());
            return bytes.readLong(bytes.readPosition() + offset);
        } catch (Throwable e) {
            throw StoreFaults.wrap("channel " + name + ": cannot read sequence " + sequence + " in " + directory, e);
        }
    }

    /**
     * A reading context on the excerpt of {@code sequence} (which must be stored), its sequence field verified.
     * Sequential reads skip the index lookup: a tailer is already on the next excerpt.
     */
    private DocumentContext openExcerpt(long sequence) {
        long index = cycles.indexOf(sequence);
        int cycle = rollCycle.toCycle(index);
        int t = tailerFor(index, cycle);
        ExcerptTailer tailer = tailers[t];
        boolean moved = false;
        if (tailerNext[t] != index) {
            moveTo(t, index, sequence);
            moved = true;
        }
        DocumentContext dc = tailer.readingDocument();
        if (!dc.isPresent() || dc.index() != index) {
            dc.close();
            if (!moved) {
                moveTo(t, index, sequence); // the tailer was not where we thought: look the index up
                dc = tailer.readingDocument();
            }
            if (!dc.isPresent() || dc.index() != index) {
                dc.close();
                forget(t);
                throw corrupt("sequence " + sequence + " should be at index 0x" + Long.toHexString(index)
                        + " but no excerpt is there");
            }
        }
        excerptReads++;
        tailerNext[t] = index + 1;
        tailerCycle[t] = cycle;
        tailerUsed[t] = ++useCounter;
        Bytes<?> bytes = dc.wire().bytes();
        if (bytes.readRemaining() < HEADER_SIZE
                || bytes.readLong(bytes.readPosition() + SEQUENCE_OFFSET) != sequence) {
            long found = bytes.readRemaining() < 8 ? -1 : bytes.readLong(bytes.readPosition() + SEQUENCE_OFFSET);
            dc.close();
            throw corrupt("index 0x" + Long.toHexString(index) + " holds sequence " + found + ", expected "
                    + sequence);
        }
        return dc;
    }

    /** The tailer to read {@code index} with: one already there, else one in its cycle, else a new or the LRU one. */
    private int tailerFor(long index, int cycle) {
        int sameCycle = -1;
        int lru = -1;
        for (int i = 0; i < tailerCount; i++) {
            if (tailerNext[i] == index) {
                return i;
            }
            if (sameCycle < 0 && tailerCycle[i] == cycle) {
                sameCycle = i;
            }
            if (lru < 0 || tailerUsed[i] < tailerUsed[lru]) {
                lru = i;
            }
        }
        if (sameCycle >= 0) {
            return sameCycle;
        }
        return tailerCount < MAX_TAILERS ? newTailer() : lru;
    }

    private int newTailer() {
        ExcerptTailer tailer = queue.createTailer();
        tailer.singleThreadedCheckDisabled(true);
        int t = tailerCount++;
        tailers[t] = tailer;
        forget(t);
        return t;
    }

    private void forget(int t) {
        tailerNext[t] = -1;
        tailerCycle[t] = -1;
    }

    private void moveTo(int t, long index, long sequence) {
        if (!tailers[t].moveToIndex(index)) {
            forget(t);
            throw corrupt("sequence " + sequence + " should be at index 0x" + Long.toHexString(index)
                    + " but the queue has no such index");
        }
    }

    /** Checks the excerpt's size against its record length (either format); returns the record length. */
    private int checkExcerptSize(Bytes<?> bytes, long sequence, long index) {
        String problem = sizeProblem(bytes);
        if (problem != null) {
            throw damaged(sequence, index, problem);
        }
        return bytes.readInt(bytes.readPosition() + LENGTH_OFFSET);
    }

    /** Null when the excerpt is {@code HEADER_SIZE + length} (no CRC) or {@code + CRC_SIZE} bytes, else why not. */
    private static String sizeProblem(Bytes<?> bytes) {
        long remaining = bytes.readRemaining();
        if (remaining < HEADER_SIZE) {
            return "is " + remaining + " bytes, shorter than the " + HEADER_SIZE + "-byte header";
        }
        int length = bytes.readInt(bytes.readPosition() + LENGTH_OFFSET);
        if (length < 0 || (remaining != HEADER_SIZE + (long) length
                && remaining != HEADER_SIZE + (long) length + CRC_SIZE)) {
            return "declares a " + length + "-byte record in a " + remaining + "-byte excerpt";
        }
        return null;
    }

    /**
     * Verifies the CRC of an excerpt whose size was checked ({@code length}: its record length); an excerpt without
     * one (written before checksums) passes. {@code record}: the record already copied out, or null.
     */
    private void checkCrc(Bytes<?> bytes, int length, byte[] record, long sequence, long index) {
        String problem = crcProblem(bytes, length, record);
        if (problem != null) {
            throw damaged(sequence, index, problem);
        }
    }

    private String crcProblem(Bytes<?> bytes, int length, byte[] record) {
        long start = bytes.readPosition();
        if (bytes.readRemaining() == HEADER_SIZE + (long) length) {
            return null; // the format before checksums
        }
        byte[] r = record;
        if (r == null) {
            if (recordScratch.length < length) {
                recordScratch = new byte[Math.max(length, recordScratch.length * 2)];
            }
            r = recordScratch;
            bytes.read(start + HEADER_SIZE, r, 0, length);
        }
        bytes.read(start, headerBytes, 0, HEADER_SIZE);
        crc.reset();
        crc.update(headerBytes, 0, HEADER_SIZE);
        crc.update(r, 0, length);
        int computed = (int) crc.getValue();
        int stored = bytes.readInt(start + HEADER_SIZE + length);
        return computed == stored ? null : "fails its CRC check (stored 0x" + Integer.toHexString(stored)
                + ", computed 0x" + Integer.toHexString(computed) + ")";
    }

    /**
     * Null when the excerpt in {@code bytes} is a sound record of {@code expectedSequence} (-1: any), else what is
     * wrong with it (size, sequence field, CRC).
     */
    private String excerptProblem(Bytes<?> bytes, long expectedSequence, byte[] record) {
        String problem = sizeProblem(bytes);
        if (problem != null) {
            return problem;
        }
        long seq = bytes.readLong(bytes.readPosition() + SEQUENCE_OFFSET);
        if (expectedSequence >= 0 && seq != expectedSequence) {
            return "holds sequence " + seq + ", expected " + expectedSequence;
        }
        return crcProblem(bytes, bytes.readInt(bytes.readPosition() + LENGTH_OFFSET), record);
    }

    /** The cycle file holding {@code index}. */
    private File cycleFile(long index) {
        return cycleFiles.resourceFor(rollCycle.toCycle(index)).path;
    }

    /** File offset of the excerpt payload of stored {@code sequence} (tests locate records on disk with it). */
    long payloadOffset(long sequence) {
        try (DocumentContext dc = openExcerpt(sequence)) {
            return dc.wire().bytes().readPosition();
        }
    }

    /** The cycle file holding stored {@code sequence}. */
    File cycleFileOf(long sequence) {
        return cycleFile(cycles.indexOf(sequence));
    }

    /** A record that fails its checks: a store fault naming the channel, the sequence and the file. */
    private StoreException damaged(long sequence, long index, String problem) {
        return new StoreException("channel " + name + ": sequence " + sequence + " (index 0x"
                + Long.toHexString(index) + " in " + cycleFile(index) + ") is damaged: its excerpt " + problem);
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
        // ts(first) < t <= ts(last). The cycle map's first timestamps (no read) narrow the answer to one cycle k:
        // ts(first of k) < t <= ts(first of k + 1), or ts(last) for the newest cycle. Then a lower-bound search in
        // that cycle: O(log n) excerpt reads, all in one cycle file.
        int k = cycles.lastEntryBefore(timestampNanos);
        if (k < 0) {
            return first; // cannot happen while ts(first) is the first cycle's first timestamp
        }
        long lo = Math.max(first, cycles.firstSequenceAt(k)) + 1;
        long hi = k + 1 < cycles.size() ? cycles.firstSequenceAt(k + 1) : last;
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            if (timestampAt(mid) < timestampNanos) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
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
            try (DocumentContext dc = openExcerpt(target)) {
                Bytes<?> bytes = dc.wire().bytes();
                checkCrc(bytes, checkExcerptSize(bytes, target, dc.index()), null, target, dc.index());
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
        closeTailersBefore(keepCycle);
        // Tailers leaving a cycle and closed tailers release their cycle file (unmap, close) on Chronicle's
        // background releaser thread: wait for it, so that no mapping keeps the deleted space allocated.
        BackgroundResourceReleaser.releasePendingResources();
        List<Path> doomed = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + CYCLE_SUFFIX)) {
            for (Path f : files) {
                int c = cycleOfFile(f);
                if (c != Integer.MIN_VALUE && c < keepCycle) {
                    doomed.add(f);
                }
            }
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
                lowest = Math.min(lowest, cycleOfFile(f)); // tried again at the next deletion
            }
        }
        cycles.removeFirst(keepEntry);
        rolledFiles.removeIf(f -> !f.exists());
        lowestCycleOnDisk = lowest;
        queue.refreshDirectoryListing(); // lowest cycle in metadata.cq4t, and the queue's cached cycle tree
        directoryDirty = true;
    }

    /** Closes the tailers that are (or may be) in a cycle below {@code cycle}; the others move to the front. */
    private void closeTailersBefore(int cycle) {
        int kept = 0;
        for (int i = 0; i < tailerCount; i++) {
            if (tailerCycle[i] >= cycle) {
                tailers[kept] = tailers[i];
                tailerNext[kept] = tailerNext[i];
                tailerCycle[kept] = tailerCycle[i];
                tailerUsed[kept] = tailerUsed[i];
                kept++;
            } else {
                try {
                    tailers[i].close();
                } catch (RuntimeException ignored) {
                    // a tailer that fails to close holds nothing we can release anyway
                }
            }
        }
        for (int i = kept; i < tailerCount; i++) {
            tailers[i] = null;
        }
        tailerCount = kept;
    }

    /** The cycle of a cycle file of this queue, or {@link Integer#MIN_VALUE} when the name is not one. */
    private int cycleOfFile(Path file) {
        try {
            Long cycle = cycleFiles.toLong(file.toFile());
            if (cycle == null || cycle < Integer.MIN_VALUE + 1L || cycle > Integer.MAX_VALUE) {
                return Integer.MIN_VALUE;
            }
            int c = (int) (long) cycle;
            // Only a name the queue itself would give that cycle: never delete a stray file by a lenient parse.
            return cycleFiles.resourceFor(c).path.getName().equals(file.getFileName().toString()) ? c
                    : Integer.MIN_VALUE;
        } catch (RuntimeException e) {
            return Integer.MIN_VALUE;
        }
    }

    private static String stripSuffix(String fileName) {
        return fileName.endsWith(CYCLE_SUFFIX) ? fileName.substring(0, fileName.length() - CYCLE_SUFFIX.length())
                : fileName;
    }

    /**
     * Records {@code first} in the {@code first-sequence} file. The first time (per log instance) the file is written
     * whole to a temporary file, mapped, and renamed over the old one; afterwards only its 8-byte value is stored
     * into the shared mapping: no system call, and the aligned store cannot be torn by a crash.
     */
    private void writeFirstSequence(long first) {
        MappedByteBuffer map = firstSequenceMap;
        if (map != null) {
            map.putLong(FIRST_SEQUENCE_VALUE_OFFSET, first);
            firstSequenceUnsynced = true;
            return;
        }
        Path temp = directory.resolve(FIRST_SEQUENCE_TEMP);
        Path file = directory.resolve(FIRST_SEQUENCE_FILE);
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer content = ByteBuffer.allocate(FIRST_SEQUENCE_FILE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
                content.put(FIRST_SEQUENCE_MAGIC).putLong(first).flip();
                while (content.hasRemaining()) {
                    ch.write(content);
                }
                map = ch.map(FileChannel.MapMode.READ_WRITE, 0, FIRST_SEQUENCE_FILE_SIZE);
                map.order(ByteOrder.LITTLE_ENDIAN);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (Throwable e) {
            throw StoreFaults.wrap("channel " + name + ": cannot write " + file, e);
        }
        firstSequenceMap = map;
        firstSequenceUnsynced = true;
        directoryDirty = true; // the rename
    }

    /** The sequence in the {@code first-sequence} file, or 0 when there is none or it is not one this class wrote. */
    private long readFirstSequenceFile() {
        Path file = directory.resolve(FIRST_SEQUENCE_FILE);
        if (!Files.exists(file)) {
            return 0;
        }
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new StoreException("channel " + name + ": cannot read " + file + ": " + e, e);
        }
        if (content.length != FIRST_SEQUENCE_FILE_SIZE) {
            return 0; // only a foreign or damaged file; without it the log merely keeps more messages
        }
        ByteBuffer b = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < FIRST_SEQUENCE_MAGIC.length; i++) {
            if (b.get(i) != FIRST_SEQUENCE_MAGIC[i]) {
                return 0;
            }
        }
        return Math.max(0, b.getLong(FIRST_SEQUENCE_VALUE_OFFSET));
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
        // bytes(s .. last) = nextCumulative - cumulative(s) <= maxBytes  <=>  cumulative(s) >= threshold, and the
        // cumulative field never decreases along the log: the answer is the lower bound of threshold, capped at last.
        // cumulative(first) < threshold here. The cycle map's first cumulatives (no read) narrow it to one cycle k:
        // cumulative(first of k) < threshold <= cumulative(first of k + 1), or the cap for the newest cycle.
        long threshold = nextCumulative - maxBytes;
        int k = cycles.lastEntryWithCumulativeBelow(threshold);
        if (k < 0) {
            return first; // cannot happen: the cycle holding first has a first cumulative <= cumulative(first)
        }
        long lo = Math.max(first, cycles.firstSequenceAt(k)) + 1;
        long hi = k + 1 < cycles.size() ? cycles.firstSequenceAt(k + 1) : last;
        if (lo >= hi) {
            return hi;
        }
        // Answer in [lo, hi], every probe in cycle k. Gallop from lo first (a limit enforced at every append trims
        // one or two messages: one or two reads), then a binary search in the last gap: O(log d) reads, d = answer
        // - lo.
        long step = 1;
        while (lo < hi) {
            long probe = Math.min(hi - 1, lo + step - 1);
            if (cumulativeAt(probe) < threshold) {
                lo = probe + 1;
                step <<= 1;
            } else {
                hi = probe;
                break;
            }
        }
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            if (cumulativeAt(mid) < threshold) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
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
            for (File f : rolledFiles) {
                disk.ops().fsyncFile(f.toPath());
            }
            rolledFiles.clear();
            if (unsynced && appendFile != null) {
                if (!appendFile.equals(syncChannelFile)) {
                    closeSyncChannel();
                    syncChannel = FileChannel.open(appendFile.toPath(), StandardOpenOption.WRITE);
                    syncChannelFile = appendFile;
                }
                disk.ops().force(syncChannel, appendFile.toPath(), false);
            }
            unsynced = false;
            if (firstSequenceUnsynced && firstSequenceMap != null) {
                disk.ops().force(firstSequenceMap, directory.resolve(FIRST_SEQUENCE_FILE));
            }
            firstSequenceUnsynced = false;
            if (directoryDirty) {
                Path metadata = directory.resolve(METADATA_FILE);
                if (metadata.toFile().isFile()) {
                    disk.ops().fsyncFile(metadata);
                }
                disk.ops().fsyncDirectory(directory);
                directoryDirty = false;
            }
            if (parentDirty) {
                disk.ops().fsyncDirectory(directory.getParent());
                parentDirty = false;
            }
        } catch (Throwable e) {
            // Never retried (the kernel may have dropped the dirty pages it could not write: a later fsync would
            // succeed without them), so the log refuses every further write.
            StoreException failure = StoreFaults.wrap("channel " + name + ": fsync failed in " + directory, e);
            broken = failure.getMessage();
            throw failure;
        }
    }


    private void closeSyncChannel() {
        if (syncChannel != null) {
            try {
                syncChannel.close();
            } catch (IOException ignored) {
                // only used for force(); nothing buffered
            }
            syncChannel = null;
            syncChannelFile = null;
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
        closeSyncChannel();
        RuntimeException failure = null;
        List<AutoCloseable> resources = new ArrayList<>(MAX_TAILERS + 2);
        resources.add(appender);
        for (int i = 0; i < tailerCount; i++) {
            resources.add(tailers[i]);
        }
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
        tailerCount = 0;
        MappedByteBuffer map = firstSequenceMap;
        firstSequenceMap = null;
        if (map != null) {
            try {
                IOTools.clean(map); // unmap now (no access follows: the log is closed), not at some later GC
            } catch (RuntimeException ignored) {
                // the garbage collector unmaps it eventually
            }
        }
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
        return tailerCount;
    }

    private void ensureOpen() {
        if (closed) {
            throw new StoreException("channel " + name + " is closed");
        }
        if (broken != null) {
            throw new StoreException("channel " + name + " is unusable after an earlier failure: " + broken);
        }
    }

    private StoreException corrupt(String what) {
        return new StoreException("channel " + name + " in " + directory + " is corrupt: " + what);
    }

    @Override
    public String toString() {
        return "ChronicleChannelLog[" + name + ", " + firstSequence + ".." + lastSequence + ", " + directory + "]";
    }
}
