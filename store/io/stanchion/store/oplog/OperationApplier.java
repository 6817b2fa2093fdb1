package io.stanchion.store.oplog;

import io.stanchion.store.ChannelLog;
import io.stanchion.store.MessageStore;
import io.stanchion.store.StateStore;
import io.stanchion.store.StoreException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies {@link Operation}s to a message store and a state store (a follower's): {@link #apply} is the one method
 * every state change goes through. A batch is applied in order, then the logs it appended to and the state journal
 * are flushed (with {@code fsync} as configured). An append whose sequence the log already holds is skipped: a
 * batch applied again after a crash (its writes reached the stores, the note that it was applied did not) changes
 * nothing twice (a different message at that sequence is divergence); every other operation is idempotent by nature. An operation that does not fit the stores' state
 * (an append beyond the log's next sequence, a change to a channel that does not exist) means the follower has
 * diverged: {@link StoreException}, nothing of that operation applied. Threading: one thread.
 */
public final class OperationApplier {
    private final MessageStore messages;
    private final StateStore state;
    private final boolean fsync;
    /** The logs the batch being applied wrote to (flushed at its end). */
    private final Map<String, ChannelLog> touched = new LinkedHashMap<>();

    public OperationApplier(MessageStore messages, StateStore state, boolean fsync) {
        this.messages = messages;
        this.state = state;
        this.fsync = fsync;
    }

    public void apply(Operation op) {
        touched.clear();
        for (Operation o : op instanceof Operation.Batch b ? b.operations() : List.of(op)) {
            ChannelLog log = applyOne(o);
            if (log != null) {
                touched.put(log.name(), log);
            }
        }
        for (ChannelLog log : touched.values()) {
            log.flush(fsync);
        }
        state.flush(fsync);
    }

    /** Applies one operation; returns the log it wrote to, if any. */
    private ChannelLog applyOne(Operation op) {
        if (op instanceof Operation.Append a) {
            ChannelLog log = existing(a.channel());
            if (a.sequence() <= log.lastSequence()) {
                io.stanchion.store.StoredMessage held = log.read(a.sequence()); // null: removed by retention since
                if (held != null && !java.util.Arrays.equals(held.record(), a.record())) {
                    throw new StoreException("diverged: channel " + a.channel() + " holds another message at "
                            + "sequence " + a.sequence());
                }
                return null; // applied before
            }
            if (a.sequence() != log.lastSequence() + 1) {
                throw new StoreException("diverged: channel " + a.channel() + " is at sequence "
                        + log.lastSequence() + ", the operation appends " + a.sequence());
            }
            log.append(a.timestampNanos(), a.record());
            return log;
        } else if (op instanceof Operation.Sent s) {
            state.sent(s.subscriptionId(), s.sequence());
        } else if (op instanceof Operation.Acked a) {
            state.acked(a.subscriptionId(), a.sequence());
        } else if (op instanceof Operation.CreateChannel c) {
            messages.channel(c.name());
        } else if (op instanceof Operation.RemoveBefore r) {
            ChannelLog log = messages.existing(r.channel());
            if (log == null) {
                return null; // deleted later in this batch when applied before (a replay): nothing to trim
            }
            log.removeBefore(r.sequence());
            return log;
        } else if (op instanceof Operation.DeleteChannel d) {
            touched.remove(d.name()); // its log is closed by the delete: not flushed at the end of the batch
            messages.delete(d.name());
        } else if (op instanceof Operation.AddClient c) {
            state.addClient(c.client());
        } else if (op instanceof Operation.DeleteClient c) {
            state.deleteClient(c.clientId());
        } else if (op instanceof Operation.PutSubscription s) {
            state.putSubscription(s.subscription());
        } else if (op instanceof Operation.DeleteSubscription s) {
            state.deleteSubscription(s.subscriptionId());
        } else if (op instanceof Operation.ServerInfo i) {
            state.serverInfo(i.clusterId(), i.ackToken());
        } else {
            throw new IllegalArgumentException("a batch inside a batch");
        }
        return null;
    }

    private ChannelLog existing(String channel) {
        ChannelLog log = messages.existing(channel);
        if (log == null) {
            throw new StoreException("diverged: no channel " + channel);
        }
        return log;
    }
}
