package io.stanchion.engine;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The engine's inbound queue, bounded in count and in payload bytes: the backpressure on the transport. A
 * producer blocks while the queue holds {@code maxCount} commands or {@code maxBytes} bytes of publish payload
 * (one command is always admitted into an empty queue, whatever its size). Commands the engine thread gives itself
 * never block it: they go to a local queue drained first (an engine waiting on its own full queue would wait
 * forever). After {@link #shutDown()} nothing is admitted any more and nobody blocks.
 *
 * <p>Threading: {@link #put} and {@link #offer} from any thread; {@link #poll} and {@link #drainTo} from the engine
 * thread only, which is also the only thread that may call {@link #putLocal}.
 */
final class InboundQueue {
    private final ArrayBlockingQueue<Command> queue;
    private final ArrayDeque<Command> local = new ArrayDeque<>();
    private final long maxBytes;
    private final AtomicLong bytes = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition roomForBytes = lock.newCondition();
    private volatile boolean shutDown;
    private volatile int waitingForBytes;

    InboundQueue(int maxCount, long maxBytes) {
        this.queue = new ArrayBlockingQueue<>(maxCount);
        this.maxBytes = maxBytes;
    }

    /** Bytes a command holds on the heap beyond its small fixed part: its payload. */
    static int weight(Command c) {
        return c instanceof Command.Publish p ? p.size() : c instanceof Command.AckMsg a ? a.data().length : 0;
    }

    /** Queues {@code c}, blocking while the queue is full; returns false (dropped) once shut down. */
    boolean put(Command c) throws InterruptedException {
        int w = weight(c);
        if (w > 0 && !awaitBytes(w)) {
            return false;
        }
        while (!shutDown) {
            if (queue.offer(c, 50, TimeUnit.MILLISECONDS)) {
                return true;
            }
        }
        release(w);
        return false;
    }

    /** Queues {@code c} if there is room now; false when full or shut down. Never blocks. */
    boolean offer(Command c) {
        int w = weight(c);
        if (shutDown || (w > 0 && bytes.get() > 0 && bytes.get() + w > maxBytes)) {
            return false;
        }
        bytes.addAndGet(w);
        if (queue.offer(c)) {
            return true;
        }
        release(w);
        return false;
    }

    /** For the engine thread's own commands: never blocks, never refused. */
    void putLocal(Command c) {
        local.add(c);
    }

    /** The next command, waiting up to {@code nanos} (0: no wait). */
    Command poll(long nanos) throws InterruptedException {
        Command c = local.poll();
        if (c != null) {
            return c;
        }
        c = nanos == 0 ? queue.poll() : queue.poll(nanos, TimeUnit.NANOSECONDS);
        if (c != null) {
            release(weight(c));
        }
        return c;
    }

    /** Moves up to {@code max} more commands into {@code batch}, local ones first. */
    void drainTo(List<Command> batch, int max) {
        int n = 0;
        Command c;
        while (n < max && (c = local.poll()) != null) {
            batch.add(c);
            n++;
        }
        int from = batch.size();
        queue.drainTo(batch, max - n);
        long w = 0;
        for (int i = from; i < batch.size(); i++) {
            w += weight(batch.get(i));
        }
        release(w);
    }

    /** Commands and bytes currently queued (monitoring, tests). */
    int size() {
        return queue.size();
    }

    long bytes() {
        return bytes.get();
    }

    /** Stops admitting commands and wakes every blocked producer; what is queued stays for a final drain. */
    void shutDown() {
        shutDown = true;
        lock.lock();
        try {
            roomForBytes.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private boolean awaitBytes(int w) throws InterruptedException {
        while (true) {
            long b = bytes.get();
            if (shutDown) {
                return false;
            }
            if (b == 0 || b + w <= maxBytes) {
                if (bytes.compareAndSet(b, b + w)) {
                    return true;
                }
                continue;
            }
            lock.lock();
            try {
                waitingForBytes++;
                try {
                    long now = bytes.get();
                    if (!shutDown && now != 0 && now + w > maxBytes) {
                        roomForBytes.await(50, TimeUnit.MILLISECONDS);
                    }
                } finally {
                    waitingForBytes--;
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private void release(long w) {
        if (w == 0) {
            return;
        }
        long left = bytes.addAndGet(-w);
        if (waitingForBytes > 0 && left + 65_536 <= maxBytes) {
            lock.lock();
            try {
                roomForBytes.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
