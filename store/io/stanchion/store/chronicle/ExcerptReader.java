package io.stanchion.store.chronicle;

import io.stanchion.store.StoreException;
import io.stanchion.store.StoredMessage;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

import java.util.List;

import static io.stanchion.store.chronicle.MessageExcerptFormat.CUMULATIVE_OFFSET;
import static io.stanchion.store.chronicle.MessageExcerptFormat.HEADER_SIZE;
import static io.stanchion.store.chronicle.MessageExcerptFormat.LENGTH_OFFSET;
import static io.stanchion.store.chronicle.MessageExcerptFormat.SEQUENCE_OFFSET;
import static io.stanchion.store.chronicle.MessageExcerptFormat.TIMESTAMP_OFFSET;

/**
 * Reads a channel log's stored excerpts by sequence: the sequence's Chronicle index from the cycle map
 * ({@link SequenceIndexMap}), a tailer moved there ({@code moveToIndex}) unless one is already on it, and the excerpt
 * checked (its sequence field, size and CRC, {@link MessageExcerptFormat}) before anything of it is returned.
 *
 * <p>It keeps up to {@link #MAX_TAILERS} tailers, each left in the cycle it last read. Moving a tailer to another
 * cycle maps that cycle file (and unmaps the one it leaves when nothing else holds it), about a millisecond; with
 * several tailers, readers working in different cycles (a replay from old cycles while recent messages are read too)
 * do not make one tailer bounce between files. Created on demand: a log read in one cycle has one tailer (the one
 * recovery used). Sequential reads skip the index lookup: a tailer is already on the next excerpt.
 *
 * <p>Threading: the log's owner thread. Chronicle's own single-thread check is switched off on the tailers because
 * the log may be recovered on a thread other than the one that later owns it.
 */
final class ExcerptReader {
    static final int MAX_TAILERS = 4;

    private final ChannelQueue channel;
    private final SequenceIndexMap cycles;
    private final MessageExcerptFormat format;
    /** Up to {@link #MAX_TAILERS} tailers, each left in the cycle it last read. */
    private final ExcerptTailer[] tailers = new ExcerptTailer[MAX_TAILERS];
    /** Per tailer: the index it reads next without a move (i + 1 after reading index i), or -1. */
    private final long[] tailerNext = new long[MAX_TAILERS];
    /** Per tailer: the cycle it is in, or -1. */
    private final int[] tailerCycle = new int[MAX_TAILERS];
    /** Per tailer: when it was last used ({@link #useCounter}), for least-recently-used replacement. */
    private final long[] tailerUsed = new long[MAX_TAILERS];
    private int tailerCount;
    private long useCounter;
    /** Excerpts read (each {@code read}, each timestamp or cumulative probe, and recovery's); for tests. */
    private long excerptReads;

