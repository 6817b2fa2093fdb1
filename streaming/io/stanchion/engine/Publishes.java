package io.stanchion.engine;

import io.stanchion.codec.Errors;
import io.stanchion.codec.Names;

import io.stanchion.codec.MsgRecord;
import io.stanchion.codec.Replies;

import com.google.protobuf.ByteString;
import io.stanchion.store.StoreFullException;
import io.stanchion.store.StoredMessage;

import java.util.ArrayList;
import java.util.List;

/**
 * The publish path within a batch: validate and append each PubMsg to its channel's log, then at the end of the
 * batch flush every touched log once (group commit), deliver, and only then send the batch's PubAcks.
 *
 * <p>Faults: a publish the store refuses before writing anything ({@link StoreFullException}: no space left) gets
 * an error PubAck at once and changes nothing; the rest of the batch goes on. Any other store failure propagates
 * to the engine, which trips the fail-stop and calls {@link #abort} so every publish of the batch not yet
 * acknowledged gets an error PubAck — a PubAck without error is only ever sent after a successful flush.
 *
 * <p>Threading: engine thread only.
 */
final class Publishes {
    private final Channels channels;
    private final Clients clients;
    private final Delivery delivery;
    private final Replies replies;
    private final Counters counters;
    private final boolean fsync;
    private final EngineMetrics metrics;
    private final Clock clock;
    private Retention retention;

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Publishes.class);
    private static final long FULL_WARNING_INTERVAL_NANOS = 10_000_000_000L;
    /** Largest payload stored: well within what one Chronicle excerpt holds (a quarter of its 64 MiB block). */
    static final int MAX_PAYLOAD_BYTES = 8 << 20;
    private long fullWarnedAt;

    private final List<Channel> touched = new ArrayList<>();
    private final List<String> ackReplies = new ArrayList<>();
    private final List<String> ackGuids = new ArrayList<>();
    private long[] ackReceived = new long[1024];

    Publishes(Channels channels, Clients clients, Delivery delivery, Replies replies, Counters counters,
              boolean fsync, EngineMetrics metrics, Clock clock) {
        this.clock = clock;
        this.metrics = metrics;
        this.channels = channels;
        this.clients = clients;
        this.delivery = delivery;
        this.replies = replies;
        this.counters = counters;
        this.fsync = fsync;
    }

    /** Appends one publish; its PubAck waits for {@link #commit()}. Invalid ones are refused at once. */
    void append(Command.Publish m) {
        String reply = m.reply();
        long receivedNanos = m.receivedNanos();
        counters.received(m.size());
        String channelName = m.subject();
        Channel ch = channels.get(channelName); // an existing channel's name was validated when it was created
        if (m.guid().isEmpty() || (ch == null && !Names.isValidChannel(channelName))
                || clients.lookup(m.connId(), m.clientId()) == null) {
            replies.pubAck(reply, m.guid(), Errors.INVALID_PUBLISH);
            return;
        }
        if (m.data().size() > MAX_PAYLOAD_BYTES) {
            replies.pubAck(reply, m.guid(), "stan: message too large: " + m.data().size() + " bytes (at most "
                    + MAX_PAYLOAD_BYTES + ")");
            return;
        }
        if (ch == null) {
            try {
                ch = channels.getOrCreate(channelName);
            } catch (Refusal e) {
                replies.pubAck(reply, m.guid(), e.getMessage());
                return;
            } catch (StoreFullException e) {
                refuseFull(reply, m.guid(), e);
                return;
            }
        }
        long ts = Math.max(clock.wallNanos(), ch.lastTimestamp);
        long seq = ch.log.lastSequence() + 1;
        byte[] record = MsgRecord.encode(seq, channelName, m.msgReply(), m.data(), ts);
        long t0 = clock.nanos();
        try {
            ch.log.append(ts, record);
        } catch (StoreFullException e) {
            refuseFull(reply, m.guid(), e);
            return;
        }
        metrics.appendLatency(clock.nanos() - t0);
        if (!ch.dirty) {
            ch.recent.clear();
        }
        ch.recent.add(new StoredMessage(seq, ts, record));
        ch.lastTimestamp = ts;
        ch.lastActivity = receivedNanos;
        if (!ch.dirty) {
            ch.dirty = true;
            touched.add(ch);
        }
        if (ackReplies.size() == ackReceived.length) {
            ackReceived = java.util.Arrays.copyOf(ackReceived, ackReceived.length * 2);
        }
        ackReceived[ackReplies.size()] = receivedNanos;
        ackReplies.add(reply);
        ackGuids.add(m.guid());
    }

    /** A publish the store had no room for: error PubAck, and a warning at most every 10 s. */
    private void refuseFull(String reply, String guid, StoreFullException e) {
        replies.pubAck(reply, guid, e.getMessage());
        long now = clock.nanos();
        if (fullWarnedAt == 0 || now - fullWarnedAt > FULL_WARNING_INTERVAL_NANOS) {
            fullWarnedAt = now;
            LOG.warn("Publishes refused: {} (the store accepts them again once space is freed)", e.getMessage());
        }
    }

    /** Answers one publish with an error PubAck (nothing stored). */
    void refuse(String reply, String guid, String error) {
        replies.pubAck(reply, guid, error);
    }

    /**
     * After a store failure: every publish appended since the last commit gets an error PubAck instead of its
     * PubAck (its message may or may not be in the log: the client publishes it again, at-least-once), and the
     * batch state is cleared.
     */
    void abort(String error) {
        for (int i = 0; i < ackReplies.size(); i++) {
            replies.pubAck(ackReplies.get(i), ackGuids.get(i), error);
        }
        ackReplies.clear();
        ackGuids.clear();
        for (Channel ch : touched) {
            ch.dirty = false;
        }
        touched.clear();
    }

    void retention(Retention r) {
        this.retention = r;
    }

    /** True when appended messages wait for their commit. */
    boolean hasUncommitted() {
        return !touched.isEmpty();
    }

    /** Store → flush → deliver → PubAck, for everything appended since the last commit. */
    void commit() {
        if (touched.isEmpty()) {
            return;
        }
        for (int i = 0; i < touched.size(); i++) {
            Channel ch = touched.get(i);
            long t0 = clock.nanos();
            ch.log.flush(fsync);
            metrics.flushLatency(clock.nanos() - t0, fsync);
            ch.committed = ch.log.lastSequence();
            ch.dirty = false;
            retention.trim(ch);
        }
        for (int i = 0; i < touched.size(); i++) {
            delivery.deliverAvailable(touched.get(i));
        }
        touched.clear();
        delivery.flush();
        long now = clock.nanos();
        for (int i = 0; i < ackReplies.size(); i++) {
            replies.pubAck(ackReplies.get(i), ackGuids.get(i), null);
            metrics.pubAckLatency(now - ackReceived[i]);
        }
        metrics.batchCommitted(ackReplies.size());
        ackReplies.clear();
        ackGuids.clear();
    }
}
