package io.stanchion.store.memory;

import io.stanchion.store.ChannelLog;
import io.stanchion.store.StoreException;
import io.stanchion.store.StoredMessage;

import java.util.Arrays;
import java.util.Objects;

/**
 * In-memory {@link ChannelLog}: three parallel growable arrays (timestamps, records, cumulative sizes); the stored
 * messages occupy slots {@code head .. tail - 1}, the one at {@code head} being {@link #firstSequence()}.
 *
 * <p>Records are copied on {@link #append} (the caller may reuse its array) and on {@link #read} (the caller owns
 * the returned array). A timestamp lower than the previous message's (removed or not) is stored as the previous one,
 * so the log stays sorted by time and {@link #sequenceAtOrAfter} stays a binary search.
 *
 * <p>{@link #removeBefore} advances {@code head} and drops the removed records (O(removed)); the freed slots at the
 * front are reclaimed when the arrays fill up: the live part is moved to the front instead of growing when it uses
 * at most half of the capacity, so a log trimmed by a limit at every append stays amortised O(1) per append. Removed
 * records are released at once; the slot arrays keep their peak capacity (24 bytes a slot). {@code cumulative[i]} is
 * the sum of the sizes of every message appended before slot {@code i}'s (removed ones included), which makes
 * {@link #byteCount()} O(1) and {@link #firstSequenceWithinBytes} a binary search.
 */
final class MemoryChannelLog implements ChannelLog {

    private static final int INITIAL_CAPACITY = 16;
    /** Largest array length the JVM reliably allocates. */
    private static final int MAX_CAPACITY = Integer.MAX_VALUE - 8;

    private final String name;

    // Owner-thread state.
    private long[] timestamps = new long[INITIAL_CAPACITY];
    private byte[][] records = new byte[INITIAL_CAPACITY][];
    private long[] cumulatives = new long[INITIAL_CAPACITY];
    /** Slot of the first stored message. */
    private int head;
    /** Slot after the last stored message. */
    private int tail;
    /** Sum of the sizes of every message ever appended. */
    private long nextCumulative;
    /** Timestamp of the last appended message (kept when it is removed), for the non-decreasing clamp. */
    private long lastTimestamp;
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
        if (tail == timestamps.length) {
            makeRoom();
        }
        long ts = lastSequence > 0 ? Math.max(timestampNanos, lastTimestamp) : timestampNanos;
        timestamps[tail] = ts;
        records[tail] = record.clone();
        cumulatives[tail] = nextCumulative;
        tail++;
        long seq = lastSequence + 1;
        lastTimestamp = ts;
        nextCumulative += record.length;
        byteCount = nextCumulative - cumulatives[head];
        lastSequence = seq;
        return seq;
    }

    /** Frees a slot at the end: moves the live part to the front, growing the arrays when it fills more than half. */
    private void makeRoom() {
        int capacity = timestamps.length;
        int live = tail - head;
        int newCapacity = capacity;
        if (live > capacity / 2) {
            if (capacity >= MAX_CAPACITY) {
                throw new StoreException("channel " + name + ": memory log is full (" + live + " messages)");
            }
            newCapacity = (int) Math.min(MAX_CAPACITY, capacity * 2L);
        }
        if (newCapacity == capacity) {
            System.arraycopy(timestamps, head, timestamps, 0, live);
            System.arraycopy(records, head, records, 0, live);
            System.arraycopy(cumulatives, head, cumulatives, 0, live);
            Arrays.fill(records, live, tail, null);
        } else {
            long[] ts = new long[newCapacity];
            byte[][] recs = new byte[newCapacity][];
            long[] cums = new long[newCapacity];
            System.arraycopy(timestamps, head, ts, 0, live);
            System.arraycopy(records, head, recs, 0, live);
            System.arraycopy(cumulatives, head, cums, 0, live);
            timestamps = ts;
            records = recs;
            cumulatives = cums;
        }
        head = 0;
        tail = live;
    }

    @Override
    public StoredMessage read(long sequence) {
        ensureOpen();
        long first = firstSequence;
        if (sequence < first || sequence > lastSequence) {
            return null;
        }
        int i = slot(sequence);
        return new StoredMessage(sequence, timestamps[i], records[i].clone());
    }

    private int slot(long sequence) {
        return head + (int) (sequence - firstSequence);
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
        // Read last before first: both only grow and first <= last + 1, so a racing reader never sees a negative
        // count.
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
        // Lower bound: first slot whose timestamp is >= timestampNanos (tail when none).
        int lo = head;
        int hi = tail;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (timestamps[mid] < timestampNanos) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return firstSequence + (lo - head);
    }

    @Override
    public void removeBefore(long sequence) {
        ensureOpen();
        long target = Math.min(sequence, lastSequence + 1);
        long first = firstSequence;
        if (target <= first) {
            return;
        }
        int newHead = head + (int) (target - first);
        Arrays.fill(records, head, newHead, null);
        if (newHead == tail) {
            head = 0;
            tail = 0;
        } else {
            head = newHead;
        }
        firstSequence = target;
        byteCount = head < tail ? nextCumulative - cumulatives[head] : 0;
    }

    @Override
    public long firstSequenceWithinBytes(long maxBytes) {
        ensureOpen();
        long first = firstSequence;
        if (head == tail || (maxBytes >= 0 && byteCount <= maxBytes)) {
            return first;
        }
        if (maxBytes < 0) {
            return lastSequence;
        }
        // Smallest slot i in [head, tail - 1] with nextCumulative - cumulative[i] <= maxBytes, else the last slot.
        long threshold = nextCumulative - maxBytes;
        int hi = tail - 1;
        int lo = Math.min(head + 1, hi); // head itself does not fit (byteCount > maxBytes); one message: keep it
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulatives[mid] < threshold) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return first + (lo - head);
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
        cumulatives = new long[0];
        head = 0;
        tail = 0;
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
