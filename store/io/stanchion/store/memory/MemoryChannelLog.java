package io.stanchion.store.memory;

import io.stanchion.store.ChannelLog;
import io.stanchion.store.StoreException;
import io.stanchion.store.StoredMessage;

import java.util.Arrays;
import java.util.Objects;

/**
 * In-memory {@link ChannelLog}: two parallel growable arrays (timestamps and records) indexed by
 * {@code sequence - firstSequence}.
 *
 * <p>Records are copied on {@link #append} (the caller may reuse its array) and on {@link #read} (the caller owns
 * the returned array). A timestamp lower than the previous message's is stored as the previous one, so the log stays
 * sorted by time and {@link #sequenceAtOrAfter} stays a binary search.
 */
final class MemoryChannelLog implements ChannelLog {

    private static final int INITIAL_CAPACITY = 16;
    /** Largest array length the JVM reliably allocates. */
    private static final int MAX_CAPACITY = Integer.MAX_VALUE - 8;

    private final String name;

    // Owner-thread state.
    private long[] timestamps = new long[INITIAL_CAPACITY];
    private byte[][] records = new byte[INITIAL_CAPACITY][];
    private int size;
    private boolean closed;

    // Written by the owner thread only; volatile so that monitoring threads see recent values.
    private volatile long firstSequence = 1;
    private volatile long lastSequence;
    private volatile long byteCount;

    MemoryChannelLog(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long append(long timestampNanos, byte[] record) {
        Objects.requireNonNull(record, "record");
        ensureOpen();
        if (size == timestamps.length) {
            grow();
        }
        long ts = size > 0 ? Math.max(timestampNanos, timestamps[size - 1]) : timestampNanos;
        timestamps[size] = ts;
        records[size] = record.clone();
        size++;
        long seq = lastSequence + 1;
        byteCount += record.length;
        lastSequence = seq;
        return seq;
    }

    private void grow() {
        int capacity = timestamps.length;
        if (capacity >= MAX_CAPACITY) {
            throw new StoreException("channel " + name + ": memory log is full (" + capacity + " messages)");
        }
        int newCapacity = (int) Math.min(MAX_CAPACITY, capacity * 2L);
        timestamps = Arrays.copyOf(timestamps, newCapacity);
        records = Arrays.copyOf(records, newCapacity);
    }

    @Override
    public StoredMessage read(long sequence) {
        ensureOpen();
        long first = firstSequence;
        if (sequence < first || sequence > lastSequence) {
            return null;
        }
        int i = (int) (sequence - first);
        return new StoredMessage(sequence, timestamps[i], records[i].clone());
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
        // Read last before first: both only grow, so a racing reader never sees a negative count.
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
        // Lower bound: first index whose timestamp is >= timestampNanos (size when none).
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (timestamps[mid] < timestampNanos) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return firstSequence + lo;
    }

    @Override
    public void flush(boolean fsync) {
        ensureOpen();
        // Nothing to do: the log lives and dies with the process.
    }

    @Override
    public void close() {
        closed = true;
        timestamps = new long[0];
        records = new byte[0][];
        size = 0;
    }

    private void ensureOpen() {
        if (closed) {
            throw new StoreException("channel " + name + " is closed");
        }
    }

    @Override
    public String toString() {
        return "MemoryChannelLog[" + name + ", " + firstSequence + ".." + lastSequence + "]";
    }
}
