package io.stanchion.engine;

/**
 * One subscription: plain, durable, or a member (or the offline shadow) of a queue group.
 *
 * <p>Threading: engine thread only. The pending map ({@link PendingMap}: primitive arrays, no object per message)
 * is in delivery order; as one subscription has one AckWait, its first entry always holds the earliest deadline, so
 * one timer per subscription suffices.
 */
final class Subscription {
    final long id;
    final Channel channel;
    /** Durable name as given by the client, or null. */
    final String durableName;
    /** The queue group it belongs to, or null. */
    final QueueGroup group;

    /** Owning client's ID; kept while offline for monitoring, as the original shows the last client. */
    String clientId;
    String inbox;
    String ackInbox;
    int maxInFlight;
    long ackWaitNanos;
    /** A durable (or durable-queue shadow) whose client has gone; it keeps its state and gets no deliveries. */
    boolean offline;
    /** Highest sequence sent; for queue members the group's value is used instead. */
    long lastSent;
    final PendingMap pending = new PendingMap();
    Scheduler.Timer ackTimer;
    /** Queued for a delivery pass at the next {@link Delivery#flush()} (acks made room). */
    boolean wantsDelivery;
    /** Redeliveries made by this subscription since it was created or recovered (monitoring only). */
    long redeliveredTotal;
    /** The client object for active subscriptions (null while offline). */
    Client client;

    Subscription(long id, Channel channel, String durableName, QueueGroup group) {
        this.id = id;
        this.channel = channel;
        this.durableName = durableName;
        this.group = group;
    }

    boolean isDurable() {
        return durableName != null && !durableName.isEmpty();
    }

    boolean isStalled() {
        return pending.size() >= maxInFlight;
    }

    /** True when the client has missed heartbeats: the original skips redelivery to such subscriptions. */
    boolean clientUnresponsive() {
        return client != null && client.failedHeartbeats > 0;
    }

    long lastSentOfStream() {
        return group != null ? group.lastSent : lastSent;
    }

    /** The key of a non-queue durable within its channel. */
    static String durableKey(String clientId, String durableName) {
        return clientId + '\u0000' + durableName;
    }
}