    ExcerptReader(ChannelQueue channel, SequenceIndexMap cycles, MessageExcerptFormat format) {
        this.channel = channel;
        this.cycles = cycles;
        this.format = format;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Recovery's tailer

    /** The first tailer, for recovery's reads (which it counts with {@link #countRead()}). */
    ExcerptTailer newRecoveryTailer() {
        return tailers[newTailer()];
    }

    /** Recovery's tailer has read {@code lastIndex}, the last excerpt: sequential reads go on from there. */
    void recoveryTailerAfter(long lastIndex) {
        tailerNext[0] = lastIndex + 1;
        tailerCycle[0] = channel.rollCycle.toCycle(lastIndex);
    }

    /** Counts an excerpt read by recovery. */
    void countRead() {
        excerptReads++;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Reads

    /** The stored message of {@code sequence}, which must be stored. */
    StoredMessage read(long sequence) {
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
            throw StoreFaults.wrap("channel " + channel.name + ": cannot read sequence " + sequence + " in "
                    + channel.directory, e);
        }
    }

    /** Timestamp of a stored sequence (one excerpt read). */
    long timestampAt(long sequence) {
        return longAt(sequence, TIMESTAMP_OFFSET);
    }

    /** Cumulative field of a stored sequence: the record bytes appended before it (one excerpt read). */
    long cumulativeAt(long sequence) {
        return longAt(sequence, CUMULATIVE_OFFSET);
    }

    private long longAt(long sequence, int offset) {
        try (DocumentContext dc = openExcerpt(sequence)) {
            Bytes<?> bytes = dc.wire().bytes();
            check(bytes, sequence, dc.index());
            return bytes.readLong(bytes.readPosition() + offset);
        } catch (Throwable e) {
            throw StoreFaults.wrap("channel " + channel.name + ": cannot read sequence " + sequence + " in "
                    + channel.directory, e);
        }
    }

    /**
     * A reading context on the excerpt of {@code sequence} (which must be stored), its sequence field verified.
     * Sequential reads skip the index lookup: a tailer is already on the next excerpt.
     */
    DocumentContext openExcerpt(long sequence) {
        long index = cycles.indexOf(sequence);
        int cycle = channel.rollCycle.toCycle(index);
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
                throw channel.corrupt("sequence " + sequence + " should be at index 0x" + Long.toHexString(index)
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
            throw channel.corrupt("index 0x" + Long.toHexString(index) + " holds sequence " + found + ", expected "
                    + sequence);
        }
        return dc;
    }

    /** Checks the size and CRC of the excerpt of {@code sequence} opened by {@link #openExcerpt}. */
    void check(Bytes<?> bytes, long sequence, long index) {
        checkCrc(bytes, checkExcerptSize(bytes, sequence, index), null, sequence, index);
    }

    /** Checks the excerpt's size against its record length (either format); returns the record length. */
    private int checkExcerptSize(Bytes<?> bytes, long sequence, long index) {
        String problem = MessageExcerptFormat.sizeProblem(bytes);
        if (problem != null) {
            throw damaged(sequence, index, problem);
        }
        return bytes.readInt(bytes.readPosition() + LENGTH_OFFSET);
    }

    /**
     * Verifies the CRC of an excerpt whose size was checked ({@code length}: its record length); an excerpt without
     * one (written before checksums) passes. {@code record}: the record already copied out, or null.
     */
    private void checkCrc(Bytes<?> bytes, int length, byte[] record, long sequence, long index) {
        String problem = format.crcProblem(bytes, length, record);
        if (problem != null) {
            throw damaged(sequence, index, problem);
        }
    }

    /** A record that fails its checks: a store fault naming the channel, the sequence and the file. */
    private StoreException damaged(long sequence, long index, String problem) {
        return new StoreException("channel " + channel.name + ": sequence " + sequence + " (index 0x"
                + Long.toHexString(index) + " in " + channel.cycleFile(index) + ") is damaged: its excerpt " + problem);
    }

    /** File offset of the excerpt payload of stored {@code sequence} (tests locate records on disk with it). */
    long payloadOffset(long sequence) {
        try (DocumentContext dc = openExcerpt(sequence)) {
            return dc.wire().bytes().readPosition();
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Tailers

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
        ExcerptTailer tailer = channel.queue.createTailer();
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
            throw channel.corrupt("sequence " + sequence + " should be at index 0x" + Long.toHexString(index)
                    + " but the queue has no such index");
        }
    }

    /** Closes the tailers that are (or may be) in a cycle below {@code cycle}; the others move to the front. */
    void closeTailersBefore(int cycle) {
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

    /** Adds the open tailers to {@code resources} (the log closes them) and forgets them. */
    void releaseTailers(List<AutoCloseable> resources) {
        for (int i = 0; i < tailerCount; i++) {
            resources.add(tailers[i]);
        }
        tailerCount = 0;
    }

    int tailerCount() {
        return tailerCount;
    }

    long excerptReads() {
        return excerptReads;
    }
}
