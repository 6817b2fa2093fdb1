package io.stanchion.monitor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigDecimal;

/**
 * A Prometheus histogram written by one thread (the engine's) and rendered by others, for the series recorded per
 * published message where a Micrometer {@code Timer} costs too much.
 *
 * <p>Buckets are log-linear: values up to 8 units have a bucket each, and above that every power of two is split
 * into 4 equal buckets, so each bound is at most 1.25 times the one before. A unit is {@code 2^unitShift}; for
 * latencies (nanoseconds) it is 256 ns and the bounds run from 256 ns to 10.7 s (97 buckets), for batch sizes it is 1
 * and they run from 1 to 4096 (44 buckets); anything above the last bound counts in {@code +Inf} only. A value's
 * bucket is computed, not searched: its power of two ({@link Long#numberOfLeadingZeros}) and the next two bits.
 * Bucket {@code i} counts the values {@code v <= bound(i)}, so the index is taken of {@code v - 1}.
 *
 * <p>Threading: {@link #record} must only ever be called by one thread. It writes plain longs (opaque stores: no
 * fence on x86), the sum last with a release store. A reader takes the sum with an acquire load before the buckets, so
 * every value the sum it reads includes is counted in the buckets it reads; {@code _count} is rendered as the total of
 * the buckets read (equal to {@code +Inf} by construction), and every bucket only grows from one read to the next.
 *
 * <p>{@code _max} is, as Micrometer's, the largest value of the last 80 to 120 seconds: the writer keeps the largest
 * value since the last render, which a render takes (and resets) into a ring of three 40-second slots (a value recorded
 * before a long pause between scrapes counts in the slot of the scrape that takes it).
 */
