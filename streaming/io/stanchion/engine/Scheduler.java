package io.stanchion.engine;

import java.util.PriorityQueue;

/**
 * Timers of the engine thread (heartbeats, ack deadlines). Threading: engine thread only; tasks run on it.
 * Times are {@link System#nanoTime()} values.
 */
final class Scheduler {

    /** A scheduled task; {@link #cancel()} makes it a no-op. */
    static final class Timer implements Comparable<Timer> {
        final long at;
        private final Runnable task;
        private boolean cancelled;

        Timer(long at, Runnable task) {
            this.at = at;
            this.task = task;
        }

        void cancel() {
            cancelled = true;
        }

        boolean cancelled() {
            return cancelled;
        }

        @Override
        public int compareTo(Timer o) {
            return Long.compare(at, o.at);
        }
    }

    private final PriorityQueue<Timer> timers = new PriorityQueue<>();

    Timer at(long nanoTime, Runnable task) {
        Timer t = new Timer(nanoTime, task);
        timers.add(t);
        return t;
    }

    Timer after(long delayNanos, Runnable task) {
        return at(System.nanoTime() + delayNanos, task);
    }

    /** Nanoseconds until the next timer is due (0 if overdue), capped at {@code max}. */
    long nanosToNext(long now, long max) {
        Timer t;
        while ((t = timers.peek()) != null && t.cancelled) {
            timers.poll();
        }
        if (t == null) {
            return max;
        }
        return Math.max(0, Math.min(max, t.at - now));
    }

    /**
     * Runs every timer due at {@code now}; a task that throws is reported to {@code onError}. Returns whether any
     * ran.
     */
    boolean runDue(long now, java.util.function.Consumer<RuntimeException> onError) {
        Timer t;
        boolean ran = false;
        while ((t = timers.peek()) != null && t.at <= now) {
            timers.poll();
            if (!t.cancelled) {
                ran = true;
                try {
                    t.task.run();
                } catch (RuntimeException e) {
                    onError.accept(e);
                }
            }
        }
        return ran;
    }

    int size() {
        return timers.size();
    }
}
