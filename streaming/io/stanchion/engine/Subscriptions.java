package io.stanchion.engine;

import io.stanchion.codec.Names;

import io.stanchion.codec.Errors;
import io.stanchion.codec.Replies;

import io.stanchion.config.ServerConfig;
import io.stanchion.protocol.pb.StartPosition;
import io.stanchion.protocol.pb.SubscriptionRequest;
import io.stanchion.protocol.pb.UnsubscribeRequest;
import io.stanchion.store.ChannelLog;
import io.stanchion.store.StateStore;
import io.stanchion.store.StoreFullException;
import io.stanchion.store.SubscriptionRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Subscription lifecycle: subscribe (validation, start position, durable resume, queue join), unsubscribe, close,
 * and what a client's departure does to its subscriptions. Threading: engine thread only.
 */
final class Subscriptions {
    private final ServerConfig config;
    private final Channels channels;
    private final Clients clients;
    private final Delivery delivery;
    private final Replies replies;
    private final Supplier<String> newAckInbox;
    private final StateStore state;
    private final Map<String, Subscription> byAckInbox = new HashMap<>();
    /** Subscription IDs are unique in the server and never reused, across restarts too. */
    private long lastId;
    private final Clock clock;

    Subscriptions(ServerConfig config, Channels channels, Clients clients, Delivery delivery, Replies replies,
                  Supplier<String> newAckInbox, StateStore state, long lastId, Clock clock) {
        this.clock = clock;
        this.config = config;
        this.channels = channels;
        this.clients = clients;
        this.delivery = delivery;
        this.replies = replies;
        this.newAckInbox = newAckInbox;
        this.state = state;
        this.lastId = lastId;
    }

    long nextId() {
        return ++lastId;
    }

    /** Indexes a recovered active subscription by its (kept) ack inbox. */
    void registerRecovered(Subscription sub) {
        byAckInbox.put(sub.ackInbox, sub);
    }

