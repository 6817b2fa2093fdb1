package io.stanchion.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * A queue group of a channel: members share one position in the channel; each message goes to one member.
 * Threading: engine thread only.
 */
final class QueueGroup {
    /** The group name, or {@code durable:group} for a durable queue group (as monitoring shows it). */
    final String name;
    final boolean durable;
    final List<Subscription> members = new ArrayList<>();
    long lastSent;
    /** For a durable group without members: the offline subscription that keeps its pending messages. */
    Subscription shadow;

    QueueGroup(String name, boolean durable, long lastSent) {
        this.name = name;
        this.durable = durable;
        this.lastSent = lastSent;
    }

    /**
     * The member a new message goes to: fewest pending among those not stalled and whose client answers
     * heartbeats; when there is none, the first member as in the original (so a group whose members all miss
     * heartbeats still delivers); a pick that heads the list is rotated to its end (approximate round robin).
     * Null when all stall.
     */
    Subscription pickForDelivery() {
        Subscription best = null;
        for (Subscription m : members) {
            if (m.isStalled() || m.clientUnresponsive()) {
                continue;
            }
            if (best == null || m.pending.size() < best.pending.size()) {
                best = m;
            }
        }
        if (best == null && !members.isEmpty() && !members.get(0).isStalled()) {
            best = members.get(0);
        }
        if (best != null && members.size() > 1 && members.get(0) == best) {
            members.remove(0);
            members.add(best);
        }
        return best;
    }

    /** The member a redelivery goes to: the best one now, or {@code current} when every member is stalled. */
    Subscription pickForRedelivery(Subscription current) {
        Subscription best = pickForDelivery();
        return best != null ? best : current;
    }
}
