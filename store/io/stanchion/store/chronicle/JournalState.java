package io.stanchion.store.chronicle;

import io.stanchion.store.ClientRecord;
import io.stanchion.store.RecoveredState;
import io.stanchion.store.SubscriptionRecord;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The state the journal describes, kept in memory: server info, clients, subscriptions with their last sent sequence
 * and pending sets (bitmap windows, {@link SequenceSet}). The same rules apply at replay ({@link JournalRecordDecoder})
 * and while running ({@link ChronicleStateStore}), so a compaction writes a snapshot of it
 * ({@link JournalCompaction}) without reading the journal.
 *
 * <h2>Replay rules</h2>
 * Records apply in order: SERVER_INFO sets both values (last wins); CLIENT_ADD adds or replaces the client of that
 * id (a replaced client keeps its place in the order); CLIENT_DELETE removes it; SUB_PUT creates a subscription
 * (pending empty, last sent = the descriptor's) or replaces its descriptor, keeping its pending set, with last sent
 * = max(last sent, descriptor's); SUB_DELETE removes it and its pending set; SENT adds the sequence to the pending
 * set and raises last sent to it; ACKED removes it from the pending set; SENT and ACKED for an unknown (or deleted)
 * subscription are ignored. The largest subscription id ever seen is the max of every SUB_PUT/SUB_DELETE id and of
 * every SNAPSHOT_END's maxSubscriptionId (which carries it across compactions that drop deleted subscriptions).
 * Recovered clients keep journal order; recovered subscriptions are in ascending id order, pending ascending, and
 * each recovered descriptor carries the subscription's last sent (so it does not depend on when compactions ran).
 *
 * <p>Threading: the store's owner thread (a replay's own instance on the thread opening the store).
 */
final class JournalState {

    /** One subscription: its descriptor, last sent sequence and pending sequences. */
    static final class Sub {
        SubscriptionRecord descriptor;
        long lastSent;
        final SequenceSet pending = new SequenceSet();
    }

    String clusterId;
    String ackToken;
    final LinkedHashMap<String, ClientRecord> clients = new LinkedHashMap<>();
    final LongObjectHashMap<Sub> subs = new LongObjectHashMap<>();
    long maxSubscriptionId;
    /** Sum of the pending set sizes. */
    long pendingCount;

    void putSubscription(SubscriptionRecord r) {
        Sub s = subs.get(r.id());
        if (s == null) {
            s = new Sub();
            s.lastSent = r.lastSent();
            subs.put(r.id(), s);
        } else {
            s.lastSent = Math.max(s.lastSent, r.lastSent());
        }
        s.descriptor = r;
        maxSubscriptionId = Math.max(maxSubscriptionId, r.id());
    }

    void deleteSubscription(long id) {
        Sub s = subs.remove(id);
        if (s != null) {
            pendingCount -= s.pending.size();
        }
        maxSubscriptionId = Math.max(maxSubscriptionId, id);
    }

    /** @return true when the state changed */
    boolean sent(long id, long seq) {
        Sub s = subs.get(id);
        if (s == null) {
            return false;
        }
        boolean added = s.pending.add(seq);
        if (added) {
            pendingCount++;
        }
        if (seq > s.lastSent) {
            s.lastSent = seq;
            return true;
        }
        return added;
    }

    /** @return true when the state changed */
    boolean acked(long id, long seq) {
        Sub s = subs.get(id);
        if (s == null || !s.pending.remove(seq)) {
            return false;
        }
        pendingCount--;
        return true;
    }

    /** Records a snapshot of this state holds. */
    long liveRecords() {
        return (clusterId != null || ackToken != null ? 1 : 0) + clients.size() + subs.size() + pendingCount + 1;
    }

    List<Sub> sortedSubscriptions() {
        List<Sub> list = subs.values();
        list.sort(Comparator.comparingLong(x -> x.descriptor.id()));
        return list;
    }

    RecoveredState toRecovered() {
        List<RecoveredState.RecoveredSubscription> rs = new ArrayList<>(subs.size());
        for (Sub s : sortedSubscriptions()) {
            rs.add(new RecoveredState.RecoveredSubscription(withLastSent(s.descriptor, s.lastSent), s.lastSent,
                    s.pending.toSortedArray()));
        }
        return new RecoveredState(clusterId, ackToken, List.copyOf(clients.values()), List.copyOf(rs),
                maxSubscriptionId);
    }

    /** {@code r} with its last sent replaced (r itself when it already has it). */
    private static SubscriptionRecord withLastSent(SubscriptionRecord r, long lastSent) {
        if (r.lastSent() == lastSent) {
            return r;
        }
        return new SubscriptionRecord(r.id(), r.channel(), r.clientId(), r.inbox(), r.ackInbox(), r.queueGroup(),
                r.durableName(), r.maxInFlight(), r.ackWaitNanos(), lastSent, r.offline());
    }
}
