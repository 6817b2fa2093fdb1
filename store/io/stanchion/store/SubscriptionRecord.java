package io.stanchion.store;

/**
 * A subscription's descriptor as persisted. {@code id} is unique within the server and never reused.
 * {@code queueGroup} is the group's full name ({@code durable:group} for durable queue groups) or empty;
 * {@code durableName} is empty for non-durable subscriptions; {@code offline} marks a durable whose client left
 * (or a durable queue group's shadow). {@code lastSent} is the value when the descriptor was written; later
 * {@link StateStore#sent} records raise it.
 */
public record SubscriptionRecord(long id, String channel, String clientId, String inbox, String ackInbox,
                                 String queueGroup, String durableName, int maxInFlight, long ackWaitNanos,
                                 long lastSent, boolean offline) {
}
