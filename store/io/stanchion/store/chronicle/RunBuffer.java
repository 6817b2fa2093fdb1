package io.stanchion.store.chronicle;

/**
 * The SENT and ACKED events of the state journal that are not written yet, in call order, as runs: a run is one
 * event type for one subscription over consecutive sequences (a delivery pass of 1,000 messages to one subscription
 * is one run). {@link ChronicleStateStore} turns each group of adjacent runs of the same type and subscription into
 * one range record when it writes the buffer out. Fixed capacity, no allocation after construction.
 *
 * <p>Threading: the store's owner thread.
 */
final class RunBuffer {
    /** Runs held at most; the store writes the buffer out when it is full. */
    static final int CAPACITY = 4096;

    private final byte[] types = new byte[CAPACITY];
    private final long[] subs = new long[CAPACITY];
    private final long[] firsts = new long[CAPACITY];
    private final int[] counts = new int[CAPACITY];
    private int runs;
    private long events;

    /**
     * Adds one event, extending the last run when it continues it.
     *
     * @return false when the buffer is full (nothing was added)
     */
    boolean add(byte type, long subscriptionId, long sequence) {
        int last = runs - 1;
        if (last >= 0 && types[last] == type && subs[last] == subscriptionId
                && firsts[last] + counts[last] == sequence && counts[last] < Integer.MAX_VALUE) {
            counts[last]++;
            events++;
            return true;
        }
        if (runs == CAPACITY) {
            return false;
        }
        types[runs] = type;
        subs[runs] = subscriptionId;
        firsts[runs] = sequence;
        counts[runs] = 1;
        runs++;
        events++;
        return true;
    }

    boolean isEmpty() {
        return runs == 0;
    }

    int runs() {
        return runs;
    }

    /** Events added since the last {@link #clear()}. */
    long events() {
        return events;
    }

    /** End (exclusive) of the group of adjacent runs from {@code from} with the same type and subscription. */
    int groupEnd(int from) {
        int end = from + 1;
        while (end < runs && types[end] == types[from] && subs[end] == subs[from]) {
            end++;
        }
        return end;
    }

    byte type(int run) {
        return types[run];
    }

    long subscription(int run) {
        return subs[run];
    }

    long first(int run) {
        return firsts[run];
    }

    int count(int run) {
        return counts[run];
    }

    void clear() {
        runs = 0;
        events = 0;
    }
}
