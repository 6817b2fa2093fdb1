package io.stanchion.store.oplog;

import io.stanchion.store.ClientRecord;
import io.stanchion.store.SubscriptionRecord;

import java.util.List;

/**
 * One change of the server's durable state, as a value: everything the engine changes goes through the store SPI
 * (a channel log or the state journal) before it changes memory, and the memory state is what recovery rebuilds
 * from the stores, so this set of operations is the whole state. {@link RecordingStores} captures them as the
 * engine makes them, {@link OperationCodec} serialises them, {@link OperationApplier#apply} applies one to a pair
 * of stores: a replicated log can feed a follower the leader's operations, batch by batch, and the follower's
 * stores (and a server recovered from them) come out the same.
 */
public sealed interface Operation {

    /** The cluster ID and the ack-inbox token. */
    record ServerInfo(String clusterId, String ackToken) implements Operation {
    }

    record AddClient(ClientRecord client) implements Operation {
    }

    record DeleteClient(String clientId) implements Operation {
    }

    /** A subscription created or changed (offline, new inbox, last sent after a recovery clamp, ...). */
    record PutSubscription(SubscriptionRecord subscription) implements Operation {
    }

    record DeleteSubscription(long subscriptionId) implements Operation {
    }

    /** A message sent to a subscription (pending until acked). */
    record Sent(long subscriptionId, long sequence) implements Operation {
    }

    record Acked(long subscriptionId, long sequence) implements Operation {
    }

    record CreateChannel(String name) implements Operation {
    }

    /** A message appended to a channel: its sequence, timestamp and stored record (the encoded MsgProto). */
    record Append(String channel, long sequence, long timestampNanos, byte[] record) implements Operation {
    }

    /** Retention: every message of the channel below {@code sequence} removed. */
    record RemoveBefore(String channel, long sequence) implements Operation {
    }

    record DeleteChannel(String name) implements Operation {
    }

    /**
     * The operations of one engine batch, in the order they were made, ending where the engine made them durable
     * (a state-journal flush): the unit a replicated log commits.
     */
    record Batch(List<Operation> operations) implements Operation {
        public Batch {
            operations = List.copyOf(operations);
            for (Operation o : operations) {
                if (o instanceof Batch) {
                    throw new IllegalArgumentException("a batch does not nest");
                }
            }
        }
    }
}
