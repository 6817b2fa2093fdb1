package io.stanchion.store.chronicle;

import io.stanchion.store.StoreException;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

import java.text.ParseException;

import static io.stanchion.store.chronicle.MessageExcerptFormat.CUMULATIVE_OFFSET;
import static io.stanchion.store.chronicle.MessageExcerptFormat.LENGTH_OFFSET;
import static io.stanchion.store.chronicle.MessageExcerptFormat.SEQUENCE_OFFSET;
import static io.stanchion.store.chronicle.MessageExcerptFormat.TIMESTAMP_OFFSET;

/**
 * Recovers a channel log from its queue at open, reading (cycles + 1) excerpts whatever the log's size: the first
 * excerpt of every non-empty cycle builds the cycle map ({@link SequenceIndexMap}: first sequence, index, timestamp
 * and cumulative field per cycle), and the last excerpt of the queue gives the last sequence, the last timestamp and
 * the byte count. It checks that each cycle starts at the previous cycle's first sequence plus that cycle's excerpt
 * count (from Chronicle's index, no excerpt read), that the last excerpt holds the sequence the map predicts, and the
 * size, sequence field and CRC of every excerpt it reads ({@link MessageExcerptFormat}). A mismatch is a
 * {@link StoreException} naming the channel directory; a damaged tail (the last record, or the first record of the
 * last cycle) is, with truncateBadTail, a {@link DamagedTailException} carrying the last good sequence, which the
 * store cuts the log back to ({@link ChannelRebuild}) before opening it again.
 *
 * <p>The results are this object's fields, which the log takes over; the logical first sequence left by retention
 * ({@link FirstSequenceFile}) is applied by the log afterwards.
 *
 * <p>Threading: the thread opening the log, once.
 */
final class ChannelLogRecovery {
    private final ChannelQueue channel;
    private final SingleChronicleQueue queue;
    private final RollCycle rollCycle;
    private final MonotonicTimeProvider clock;
    private final SequenceIndexMap cycles;
    private final ExcerptReader reader;
    private final MessageExcerptFormat format;
    /** A damaged tail is reported as a {@link DamagedTailException} (with the last good sequence). */
    private final boolean truncateBadTail;

    // ---- results ----
    /** The lowest cycle with a file on disk, {@link Integer#MAX_VALUE} when there is none. */
    int lowestCycleOnDisk = Integer.MAX_VALUE;
    long firstSequence = 1;
    long lastSequence;
    long firstTimestamp;
    long lastTimestamp;
    long firstCumulative;
    long nextCumulative;

    /**
     * Recovery of {@code channel}'s log into {@code cycles} (empty), reading with {@code reader}'s first tailer.
     *
     * @param clock the time provider the queue was built with: raised to the newest cycle on disk
     */
    ChannelLogRecovery(ChannelQueue channel, MonotonicTimeProvider clock, SequenceIndexMap cycles,
                       ExcerptReader reader, MessageExcerptFormat format, boolean truncateBadTail) {
        this.channel = channel;
        this.queue = channel.queue;
        this.rollCycle = channel.rollCycle;
        this.clock = clock;
        this.cycles = cycles;
        this.reader = reader;
        this.format = format;
        this.truncateBadTail = truncateBadTail;
    }


    /**
     * Reads the queue into the cycle map and this object's results; the log stays empty (first 1, last 0) when the
     * queue has no message.
     *
     * @throws StoreException when the log is corrupt ({@link DamagedTailException} for a damaged tail with
     *                        truncateBadTail)
     */
    void recover() {
        ExcerptTailer tailer = reader.newRecoveryTailer();
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
                            String problem = format.excerptProblem(bytes, cycles.isEmpty() ? -1 : previousCycleEnd,
                                    null);
                            if (problem != null && truncateBadTail && !cycles.isEmpty() && found == lastCycle) {
                                // The damage starts the last cycle: a damaged tail (the whole cycle goes).
                                lastCycleProblem = problem;
                                lastCycleIndex = index;
                                break;
                            }
                            if (problem != null) {
                                throw channel.corrupt("the first record of cycle " + found
                                        + (cycles.isEmpty() ? "" : ", sequence " + previousCycleEnd) + " (index 0x"
                                        + Long.toHexString(index) + " in " + channel.cycleFile(index) + "), "
                                        + problem);
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
                                throw channel.corrupt("cycle " + found + " starts at sequence " + seq + ", expected "
                                        + previousCycleEnd + " (the previous cycle's first sequence + its count)");
                            }
                            cycles.add(seq, index, ts, cumulative);
                            reader.countRead();
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
                throw channel.corrupt("unreadable cycle file name after cycle " + cycle + ": " + e.getMessage());
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
            throw channel.corrupt("cannot read the last excerpt (index 0x" + Long.toHexString(lastIndex) + ")");
        }
        long lastSeq;
        String tailProblem;
        try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent() || dc.index() != lastIndex) {
                throw channel.corrupt("cannot read the last excerpt (index 0x" + Long.toHexString(lastIndex) + ")");
            }
            Bytes<?> bytes = dc.wire().bytes();
            long expected = cycles.sequenceOf(lastIndex);
            if (expected != previousCycleEnd - 1) {
                throw channel.corrupt("the last excerpt is sequence " + expected + " by the cycle map but "
                        + (previousCycleEnd - 1) + " by the cycle count");
            }
            lastSeq = expected;
            tailProblem = format.excerptProblem(bytes, expected, null);
            if (tailProblem == null) {
                int length = bytes.readInt(bytes.readPosition() + LENGTH_OFFSET);
                lastTimestamp = bytes.readLong(bytes.readPosition() + TIMESTAMP_OFFSET);
                nextCumulative = bytes.readLong(bytes.readPosition() + CUMULATIVE_OFFSET) + length;
            }
            reader.countRead();
        }
        if (tailProblem != null) {
            throw damagedTail(tailer, lastSeq, lastSeq, lastIndex, tailProblem);
        }
        reader.recoveryTailerAfter(lastIndex);
        firstSequence = firstSeq;
        lastSequence = lastSeq;
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
                + " (index 0x" + Long.toHexString(damagedIndex) + " in " + channel.cycleFile(damagedIndex) + "), "
                + problem;
        if (!truncateBadTail) {
            return channel.corrupt(what
                    + " (opening with --file_truncate_bad_eof cuts the log back to the last good record)");
        }
        long first = cycles.firstSequenceAt(0);
        long good = damagedSeq - 1;
        for (; good >= first; good--) {
            long index = cycles.indexOf(good);
            if (!tailer.moveToIndex(index)) {
                continue;
            }
            try (DocumentContext dc = tailer.readingDocument()) {
                if (dc.isPresent() && dc.index() == index
                        && format.excerptProblem(dc.wire().bytes(), good, null) == null) {
                    break;
                }
            }
        }
        return new DamagedTailException(channel.corrupt(what).getMessage(), good, lastSeq);
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
}
