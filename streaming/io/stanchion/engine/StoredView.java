package io.stanchion.engine;

import io.stanchion.store.ChannelLog;
import io.stanchion.store.ClientRecord;
import io.stanchion.store.RecoveredState;
import io.stanchion.store.SubscriptionRecord;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The monitoring view of stores no engine serves (a cluster follower's replicated stores): the same
 * {@link Snapshot} values {@link EngineView} gives on the leader, computed from the state store's live state
 * ({@code StateStore.current()}) and the channel logs' counts. Everything is copied when it is built, so it is
 * immutable and safe to read anywhere; build it while nothing writes the stores (a follower: under the cluster state
 * machine's lock).
 *
 * <p>What the stores hold is what the leader replicated, so clients, subscriptions (descriptors, offline flags,
 * last sent, pending sets) and channel counts are the leader's as of the last applied Raft entry. What only the
 * leader's engine knows in memory takes the stored or zero value: {@code redeliveries} is 0; {@code pending_count}
 * is the stored pending set's size (the engine's own set, which it journals per batch); {@code is_stalled} is
 * computed from it as the engine does (online and pending &ge; max in flight). A queue member's {@code last_sent}
 * is its group's (the largest of the members' stored values), as on the leader.
 */
public final class StoredView implements StateView {
    private final Snapshot.Totals totals;
    private final List<Snapshot.Client> clients;
    private final List<Snapshot.Channel> channels;

    private StoredView(Snapshot.Totals totals, List<Snapshot.Client> clients, List<Snapshot.Channel> channels) {
        this.totals = totals;
        this.clients = clients;
        this.channels = channels;
    }

    /** Copies {@code state} (the state store's live state) and the counts of {@code logs}. */
    public static StoredView of(RecoveredState state, Collection<? extends ChannelLog> logs) {
        Map<String, Long> groupLastSent = new HashMap<>();
        for (RecoveredState.RecoveredSubscription rs : state.subscriptions()) {
            SubscriptionRecord d = rs.descriptor();
            if (!nullToEmpty(d.queueGroup()).isEmpty()) {
                groupLastSent.merge(d.channel() + '\u0000' + d.queueGroup(), rs.lastSent(), Math::max);
            }
        }
        // Per channel: plain subscriptions in id order, then each queue group's members (its shadow last), as the
        // engine lists them.
        Map<String, List<Snapshot.Sub>> plainByChannel = new HashMap<>();
        Map<String, Map<String, List<Snapshot.Sub>>> groupsByChannel = new HashMap<>();
        Map<String, List<Snapshot.Sub>> activeByClient = new HashMap<>();
        for (RecoveredState.RecoveredSubscription rs : state.subscriptions()) { // ascending id
            SubscriptionRecord d = rs.descriptor();
            String group = nullToEmpty(d.queueGroup());
            String durable = nullToEmpty(d.durableName());
            long lastSent = group.isEmpty() ? rs.lastSent()
                    : groupLastSent.getOrDefault(d.channel() + '\u0000' + group, rs.lastSent());
            int pending = rs.pending().length;
            Snapshot.Sub sub = new Snapshot.Sub(d.id(), d.channel(), d.clientId(), d.inbox(), d.ackInbox(), durable,
                    group, !durable.isEmpty(), d.offline(), d.maxInFlight(), d.ackWaitNanos() / 1_000_000_000L,
                    lastSent, pending, !d.offline() && pending >= d.maxInFlight(), 0);
            if (group.isEmpty()) {
                plainByChannel.computeIfAbsent(d.channel(), k -> new ArrayList<>()).add(sub);
            } else {
                groupsByChannel.computeIfAbsent(d.channel(), k -> new LinkedHashMap<>())
                        .computeIfAbsent(group, k -> new ArrayList<>()).add(sub);
            }
            if (!d.offline() && d.clientId() != null) {
                activeByClient.computeIfAbsent(d.clientId(), k -> new ArrayList<>()).add(sub);
            }
        }
        List<Snapshot.Channel> channels = new ArrayList<>();
        long msgs = 0;
        long bytes = 0;
        for (ChannelLog log : logs) {
            long count = log.messageCount();
            long size = log.byteCount();
            long first = log.firstSequence();
            long last = log.lastSequence();
            msgs += count;
            bytes += size;
            List<Snapshot.Sub> subs = new ArrayList<>(plainByChannel.getOrDefault(log.name(), List.of()));
            groupsByChannel.getOrDefault(log.name(), Map.of()).values().forEach(members -> {
                members.stream().filter(s -> !s.offline()).forEach(subs::add);
                members.stream().filter(Snapshot.Sub::offline).forEach(subs::add);
            });
            channels.add(new Snapshot.Channel(log.name(), count, size, count == 0 ? 0 : first, last,
                    List.copyOf(subs)));
        }
        channels.sort(Comparator.comparing(Snapshot.Channel::name));
        List<Snapshot.Client> clients = new ArrayList<>();
        for (ClientRecord c : state.clients()) {
            clients.add(new Snapshot.Client(c.id(), c.heartbeatInbox(),
                    List.copyOf(activeByClient.getOrDefault(c.id(), List.of()))));
        }
        clients.sort(Comparator.comparing(Snapshot.Client::id));
        Snapshot.Totals totals = new Snapshot.Totals(clients.size(), state.subscriptions().size(), channels.size(),
                msgs, bytes);
        return new StoredView(totals, List.copyOf(clients), List.copyOf(channels));
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    @Override
    public Snapshot.Totals totals() {
        return totals;
    }

    @Override
    public List<Snapshot.Client> clients() {
        return clients;
    }

    @Override
    public List<Snapshot.Channel> channels() {
        return channels;
    }
}
