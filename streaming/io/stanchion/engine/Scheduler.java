package io.stanchion.engine;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Timers of the engine thread (heartbeats, ack deadlines): a binary min-heap on the due time in which every timer
 * knows its slot, so {@link Timer#cancel()} removes it at once (O(log n)) — a cancelled timer and what its task
 * refers to are released immediately, not kept until its deadline. Threading: engine thread only; tasks run on it.
 * Times are {@link Clock#nanos()} values of the clock given.
 */
final class Scheduler {
    private final Clock clock;

    Scheduler(Clock clock) {
        this.clock = clock;
    }

    /** The clock's monotonic time now. */
    long now() {
        return clock.nanos();
    }

    /** A scheduled task; {@link #cancel()} removes it (a no-op once it ran or was cancelled). */
    final class Timer {
        final long at;
        private final long order;
        private Runnable task;
        /** Slot in the heap, or -1 when not scheduled any more. */
        private int slot = -1;

        private Timer(long at, long order, Runnable task) {
            this.at = at;
            this.order = order;
            this.task = task;
        }

        void cancel() {
            if (slot >= 0) {
                removeAt(slot);
            }
            task = null;
        }

        boolean cancelled() {
            return slot < 0 && task == null;
        }

        private boolean before(Timer o) {
            return at != o.at ? at - o.at < 0 : order < o.order;
        }
    }

    private Timer[] heap = new Timer[64];
    private int size;
    private long scheduled;

    Timer at(long nanoTime, Runnable task) {
        Timer t = new Timer(nanoTime, scheduled++, task);
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        heap[size] = t;
        t.slot = size;
        size++;
        siftUp(t.slot);
        return t;
    }

    Timer after(long delayNanos, Runnable task) {
        return at(clock.nanos() + delayNanos, task);
    }

    /** Nanoseconds until the next timer is due (0 if overdue), capped at {@code max}. */
    long nanosToNext(long now, long max) {
        if (size == 0) {
            return max;
        }
        return Math.max(0, Math.min(max, heap[0].at - now));
    }

    /**
     * Runs every timer due at {@code now}, in due order (ties in scheduling order); a timer scheduled by a task for
     * {@code now} or earlier runs in this same pass. A task's RuntimeException goes to {@code onError}, which may
     * rethrow it to end the pass. Returns whether any ran.
     */
    boolean runDue(long now, Consumer<RuntimeException> onError) {
        boolean ran = false;
        while (size > 0 && heap[0].at - now <= 0) {
            Timer t = heap[0];
            removeAt(0);
            Runnable task = t.task;
            t.task = null;
            ran = true;
            try {
                task.run();
            } catch (RuntimeException e) {
                onError.accept(e);
            }
        }
        return ran;
    }

    /** Timers scheduled and neither run nor cancelled. */
    int size() {
        return size;
    }

    private void removeAt(int i) {
        Timer removed = heap[i];
        removed.slot = -1;
        size--;
        if (i == size) {
            heap[size] = null;
            return;
        }
        Timer last = heap[size];
        heap[size] = null;
        heap[i] = last;
        last.slot = i;
        siftDown(i);
        if (last.slot == i) {
            siftUp(i);
        }
    }

    private void siftUp(int i) {
        Timer t = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Timer p = heap[parent];
            if (!t.before(p)) {
                break;
            }
            heap[i] = p;
            p.slot = i;
            i = parent;
        }
        heap[i] = t;
        t.slot = i;
    }

    private void siftDown(int i) {
        Timer t = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && heap[right].before(heap[child])) {
                child = right;
            }
            if (!heap[child].before(t)) {
                break;
            }
            heap[i] = heap[child];
            heap[i].slot = i;
            i = child;
        }
        heap[i] = t;
        t.slot = i;
    }
}
