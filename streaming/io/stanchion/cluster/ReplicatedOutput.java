package io.stanchion.cluster;

import io.stanchion.engine.Command;
import io.stanchion.store.oplog.Operation;
import io.stanchion.store.oplog.OperationCodec;
import io.stanchion.store.oplog.RecordingStores;
import io.stanchion.transport.Transport;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The leader engine's {@link Transport}: what the engine says leaves only once the state changes it follows are
 * committed by a majority. The engine writes its stores through {@link RecordingStores}; each batch of operations
 * is proposed to Raft ({@link #propose}, the recording's sink) as one or more numbered entries; a message published
 * while operations are recorded but not yet proposed waits for the last entry of their batch, one published after a
 * proposal waits for that one, and a message with nothing outstanding before it goes at once (heartbeat probes,
 * replies that change nothing). So a PubAck leaves only after its message is committed, a delivery only after the
 * message and its "sent" are, a connect or subscribe response only after the client or subscription is.
 *
 * <p>When a proposal fails (leadership lost) nothing held is ever sent: clients time out and go to the new leader
 * (at-least-once: their republished messages may be stored twice only if the first copy did commit), and the node
 * is told through {@code lost}.
 *
 * <p>Threading: {@link #publish}, {@link #flush} and {@link #propose} on the engine thread; commit outcomes are
 * queued by Ratis' threads (which never wait) and taken by the engine thread at its next flush, which a wake-up
 * {@link Command.Task} brings forward; {@link #probe} from any thread.
 */
final class ReplicatedOutput implements Transport {
    /** Where batches go: a future per entry telling whether it was committed. */
    interface Proposals {
        CompletableFuture<Boolean> propose(byte[] entry);
    }

    /** Encoded size above which a batch is split over several entries (each a valid prefix of the rest). */
    static final int ENTRY_BYTES = 4 << 20;

    /** {@link Held#after} of a message waiting for the batch being recorded (its last entry is not known yet). */
    private static final long NEXT_BATCH = Long.MAX_VALUE;

    /** A message waiting for entry {@code after} (and so every entry before it) to be committed. */
    private static final class Held {
        long after;
        final String subject;
        final byte[] payload;

        Held(long after, String subject, byte[] payload) {
            this.after = after;
            this.subject = subject;
            this.payload = payload;
        }
    }

    private final Transport out;
    private final Proposals proposer;
    private final Runnable lost;
    private RecordingStores recording;
    /** Queues a command on the engine without blocking (false when it is full). */
    private java.util.function.Predicate<Command> offer;
    /** Commit outcomes from Ratis' threads, taken by the engine thread: {entry number, 1 committed / 0 not}. */
    private final java.util.concurrent.ConcurrentLinkedQueue<long[]> outcomes =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** A wake-up task is queued on the engine and has not run yet. */
    private final java.util.concurrent.atomic.AtomicBoolean wakeQueued =
            new java.util.concurrent.atomic.AtomicBoolean();
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    /** Completed proposals above {@link #committed}, waiting for the ones before them. */
    private final TreeSet<Long> completedEarly = new TreeSet<>();
    private long proposed;
    private long committed;
    private boolean failed;

    ReplicatedOutput(Transport out, Proposals proposer, Runnable lost) {
        this.out = out;
        this.proposer = proposer;
        this.lost = lost;
    }

    /**
     * Connects the recording whose batches this proposes and the engine's non-blocking offer (before the engine
     * starts).
     */
    void attach(RecordingStores stores, java.util.function.Predicate<Command> engineOffer) {
        this.recording = stores;
        this.offer = engineOffer;
    }

    /**
     * The recording's sink: proposes one batch of operations, as one entry or, when it is large, as several
     * consecutive ones (operations apply one by one in order, so any prefix is a state the stores can be in).
     */
    void propose(Operation.Batch batch) {
        proposeEntries(batch);
        // messages published while this batch was recorded wait for its last entry
        for (var it = held.descendingIterator(); it.hasNext(); ) {
            Held h = it.next();
            if (h.after != NEXT_BATCH) {
                break;
            }
            h.after = proposed;
        }
    }

    private void proposeEntries(Operation.Batch batch) {
        byte[] whole = OperationCodec.encode(batch);
        if (whole.length <= ENTRY_BYTES || batch.operations().size() == 1) {
            proposeEntry(whole);
            return;
        }
        java.util.List<Operation> part = new java.util.ArrayList<>();
        long bytes = 0;
        for (Operation op : batch.operations()) {
            long size = OperationCodec.encode(op).length;
            if (!part.isEmpty() && bytes + size > ENTRY_BYTES) {
                proposeEntry(OperationCodec.encode(new Operation.Batch(part)));
                part.clear();
                bytes = 0;
            }
            part.add(op);
            bytes += size;
        }
        proposeEntry(OperationCodec.encode(new Operation.Batch(part)));
    }

    private void proposeEntry(byte[] entry) {
        long n = ++proposed;
        if (failed) {
            return;
        }
        proposer.propose(entry).whenComplete((committed, error) -> {
            // On a Ratis thread, which must never wait for the engine: the outcome is queued, and the engine
            // woken with a task if there is room (a full queue means it is busy and takes the outcomes soon).
            outcomes.add(new long[] {n, error == null && committed ? 1 : 0});
            if (wakeQueued.compareAndSet(false, true)
                    && !offer.test(new Command.Task(this::takeOutcomes))) {
                wakeQueued.set(false);
            }
        });
    }

    /** Applies the commit outcomes reported so far and releases what may leave. Engine thread. */
    private void takeOutcomes() {
        wakeQueued.set(false);
        long[] o;
        while ((o = outcomes.poll()) != null) {
            completed(o[0], o[1] == 1);
        }
    }

    private void completed(long n, boolean ok) {
        if (!ok) {
            if (!failed) {
                failed = true;
                held.clear();
                lost.run();
            }
            return;
        }
        completedEarly.add(n);
        while (!completedEarly.isEmpty() && completedEarly.first() == committed + 1) {
            committed = completedEarly.pollFirst();
        }
    }

    private void release() {
        while (!held.isEmpty() && held.peekFirst().after <= committed) {
            Held h = held.pollFirst();
            out.publish(h.subject, h.payload);
        }
    }

    @Override
    public void publish(String subject, byte[] payload) {
        if (failed) {
            return;
        }
        long after = recording.hasPending() ? NEXT_BATCH : proposed;
        if (after <= committed && held.isEmpty()) {
            out.publish(subject, payload);
        } else {
            held.addLast(new Held(after, subject, payload));
        }
    }

    /** Proposes what was recorded outside a batch (timers), takes the commit outcomes, writes out what may leave. */
    @Override
    public void flush() {
        recording.seal();
        takeOutcomes();
        release();
        out.flush();
    }

    @Override
    public void probe(String subject, byte[] payload, Duration timeout, Consumer<Boolean> onResult) {
        out.probe(subject, payload, timeout, onResult);
    }

    @Override
    public String requestInboxPrefix() {
        return out.requestInboxPrefix();
    }
}
