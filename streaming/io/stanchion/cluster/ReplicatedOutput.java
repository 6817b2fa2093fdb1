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
 * <p>Threading: {@link #publish}, {@link #flush} and {@link #propose} on the engine thread; commit outcomes come
 * back to it as {@link Command.Task}s through the engine's submit; {@link #probe} from any thread.
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
    private Consumer<Command> submit;
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

    /** Connects the recording whose batches this proposes and the engine's submit (before the engine starts). */
    void attach(RecordingStores stores, Consumer<Command> engineSubmit) {
        this.recording = stores;
        this.submit = engineSubmit;
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
            boolean ok = error == null && committed;
            submit.accept(new Command.Task(() -> completed(n, ok)));
        });
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
        release();
    }

    private void release() {
        while (!held.isEmpty() && held.peekFirst().after <= committed) {
            Held h = held.pollFirst();
            out.publish(h.subject, h.payload);
        }
    }

    /** Committed proposals so far (all of them when nothing is outstanding). */
    long committed() {
        return committed;
    }

    long proposed() {
        return proposed;
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

    /** Proposes what was recorded outside a batch (timers), then writes out what may leave. */
    @Override
    public void flush() {
        recording.seal();
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
