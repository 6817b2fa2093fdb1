package io.stanchion.store;

/**
 * Persistent server state beside the message logs: the server's identity, registered clients, and every
 * subscription with its last sent sequence and pending (delivered, unacknowledged) set.
 *
 * <p>Writes are journaled: each call appends one small record; nothing is rewritten in place. Opening a store
 * replays the journal into a {@link RecoveredState} and compacts it (the live state is written as a snapshot that
 * replaces the old journal), so recovery never replays messages and the journal stays proportional to live state.
 *
 * <p>Threading: one owner thread (the engine) calls every method. Durability: as {@link ChannelLog}: a record is in
 * the memory-mapped journal once the call returns (survives a process crash), except that {@link #sent} and
 * {@link #acked} may be buffered until the next {@link #flush(boolean)} (or the next other call), written in call
 * order; {@link #flush(boolean)} with fsync also forces everything to the device.
 *
 * <p>Failures (as {@link ChannelLog}): a write call or {@link #flush} throws {@link StoreFullException} when the
 * journal refuses a record for lack of disk space before writing it (journal and in-memory state unchanged, still
 * usable; buffered {@link #sent}/{@link #acked} events stay buffered for the next flush). Any other failure,
 * memory-mapped access faults ({@code InternalError}) included, is a plain {@link StoreException}: journal state
 * unknown, the server stops. A failed fsync is never retried and leaves the journal refusing further writes.
 */
public interface StateStore extends AutoCloseable {

    /** What was recovered when the store was opened (empty for a new store). */
    RecoveredState recovered();

    /**
     * The live state now, as {@link #recovered} describes it (server info, clients in registration order,
     * subscriptions in ascending id order with their last sent and pending sequences): an immutable copy that
     * reflects every call made so far, buffered {@link #sent}/{@link #acked} included. Safe to read anywhere once
     * returned. Like every method, called by the owner thread — or by another thread while the owner is known
     * not to call (e.g. both under one lock: a cluster follower's monitoring reads it under the state machine's
     * lock). Costs a copy of the whole state: for monitoring, not for hot paths.
     */
    RecoveredState current();

    /**
     * Records the server's identity (written at first start): the cluster ID the store belongs to, and the token
     * of its ack inbox subjects, kept so that clients of recovered subscriptions can go on acking after a restart.
     */
    void serverInfo(String clusterId, String ackToken);

    void addClient(ClientRecord client);

    void deleteClient(String clientId);

    /** Creates or replaces a subscription's descriptor (its pending set is unchanged). */
    void putSubscription(SubscriptionRecord sub);

    /** Deletes a subscription and its pending set. */
    void deleteSubscription(long subscriptionId);

    /** {@code sequence} was delivered to the subscription and is pending; its last sent becomes at least it. */
    void sent(long subscriptionId, long sequence);

    /** {@code sequence} is no longer pending for the subscription. */
    void acked(long subscriptionId, long sequence);

    /**
     * Writes buffered sent/acked events to the journal (then they survive a process crash) and, with {@code fsync},
     * forces everything to the device.
     */
    void flush(boolean fsync);

    @Override
    void close();
}
