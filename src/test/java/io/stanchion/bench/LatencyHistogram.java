package io.stanchion.bench;

/**
 * A small log-linear histogram of non-negative long values (nanoseconds here): every power of two is split into 16
 * linear sub-buckets, so a reported percentile is within 1/16 (6.25 %) of the true value; values below 32 are exact.
 * 976 buckets cover the whole long range, so nothing is ever clamped. Not thread-safe: each recording thread keeps
 * its own and they are {@link #add merged} at the end.
 */
public final class LatencyHistogram {
    private static final int SUB_BITS = 4;
    private static final int SUB = 1 << SUB_BITS;                  // 16 sub-buckets per power of two
    private static final int LINEAR = 2 * SUB;                     // values below 32 have their own bucket
    private static final int BUCKETS = LINEAR + (63 - SUB_BITS) * SUB;

    private final long[] counts = new long[BUCKETS];
    private long total;
    private long min = Long.MAX_VALUE;
    private long max;
    private double sum;

    static int index(long v) {
        if (v < LINEAR) {
            return (int) v;
        }
        int msb = 63 - Long.numberOfLeadingZeros(v);               // >= 5
        int sub = (int) (v >>> (msb - SUB_BITS)) & (SUB - 1);
        return LINEAR + (msb - SUB_BITS - 1) * SUB + sub;
    }

    /** The largest value that falls into bucket {@code i}. */
    static long highestIn(int i) {
        if (i < LINEAR) {
            return i;
        }
        int msb = (i - LINEAR) / SUB + SUB_BITS + 1;
        long sub = (i - LINEAR) % SUB;
        long lowest = (SUB + sub) << (msb - SUB_BITS);
        return lowest + (1L << (msb - SUB_BITS)) - 1;
    }

    public void record(long value) {
        long v = Math.max(0, value);
        counts[index(v)]++;
        total++;
        sum += v;
        if (v < min) {
            min = v;
        }
        if (v > max) {
            max = v;
        }
    }

    public void add(LatencyHistogram other) {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        sum += other.sum;
        min = Math.min(min, other.min);
        max = Math.max(max, other.max);
    }

    public long count() {
        return total;
    }

    public long max() {
        return total == 0 ? 0 : max;
    }

    public long min() {
        return total == 0 ? 0 : min;
    }

    public double mean() {
        return total == 0 ? 0 : sum / total;
    }

    /** The value at percentile {@code p} (0..100), as the upper edge of its bucket (capped at the maximum seen). */
    public long percentile(double p) {
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(p / 100.0 * total);
        if (rank < 1) {
            rank = 1;
        }
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(highestIn(i), max);
            }
        }
        return max;
    }

    /** "p50=.. p90=.. p99=.. p99.9=.. max=.." in microseconds. */
    public String summaryMicros() {
        if (total == 0) {
            return "n/a";
        }
        return String.format("p50=%s p90=%s p99=%s p99.9=%s max=%s us (%d samples)", us(percentile(50)),
                us(percentile(90)), us(percentile(99)), us(percentile(99.9)), us(max()), total);
    }

    static String us(long nanos) {
        double u = nanos / 1000.0;
        return u >= 100 ? String.format("%.0f", u) : String.format("%.1f", u);
    }
}