    /** The persisted descriptor of {@code sub} as it is now. */
    static SubscriptionRecord record(Subscription sub) {
        return new SubscriptionRecord(sub.id, sub.channel.name, nullToEmpty(sub.clientId), nullToEmpty(sub.inbox),
                nullToEmpty(sub.ackInbox), sub.group == null ? "" : sub.group.name, nullToEmpty(sub.durableName),
                sub.maxInFlight, sub.ackWaitNanos, sub.lastSentOfStream(), sub.offline);
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    Subscription byAckInbox(String ackInbox) {
        return byAckInbox.get(ackInbox);
    }

    /**
     * Handles a SubscriptionRequest: replies first, then starts delivery (never before the reply). The new state is
     * journaled before it is applied in memory, so a refused journal write ({@link StoreFullException}: no space)
     * is answered with its error and leaves the subscriptions as they were.
     */
    void subscribe(SubscriptionRequest r, String reply) {
        Subscription sub;
        boolean resumed;
        try {
            validate(r);
            Client client = clients.get(r.getClientID());
            if (client == null) {
                throw new Refusal(Errors.UNKNOWN_CLIENT);
            }
            Channel ch = channels.getOrCreate(r.getSubject());
            ch.lastActivity = clock.nanos();
            Joining joining;
            if (!r.getQGroup().isEmpty()) {
                joining = joinQueue(ch, r);
            } else if (!r.getDurableName().isEmpty()) {
                joining = durable(ch, r);
            } else {
                checkSubLimit(ch);
                Subscription plain = new Subscription(nextId(), ch, null, null);
                plain.lastSent = startSequence(ch, r) - 1;
                joining = new Joining(plain, null, false, null);
            }
            sub = joining.sub;
            String ackInbox = newAckInbox.get();
            state.putSubscription(new SubscriptionRecord(sub.id, ch.name, client.id, r.getInbox(), ackInbox,
                    joining.group == null ? "" : joining.group.name, nullToEmpty(sub.durableName),
                    r.getMaxInFlight(), r.getAckWaitInSecs() * 1_000_000_000L,
                    joining.group == null ? sub.lastSent : joining.group.lastSent, false));
            joining.apply(ch);
            attach(sub, client, r, ackInbox);
            QueueGroup g = sub.group;
            if (g != null && g.shadow != null) {
                // A durable queue group's shadow: its pending messages and position pass to the new member.
                delivery.adopt(g.shadow, sub);
                state.deleteSubscription(g.shadow.id);
                g.shadow = null;
            }
            resumed = !sub.pending.isEmpty();
        } catch (Refusal | StoreFullException e) {
            replies.subscriptionResponse(reply, null, e.getMessage());
            return;
        }
        replies.subscriptionResponse(reply, sub.ackInbox, null);
        if (resumed) {
            delivery.redeliverAllPending(sub);
        }
        delivery.sendAvailable(sub);
    }

    /**
     * A subscription about to be registered, with the in-memory changes that register it — made only once its
     * descriptor is in the journal.
     */
    private record Joining(Subscription sub, QueueGroup group, boolean newGroup, String newDurableKey) {
        void apply(Channel ch) {
            if (group != null) {
                if (newGroup) {
                    ch.queueGroups.put(group.name, group);
                }
                group.members.add(sub);
            } else if (newDurableKey != null) {
                ch.subscriptions.add(sub);
                ch.durables.put(newDurableKey, sub);
            } else if (!sub.isDurable()) {
                ch.subscriptions.add(sub);
            }
            // else: an offline durable resumed, already in the channel; attach() brings it online
        }
    }

    private static void validate(SubscriptionRequest r) throws Refusal {
        if (r.getClientID().isEmpty()) {
            throw new Refusal(Errors.CLIENT_ID_MISSING);
        }
        if (r.getAckWaitInSecs() <= 0) {
            throw new Refusal(Errors.INVALID_ACK_WAIT);
        }
        if (r.getMaxInFlight() <= 0) {
            throw new Refusal(Errors.INVALID_MAX_IN_FLIGHT);
        }
        int pos = r.getStartPositionValue();
        if (pos < StartPosition.NewOnly_VALUE || pos > StartPosition.First_VALUE) {
            throw new Refusal(Errors.INVALID_START_POSITION);
        }
        if (!Names.isValidChannel(r.getSubject())) {
            throw new Refusal(Errors.INVALID_SUBJECT);
        }
        if (!Names.isPublishableSubject(r.getInbox())) {
            throw new Refusal(Errors.INVALID_SUB_REQUEST);
        }
        if (r.getDurableName().length() > Names.MAX_DURABLE_LENGTH) {
            throw new Refusal(Errors.DURABLE_TOO_LONG);
        }
        if (r.getQGroup().length() > Names.MAX_QUEUE_LENGTH) {
            throw new Refusal(Errors.QUEUE_TOO_LONG);
        }
    }

    private Joining joinQueue(Channel ch, SubscriptionRequest r) throws Refusal {
        String durable = r.getDurableName();
        if (durable.indexOf(':') >= 0) {
            throw new Refusal(Errors.DURABLE_QUEUE_COLON);
        }
        String name = durable.isEmpty() ? r.getQGroup() : durable + ":" + r.getQGroup();
        QueueGroup g = ch.queueGroups.get(name);
        boolean newGroup = g == null;
        if (newGroup) {
            checkSubLimit(ch);
            g = new QueueGroup(name, !durable.isEmpty(), startSequence(ch, r) - 1);
        } else if (g.shadow == null) {
            checkSubLimit(ch);
        }
        return new Joining(new Subscription(nextId(), ch, durable.isEmpty() ? null : durable, g), g, newGroup, null);
    }

    private Joining durable(Channel ch, SubscriptionRequest r) throws Refusal {
        String key = Subscription.durableKey(r.getClientID(), r.getDurableName());
        Subscription existing = ch.durables.get(key);
        if (existing != null && !existing.offline) {
            if (!config.replaceDurable) {
                throw new Refusal(Errors.DUPLICATE_DURABLE);
            }
            remove(existing, false); // its own journaled change: the active one goes offline first
        }
        if (existing != null) {
            return new Joining(existing, null, false, null);
        }
        checkSubLimit(ch);
        Subscription sub = new Subscription(nextId(), ch, r.getDurableName(), null);
        sub.lastSent = startSequence(ch, r) - 1;
        return new Joining(sub, null, false, key);
    }

    private void attach(Subscription sub, Client client, SubscriptionRequest r, String ackInbox) {
        sub.clientId = client.id;
        sub.client = client;
        sub.inbox = r.getInbox();
        sub.maxInFlight = r.getMaxInFlight();
        sub.ackWaitNanos = r.getAckWaitInSecs() * 1_000_000_000L;
        sub.ackInbox = ackInbox;
        sub.offline = false;
        byAckInbox.put(sub.ackInbox, sub);
        client.subscriptions.add(sub);
    }

    private void checkSubLimit(Channel ch) throws Refusal {
        int max = config.storeLimits.forChannel(ch.name).maxSubs();
        if (max > 0 && ch.subscriptionCount() >= max) {
            throw new Refusal(Errors.TOO_MANY_SUBS);
        }
    }

    /** The first sequence a new subscription (or group) receives, from its requested start position. */
    long startSequence(Channel ch, SubscriptionRequest r) {
        ChannelLog log = ch.log;
        long first = log.firstSequence();
        long last = log.lastSequence();
        return switch (r.getStartPosition()) {
            case LastReceived -> log.messageCount() > 0 ? last : last + 1;
            case TimeDeltaStart -> {
                long start = Math.max(0, clock.wallNanos() - r.getStartTimeDelta());
                yield log.sequenceAtOrAfter(start);
            }
            case SequenceStart -> {
                long seq = r.getStartSequence();
                if (seq > last) {
                    yield last + 1;
                }
                yield Math.max(seq, first);
            }
            case First -> first;
            default -> last + 1;
        };
    }

    /** Unsubscribe ({@code close} false) or subscription close ({@code close} true). */
    void unsubscribe(UnsubscribeRequest r, String reply, boolean close) {
        Channel ch = channels.get(r.getSubject());
        if (ch == null) {
            replies.subscriptionResponse(reply, null, Errors.UNKNOWN_CHANNEL);
            return;
        }
        Subscription sub = byAckInbox.get(r.getInbox());
        if (sub == null || sub.channel != ch) {
            sub = findByDeliveryInbox(ch, r.getInbox());
        }
        if (sub == null) {
            replies.subscriptionResponse(reply, null, Errors.INVALID_SUBSCRIPTION);
            return;
        }
        if (!sub.clientId.equals(r.getClientID())) {
            replies.subscriptionResponse(reply, null, Errors.UNKNOWN_CLIENT);
            return;
        }
        remove(sub, !close);
        replies.subscriptionResponse(reply, null, null);
    }

    private static Subscription findByDeliveryInbox(Channel ch, String inbox) {
        for (Subscription s : ch.subscriptions) {
            if (!s.offline && inbox.equals(s.inbox)) {
                return s;
            }
        }
        for (QueueGroup g : ch.queueGroups.values()) {
            for (Subscription s : g.members) {
                if (inbox.equals(s.inbox)) {
                    return s;
                }
            }
        }
        return null;
    }

    /** A client is going away: its durables go offline, everything else it had is removed. */
    void clientClosed(Client c) {
        for (Subscription s : new ArrayList<>(c.subscriptions)) {
            remove(s, false);
        }
    }

    /**
     * Detaches an active subscription. {@code unsubscribe} deletes a durable's state; otherwise a durable goes
     * offline and the last member of a durable queue group leaves a shadow holding the group's pending messages.
     */
    private void remove(Subscription sub, boolean unsubscribe) {
        byAckInbox.remove(sub.ackInbox);
        if (sub.client != null) {
            sub.client.subscriptions.remove(sub);
            sub.client = null;
        }
        delivery.cancelTimer(sub);
        Channel ch = sub.channel;
        QueueGroup g = sub.group;
        if (g == null) {
            if (sub.isDurable() && !unsubscribe) {
                sub.offline = true;
                state.putSubscription(record(sub));
            } else {
                ch.subscriptions.remove(sub);
                if (sub.isDurable()) {
                    ch.durables.remove(Subscription.durableKey(sub.clientId, sub.durableName));
                }
                state.deleteSubscription(sub.id);
            }
            return;
        }
        g.members.remove(sub);
        if (!g.members.isEmpty()) {
            delivery.handOver(sub, g.members);
            state.deleteSubscription(sub.id);
            // The group's position must outlive the member that carried it.
            state.putSubscription(record(g.members.get(0)));
            delivery.sendAvailable(sub.channel, g);
        } else if (g.durable && !unsubscribe) {
            sub.offline = true;
            g.shadow = sub;
            state.putSubscription(record(sub));
        } else {
            ch.queueGroups.remove(g.name);
            state.deleteSubscription(sub.id);
        }
    }

    /** Deletes every subscription of a channel that is being deleted (offline durables and shadows too). */
    void deleteAll(Channel ch) {
        List<Subscription> all = new ArrayList<>(ch.subscriptions);
        for (QueueGroup g : ch.queueGroups.values()) {
            all.addAll(g.members);
            if (g.shadow != null) {
                all.add(g.shadow);
            }
        }
        for (Subscription s : all) {
            byAckInbox.remove(s.ackInbox);
            if (s.client != null) {
                s.client.subscriptions.remove(s);
                s.client = null;
            }
            delivery.cancelTimer(s);
            state.deleteSubscription(s.id);
        }
        ch.subscriptions.clear();
        ch.durables.clear();
        ch.queueGroups.clear();
    }

    /** Every subscription of every channel, for monitoring snapshots taken on the engine thread. */
    List<Subscription> snapshot() {
        List<Subscription> all = new ArrayList<>();
        for (Channel ch : channels.all()) {
            all.addAll(ch.subscriptions);
            for (QueueGroup g : ch.queueGroups.values()) {
                all.addAll(g.members);
                if (g.shadow != null) {
                    all.add(g.shadow);
                }
            }
        }
        return all;
    }
}
