package io.stanchion.store.chronicle;

import java.util.Arrays;

/**
 * Maps STAN sequences to Chronicle indices and back without touching the queue, and narrows a timestamp search to one
 * cycle.
 *
 * <p>Chronicle indices are dense within a roll cycle ({@code index = cycle << bits | n}, n = 0, 1, 2 ...) and every
 * appended excerpt takes the next sequence, so one entry per non-empty cycle is enough: the first sequence stored in
 * the cycle, the index of that excerpt, its timestamp and its cumulative field (the record bytes of the channel before
 * it). Any sequence maps to {@code firstIndex + (sequence - firstSequence)} of the last entry whose first sequence is
 * not above it. Entries are kept in four parallel arrays; all four columns are non-decreasing (sequences and indices
 * strictly increasing), so every lookup is a binary search over at most a few hundred entries (one per cycle file on
 * disk). Retention drops entries from the front ({@link #removeFirst}) when it deletes their cycle files.
 *
 * <p>Not thread-safe: owned by the log's owner thread.
 */
final class SequenceIndexMap {

    private long[] firstSequences = new long[8];
    private long[] firstIndexes = new long[8];
    private long[] firstTimestamps = new long[8];
    private long[] firstCumulatives = new long[8];
    private int size;

    /** Adds the first excerpt of a new cycle. Sequence and index must be above those of the previous entry. */
    void add(long firstSequence, long firstIndex, long firstTimestamp, long firstCumulative) {
        if (size > 0 && (firstSequence <= firstSequences[size - 1] || firstIndex <= firstIndexes[size - 1])) {
            throw new IllegalArgumentException("cycle entry (" + firstSequence + ", 0x" + Long.toHexString(firstIndex)
                    + ") is not after (" + firstSequences[size - 1] + ", 0x"
                    + Long.toHexString(firstIndexes[size - 1]) + ")");
        }
        if (size == firstSequences.length) {
            firstSequences = Arrays.copyOf(firstSequences, size * 2);
            firstIndexes = Arrays.copyOf(firstIndexes, size * 2);
            firstTimestamps = Arrays.copyOf(firstTimestamps, size * 2);
            firstCumulatives = Arrays.copyOf(firstCumulatives, size * 2);
        }
        firstSequences[size] = firstSequence;
        firstIndexes[size] = firstIndex;
        firstTimestamps[size] = firstTimestamp;
        firstCumulatives[size] = firstCumulative;
        size++;
    }

    /** Drops the first {@code count} entries (their cycles were deleted). */
    void removeFirst(int count) {
        if (count < 0 || count > size) {
            throw new IndexOutOfBoundsException("cannot remove " + count + " of " + size + " entries");
        }
        if (count == 0) {
            return;
        }
        int rest = size - count;
        System.arraycopy(firstSequences, count, firstSequences, 0, rest);
        System.arraycopy(firstIndexes, count, firstIndexes, 0, rest);
        System.arraycopy(firstTimestamps, count, firstTimestamps, 0, rest);
        System.arraycopy(firstCumulatives, count, firstCumulatives, 0, rest);
        size = rest;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    long firstSequenceAt(int entry) {
        checkEntry(entry);
        return firstSequences[entry];
    }

    long firstIndexAt(int entry) {
        checkEntry(entry);
        return firstIndexes[entry];
    }

    long firstTimestampAt(int entry) {
        checkEntry(entry);
        return firstTimestamps[entry];
    }

    long firstCumulativeAt(int entry) {
        checkEntry(entry);
        return firstCumulatives[entry];
    }

    /** The entry whose cycle holds {@code sequence} (the last one whose first sequence is not above it), or -1. */
    int entryOf(long sequence) {
        return floor(firstSequences, sequence);
    }

    /** Index of the first excerpt of the newest cycle. */
    long lastFirstIndex() {
        checkEntry(size - 1);
        return firstIndexes[size - 1];
    }

    /**
     * The Chronicle index of {@code sequence}, assuming it is stored (the caller checks the range); a sequence below
     * the first entry's throws.
     */
    long indexOf(long sequence) {
        int entry = floor(firstSequences, sequence);
        if (entry < 0) {
            throw new IllegalArgumentException("sequence " + sequence + " is below the first mapped sequence");
        }
        return firstIndexes[entry] + (sequence - firstSequences[entry]);
    }

    /** The sequence stored at Chronicle {@code index}, assuming the index holds one of this log's excerpts. */
    long sequenceOf(long index) {
        int entry = floor(firstIndexes, index);
        if (entry < 0) {
            throw new IllegalArgumentException("index 0x" + Long.toHexString(index) + " is below the first mapped index");
        }
        return firstSequences[entry] + (index - firstIndexes[entry]);
    }

    /** The last entry whose first timestamp is strictly below {@code timestamp}, or -1. */
    int lastEntryBefore(long timestamp) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (firstTimestamps[mid] < timestamp) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return hi;
    }

    /** The last entry whose first cumulative is strictly below {@code cumulative}, or -1. */
    int lastEntryWithCumulativeBelow(long cumulative) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (firstCumulatives[mid] < cumulative) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return hi;
    }

    /** Position of the last element {@code <= key} in the first {@code size} elements, or -1. */
    private int floor(long[] sorted, long key) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= key) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return hi;
    }

    private void checkEntry(int entry) {
        if (entry < 0 || entry >= size) {
            throw new IndexOutOfBoundsException("entry " + entry + " of " + size);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SequenceIndexMap[");
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(firstSequences[i]).append("->0x").append(Long.toHexString(firstIndexes[i]))
                    .append('@').append(firstTimestamps[i]).append('+').append(firstCumulatives[i]);
        }
        return sb.append(']').toString();
    }
}
