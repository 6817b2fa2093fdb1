package io.stanchion.store.chronicle;

/**
 * The searches of a channel log that read excerpts: the first sequence at or after a timestamp
 * ({@code sequenceAtOrAfter}) and the first sequence whose cumulative byte count reaches a threshold
 * ({@code firstSequenceWithinBytes}). The cycle map's first timestamps and first cumulatives ({@link SequenceIndexMap},
 * no read) narrow each search to one cycle; inside it, a binary search (or a gallop, then a binary search) reads one
 * field per probe ({@link ExcerptReader}): O(log n) excerpt reads, all in one cycle file. The log answers what its
 * cached first and last values decide before it asks here.
 *
 * <p>Threading: the log's owner thread.
 */
final class SequenceSearch {
    private final SequenceIndexMap cycles;
    private final ExcerptReader reader;

    SequenceSearch(SequenceIndexMap cycles, ExcerptReader reader) {
        this.cycles = cycles;
        this.reader = reader;
    }

    /**
     * The first sequence after {@code first} whose timestamp is at least {@code timestampNanos}, given
     * ts(first) &lt; timestampNanos &lt;= ts(last) (so at most {@code last}).
     */
    long sequenceAtOrAfter(long timestampNanos, long first, long last) {
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
            if (reader.timestampAt(mid) < timestampNanos) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * The first sequence after {@code first} whose cumulative field is at least {@code threshold}, capped at
     * {@code last}, given cumulative(first) &lt; threshold.
     */
    long firstWithCumulativeAtLeast(long threshold, long first, long last) {
        // bytes(s .. last) = nextCumulative - cumulative(s) <= maxBytes  <=>  cumulative(s) >= threshold, and the
        // cumulative field never decreases along the log: the answer is the lower bound of threshold, capped at last.
        // cumulative(first) < threshold here. The cycle map's first cumulatives (no read) narrow it to one cycle k:
        // cumulative(first of k) < threshold <= cumulative(first of k + 1), or the cap for the newest cycle.
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
            if (reader.cumulativeAt(probe) < threshold) {
                lo = probe + 1;
                step <<= 1;
            } else {
                hi = probe;
                break;
            }
        }
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            if (reader.cumulativeAt(mid) < threshold) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