final class Histogram {
    private static final int SUB_BITS = 2;
    private static final int SLOTS = 3;
    private static final long SLOT_NANOS = 40_000_000_000L;
    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle SUM;
    private static final VarHandle MAX;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            SUM = l.findVarHandle(Histogram.class, "sum", long.class);
            MAX = l.findVarHandle(Histogram.class, "max", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final String help;
    private final int unitShift;
    /** Decimal places of the rendered values: 9 renders nanoseconds as seconds. */
    private final int scale;
    private final long[] bounds;
    private final String[] le;
    /** One count per bound, and last the values above every bound ({@code +Inf}): index {@code bounds.length}. */
    private final long[] counts;
    private final int overflow;
    private long sum;
    private long max;

    // reader side, guarded by this
    private final long[] window = new long[SLOTS];
    private int slot;
    private long slotStart;

    /** Latencies recorded in nanoseconds, rendered in seconds: 256 ns to 10.7 s. */
    static Histogram latency(String name, String help) {
        return new Histogram(name, help, 8, 10_000_000_000L, 9, System.nanoTime());
    }

    /** Whole numbers from 1 to {@code highest} (rounded up to a bucket bound). */
    static Histogram sizes(String name, String help, long highest) {
        return new Histogram(name, help, 0, highest, 0, System.nanoTime());
    }

    /**
     * @param unitShift the linear buckets at the bottom are {@code 2^unitShift} wide
     * @param highest   the last finite bound is the one of the bucket that counts this value
     * @param now       {@link System#nanoTime} for the max's time window
     */
    Histogram(String name, String help, int unitShift, long highest, int scale, long now) {
        this.name = name;
        this.help = help.replace("\\", "\\\\").replace("\n", "\\n");
        this.unitShift = unitShift;
        this.scale = scale;
        int n = bucket(highest, unitShift) + 1;
        bounds = new long[n];
        le = new String[n];
        for (int i = 0; i < n; i++) {
            bounds[i] = lowerEdge(i + 1) << unitShift;
            String s = decimal(bounds[i]);
            le[i] = s.indexOf('.') < 0 ? s + ".0" : s;
        }
        counts = new long[n + 1];
        overflow = n;
        slotStart = now;
    }

    /** The bucket of value {@code v}: the first whose bound is {@code >= v}, or {@code +Inf} past the last. */
    int index(long v) {
        return Math.min(bucket(v, unitShift), overflow);
    }

    /** The bucket of {@code v} without a last bound: the power of two of {@code (v - 1) / unit}, then 2 more bits. */
    private static int bucket(long v, int unitShift) {
        long x = Math.max(v - 1, 0) >>> unitShift;
        int e = 63 - Long.numberOfLeadingZeros(x | (1L << SUB_BITS)) - SUB_BITS; // 0 below 8 units
        return (e << SUB_BITS) + (int) (x >>> e);
    }

    /** The smallest {@code (v - 1) / unit} that falls in bucket {@code j}: in units, the bound of bucket j - 1. */
    private static long lowerEdge(int j) {
        if (j < 2 << SUB_BITS) {
            return j;
        }
        int e = (j >>> SUB_BITS) - 1;
        return (long) (j - (e << SUB_BITS)) << e;
    }

    /** Records one value; negative values count as 0. Only ever from one thread. */
    void record(long value) {
        long v = Math.max(value, 0);
        int i = index(v);
        COUNTS.setOpaque(counts, i, counts[i] + 1);
        if (v > (long) MAX.getOpaque(this)) {
            MAX.setOpaque(this, v);
        }
        SUM.setRelease(this, sum + v);
    }

    /** The finite bucket bounds, ascending (in recorded units). */
    long[] bounds() {
        return bounds.clone();
    }

    /** What a reader sees: per-bucket counts ({@code +Inf} last, not cumulative) and the sum. */
    record Snapshot(long[] buckets, long sum) {
        long count() {
            long c = 0;
            for (long b : buckets) {
                c += b;
            }
            return c;
        }
    }

    /** A consistent read from any thread: every value {@link Snapshot#sum} includes is in the buckets. */
    Snapshot snapshot() {
        long s = (long) SUM.getAcquire(this);
        long[] b = new long[counts.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (long) COUNTS.getOpaque(counts, i);
        }
        return new Snapshot(b, s);
    }

    /**
     * Appends the Prometheus text (0.0.4) of this histogram, and of its {@code _max} gauge, to {@code out}.
     *
     * @param labels the common labels, rendered ({@code cluster_id="x"}), without braces
     * @param now    {@link System#nanoTime}
     */
    synchronized void render(StringBuilder out, String labels, long now) {
        Snapshot snap = snapshot();
        long largest = takeMax(now);
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" histogram\n");
        long cumulative = 0;
        for (int i = 0; i <= bounds.length; i++) {
            cumulative += snap.buckets()[i];
            out.append(name).append("_bucket{").append(labels).append(",le=\"")
                    .append(i < bounds.length ? le[i] : "+Inf").append("\"} ").append(cumulative).append('\n');
        }
        out.append(name).append("_count{").append(labels).append("} ").append(cumulative).append('\n');
        out.append(name).append("_sum{").append(labels).append("} ").append(decimal(snap.sum())).append('\n');
        out.append("# HELP ").append(name).append("_max ").append(help).append('\n');
        out.append("# TYPE ").append(name).append("_max gauge\n");
        out.append(name).append("_max{").append(labels).append("} ").append(decimal(largest)).append('\n');
    }

    /** The largest value of the current and the two previous 40-second slots, after taking the writer's. */
    private long takeMax(long now) {
        long fresh = (long) MAX.getAndSet(this, 0L);
        long passed = (now - slotStart) / SLOT_NANOS;
        if (passed > 0) {
            for (long k = Math.min(passed, SLOTS); k > 0; k--) {
                slot = (slot + 1) % SLOTS;
                window[slot] = 0;
            }
            slotStart += passed * SLOT_NANOS;
        }
        window[slot] = Math.max(window[slot], fresh);
        long m = 0;
        for (long w : window) {
            m = Math.max(m, w);
        }
        return m;
    }

    private String decimal(long units) {
        return BigDecimal.valueOf(units, scale).stripTrailingZeros().toPlainString();
    }

    /** A label value in the text format: backslash, double quote and newline escaped. */
    static String labelValue(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
