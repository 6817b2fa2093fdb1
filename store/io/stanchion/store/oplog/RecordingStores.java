package io.stanchion.store.oplog;

import io.stanchion.store.ChannelLog;
import io.stanchion.store.ClientRecord;
import io.stanchion.store.ForwardingChannelLog;
import io.stanchion.store.MessageStore;
import io.stanchion.store.RecoveredState;
import io.stanchion.store.StateStore;
import io.stanchion.store.StoredMessage;
import io.stanchion.store.SubscriptionRecord;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/**
 * A message store and a state store that write through to the real ones and describe every successful write as an
 * {@link Operation}: the state changes of one engine batch are handed to {@code sink} as one {@link Operation.Batch}
 * when the state store is flushed (the end of the batch). A write the store refuses (no space left) or fails
 * throws before anything is recorded. Threading: the engine thread (the stores' own contract); {@code sink} is
 * called on it.
 */
public final class RecordingStores {
    private final MessageStore messages;
    private final StateStore state;
    private final Consumer<Operation.Batch> sink;
    private final List<Operation> pending = new ArrayList<>();

    public RecordingStores(MessageStore messages, StateStore state, Consumer<Operation.Batch> sink) {
        this.messages = new Messages(messages);
        this.state = new State(state);
        this.sink = sink;
    }

    public MessageStore messages() {
        return messages;
    }

    public StateStore state() {
        return state;
    }

    private void record(Operation op) {
        pending.add(op);
    }

    /** Whether writes were made since the last batch was handed to the sink. */
    public boolean hasPending() {
        return !pending.isEmpty();
    }

    /**
     * Hands what was recorded since the last batch to the sink now (the state store's flush does it too): for writes
     * made outside a batch (timers) that must not wait for the next one.
     */
    public void seal() {
        endBatch();
    }

    private void endBatch() {
        if (!pending.isEmpty()) {
            Operation.Batch b = new Operation.Batch(pending);
            pending.clear();
            sink.accept(b);
        }
    }

    private final class Messages implements MessageStore {
        private final MessageStore store;

        Messages(MessageStore store) {
            this.store = store;
        }

        @Override
        public String type() {
            return store.type();
        }

        @Override
        public ChannelLog channel(String name) {
            boolean created = store.existing(name) == null;
            ChannelLog log = store.channel(name);
            if (created) {
                record(new Operation.CreateChannel(name));
            }
            return new Log(log);
        }

        @Override
        public ChannelLog existing(String name) {
            ChannelLog log = store.existing(name);
            return log == null ? null : new Log(log);
        }

        @Override
        public boolean delete(String name) {
            boolean deleted = store.delete(name);
            if (deleted) {
                record(new Operation.DeleteChannel(name));
            }
            return deleted;
        }

        @Override
        public Collection<ChannelLog> channels() {
            List<ChannelLog> out = new ArrayList<>();
            for (ChannelLog log : store.channels()) {
                out.add(new Log(log));
            }
            return out;
        }

        @Override
        public void close() {
            store.close();
        }
    }

    private final class Log extends ForwardingChannelLog {
        Log(ChannelLog log) {
            super(log);
        }

        @Override
        public long append(long timestampNanos, byte[] record) {
            long seq = log.append(timestampNanos, record);
            // The timestamp as given: a follower's log clamps it exactly as this one did (ChannelLog#append).
            record(new Operation.Append(log.name(), seq, timestampNanos, record.clone()));
            return seq;
        }

        @Override
        public void removeBefore(long sequence) {
            long before = log.firstSequence();
            log.removeBefore(sequence);
            if (log.firstSequence() != before) {
                record(new Operation.RemoveBefore(log.name(), log.firstSequence()));
            }
        }
    }

    private final class State implements StateStore {
        private final StateStore store;

        State(StateStore store) {
            this.store = store;
        }

        @Override
        public RecoveredState recovered() {
            return store.recovered();
        }

        @Override
        public RecoveredState current() {
            return store.current();
        }

        @Override
        public void serverInfo(String clusterId, String ackToken) {
            store.serverInfo(clusterId, ackToken);
            record(new Operation.ServerInfo(clusterId, ackToken));
        }

        @Override
        public void addClient(ClientRecord client) {
            store.addClient(client);
            record(new Operation.AddClient(client));
        }

        @Override
        public void deleteClient(String clientId) {
            store.deleteClient(clientId);
            record(new Operation.DeleteClient(clientId));
        }

        @Override
        public void putSubscription(SubscriptionRecord sub) {
            store.putSubscription(sub);
            record(new Operation.PutSubscription(sub));
        }

        @Override
        public void deleteSubscription(long subscriptionId) {
            store.deleteSubscription(subscriptionId);
            record(new Operation.DeleteSubscription(subscriptionId));
        }

        @Override
        public void sent(long subscriptionId, long sequence) {
            store.sent(subscriptionId, sequence);
            record(new Operation.Sent(subscriptionId, sequence));
        }

        @Override
        public void acked(long subscriptionId, long sequence) {
            store.acked(subscriptionId, sequence);
            record(new Operation.Acked(subscriptionId, sequence));
        }

        @Override
        public void flush(boolean fsync) {
            store.flush(fsync);
            endBatch();
        }

        @Override
        public void close() {
            store.close();
        }
    }
}
