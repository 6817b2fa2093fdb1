package io.stanchion.bench;

import java.io.IOException;
import java.util.Map;

/**
 * A process's CPU time read at one instant, both ways Linux offers: the process total in clock ticks
 * ({@link ProcStat}; includes exited threads, 10 ms resolution) and the live threads' nanoseconds
 * ({@link ThreadTimes}). {@link #cpuSince} takes the nanosecond sum when it agrees with the ticks (no thread that
 * used CPU exited in between), else the ticks.
 */
record CpuSample(long pid, long atNanos, ProcStat stat, Map<Long, ThreadTimes.Thread> threads) {
    static CpuSample read(long pid) throws IOException {
        long at = System.nanoTime();
        ProcStat stat = ProcStat.read(pid);
        Map<Long, ThreadTimes.Thread> threads = ThreadTimes.read(pid);
        return new CpuSample(pid, at, stat, threads);
    }

    /** The sample of this JVM's own process (the load generator). */
    static CpuSample self() throws IOException {
        return read(ProcessHandle.current().pid());
    }

    /** CPU nanoseconds used by the live threads since {@code before} (threads born in between count from 0). */
    long threadNanosSince(CpuSample before) {
        long sum = 0;
        for (Map.Entry<Long, ThreadTimes.Thread> e : threads.entrySet()) {
            ThreadTimes.Thread then = before.threads.get(e.getKey());
            sum += e.getValue().nanos() - (then == null ? 0 : then.nanos());
        }
        return sum;
    }

    long tickNanosSince(CpuSample before) {
        return stat.nanos() - before.stat.nanos();
    }

    /**
     * CPU nanoseconds since {@code before}: the threads' sum when it is within the ticks' rounding (two ticks, one
     * at each end, plus 2 %), else the ticks (a thread exited, or schedstat is not maintained).
     */
    long cpuSince(CpuSample before) {
        long ticks = tickNanosSince(before);
        long precise = threadNanosSince(before);
        long slack = 2 * ProcStat.tickNanos() + ticks / 50;
        return precise > 0 && Math.abs(precise - ticks) <= slack ? precise : ticks;
    }

    /** The thread that used the most CPU since {@code before}, or null if there is none. */
    ThreadTimes.Thread busiestSince(CpuSample before) {
        ThreadTimes.Thread best = null;
        for (Map.Entry<Long, ThreadTimes.Thread> e : threads.entrySet()) {
            ThreadTimes.Thread then = before.threads.get(e.getKey());
            long used = e.getValue().nanos() - (then == null ? 0 : then.nanos());
            if (best == null || used > best.nanos()) {
                best = new ThreadTimes.Thread(e.getValue().name(), used);
            }
        }
        return best;
    }
}
