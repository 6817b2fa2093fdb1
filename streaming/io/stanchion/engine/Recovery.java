package io.stanchion.engine;

import io.stanchion.store.ClientRecord;
import io.stanchion.store.RecoveredState;
import io.stanchion.store.StateStore;
import io.stanchion.store.SubscriptionRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rebuilds clients, subscriptions and queue groups from a recovered store before the engine starts, by the
 * original's rules: clients come back with their heartbeats restarted; a plain subscription whose client is gone is
 * dropped; a durable whose client is gone stays offline; ghost members of queue groups are dropped, their pending
 * messages going to the remaining members, or to the shadow of a durable group that has none.
 *
 * <p>A subscription whose last sent sequence is above its channel's last stored one (the message log lost its tail:
 * a power loss without fsync, a damaged tail cut by {@code --file_truncate_bad_eof}) is clamped to the channel's
 * last sequence, and its pending sequences above it are dropped; the clamp is journaled (the descriptor rewritten,
 * the kept pending sequences recorded again), so the messages published next under those sequences are delivered.
 * Threading: runs on the thread constructing the engine, before the engine thread starts.
 */
final class Recovery {
    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    private final Channels channels;
    private final Clients clients;
    private final Subscriptions subscriptions;
    private final Delivery delivery;
    private final StateStore state;

    private final Clock clock;

    Recovery(Channels channels, Clients clients, Subscriptions subscriptions, Delivery delivery, StateStore state,
             Clock clock) {
        this.clock = clock;
        this.channels = channels;
        this.clients = clients;
        this.subscriptions = subscriptions;
        this.delivery = delivery;
        this.state = state;
    }

    /** Applies {@code recovered}; returns the active subscriptions that have pending messages to redeliver. */
    List<Subscription> apply(RecoveredState recovered) {
        for (ClientRecord c : recovered.clients()) {
            clients.recover(c);
        }
        List<Subscription> withPending = new ArrayList<>();
        Map<QueueGroup, List<Subscription>> ghosts = new HashMap<>();
        long now = clock.nanos();
        for (RecoveredState.RecoveredSubscription recoveredSub : recovered.subscriptions()) {
            SubscriptionRecord d = recoveredSub.descriptor();
            Channel ch;
            try {
                ch = channels.getOrCreate(d.channel());
            } catch (Refusal e) {
                LOG.warn("Dropping recovered subscription {} on channel {}: {}", d.id(), d.channel(), e.getMessage());
                state.deleteSubscription(d.id());
                continue;
            }
            RecoveredState.RecoveredSubscription rs = clampToLog(recoveredSub, ch);
            Client client = d.offline() ? null : clients.get(d.clientId());
            QueueGroup group = null;
            if (!d.queueGroup().isEmpty()) {
                group = ch.queueGroups.computeIfAbsent(d.queueGroup(),
                        name -> new QueueGroup(name, !d.durableName().isEmpty(), rs.lastSent()));
                group.lastSent = Math.max(group.lastSent, rs.lastSent());
            }
            Subscription sub = new Subscription(d.id(), ch, d.durableName().isEmpty() ? null : d.durableName(),
                    group);
            sub.clientId = d.clientId();
            sub.inbox = d.inbox();
            sub.ackInbox = d.ackInbox();
            sub.maxInFlight = d.maxInFlight();
            sub.ackWaitNanos = d.ackWaitNanos();
            sub.lastSent = rs.lastSent();
            for (long seq : rs.pending()) {
                sub.pending.put(seq, now);
            }
            if (group != null) {
                if (client != null) {
                    activate(sub, client);
                    group.members.add(sub);
                } else if (d.offline() && group.shadow == null) {
                    sub.offline = true;
                    group.shadow = sub;
                } else {
                    ghosts.computeIfAbsent(group, g -> new ArrayList<>()).add(sub);
                }
            } else if (sub.isDurable()) {
                ch.subscriptions.add(sub);
                ch.durables.put(Subscription.durableKey(sub.clientId, sub.durableName), sub);
                if (client != null) {
                    activate(sub, client);
                } else {
                    sub.offline = true;
                    if (!d.offline()) {
                        state.putSubscription(Subscriptions.record(sub));
                    }
                }
            } else if (client != null) {
                ch.subscriptions.add(sub);
                activate(sub, client);
            } else {
                state.deleteSubscription(sub.id);
            }
            if (!sub.offline && sub.client != null && !sub.pending.isEmpty()) {
                withPending.add(sub);
            }
        }
        ghosts.forEach(this::dropGhosts);
        return withPending;
    }

    /**
     * {@code rs} with its last sent lowered to the channel's last stored sequence and its pending sequences above
     * it dropped, journaled; {@code rs} itself when it is within the log.
     */
    private RecoveredState.RecoveredSubscription clampToLog(RecoveredState.RecoveredSubscription rs, Channel ch) {
        long last = ch.log.lastSequence();
        if (rs.lastSent() <= last) {
            return rs;
        }
        SubscriptionRecord d = rs.descriptor();
        long[] kept = java.util.Arrays.stream(rs.pending()).filter(seq -> seq <= last).toArray();
        LOG.warn("Subscription {} on channel {}: last sent {} is beyond the channel's last stored message {} "
                        + "(the message log lost its tail); resuming after {}, {} pending message(s) dropped",
                d.id(), d.channel(), rs.lastSent(), last, last, rs.pending().length - kept.length);
        SubscriptionRecord clamped = new SubscriptionRecord(d.id(), d.channel(), d.clientId(), d.inbox(),
                d.ackInbox(), d.queueGroup(), d.durableName(), d.maxInFlight(), d.ackWaitNanos(), last, d.offline());
        state.deleteSubscription(d.id());
        state.putSubscription(clamped);
        for (long seq : kept) {
            state.sent(d.id(), seq);
        }
        return new RecoveredState.RecoveredSubscription(clamped, last, kept);
    }

    private void activate(Subscription sub, Client client) {
        sub.client = client;
        sub.offline = false;
        client.subscriptions.add(sub);
        subscriptions.registerRecovered(sub);
    }

    /** Members whose client did not survive: their pending go to live members, or become the group's shadow. */
    private void dropGhosts(QueueGroup group, List<Subscription> ghosts) {
        for (Subscription ghost : ghosts) {
            if (!group.members.isEmpty()) {
                delivery.handOver(ghost, group.members);
                state.deleteSubscription(ghost.id);
            } else if (group.durable) {
                if (group.shadow == null) {
                    ghost.offline = true;
                    group.shadow = ghost;
                    state.putSubscription(Subscriptions.record(ghost));
                } else {
                    delivery.adopt(ghost, group.shadow);
                    state.deleteSubscription(ghost.id);
                }
            } else {
                state.deleteSubscription(ghost.id);
            }
        }
        if (group.members.isEmpty() && group.shadow == null) {
            ghosts.get(0).channel.queueGroups.remove(group.name);
        }
    }
}
