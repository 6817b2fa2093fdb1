package io.stanchion.store;

import java.util.List;

/**
 * The state a {@link StateStore} recovered: the cluster ID it was created for and its ack token (both null when
 * new), the clients, and
 * the subscriptions, each with its last sent sequence and pending sequences in ascending order.
 */
public record RecoveredState(String clusterId, String ackToken, List<ClientRecord> clients,
                             List<RecoveredSubscription> subscriptions, long maxSubscriptionId) {

    /** A subscription with the pending set and last sent sequence as of the end of the journal. */
    public record RecoveredSubscription(SubscriptionRecord descriptor, long lastSent, long[] pending) {
    }

    public static RecoveredState empty() {
        return new RecoveredState(null, null, List.of(), List.of(), 0);
    }
}
