package io.stanchion.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A read-only view of the engine's state for queries run on the engine thread through {@link Engine#call}.
 * Valid only inside that call; what it returns are immutable {@link Snapshot} values.
 */
public final class EngineView implements StateView {
    private final Channels channels;
    private final Clients clients;
    private final Subscriptions subscriptions;

    EngineView(Channels channels, Clients clients, Subscriptions subscriptions) {
        this.channels = channels;
        this.clients = clients;
        this.subscriptions = subscriptions;
    }

    public int clientCount() {
        return clients.all().size();
    }

    public int channelCount() {
        return channels.all().size();
    }

    /** Stored subscriptions, offline durables and durable queue shadows included (as /serverz counts them). */
    public int subscriptionCount() {
        return subscriptions.snapshot().size();
    }

    /** Whether a client with this ID is registered. */
    public boolean hasClient(String clientId) {
        return clients.get(clientId) != null;
    }

    @Override
    public Snapshot.Totals totals() {
        long msgs = 0;
        long bytes = 0;
        for (Channel ch : channels.all()) {
            msgs += ch.log.messageCount();
            bytes += ch.log.byteCount();
        }
        return new Snapshot.Totals(clientCount(), subscriptionCount(), channelCount(), msgs, bytes);
    }

    /** Every client, sorted by ID, with its active subscriptions. */
    @Override
    public List<Snapshot.Client> clients() {
        List<Snapshot.Client> out = new ArrayList<>();
        for (Client c : clients.all()) {
            List<Snapshot.Sub> subs = new ArrayList<>();
            for (Subscription s : c.subscriptions) {
                subs.add(sub(s));
            }
            out.add(new Snapshot.Client(c.id, c.heartbeatInbox, List.copyOf(subs)));
        }
        out.sort(Comparator.comparing(Snapshot.Client::id));
        return out;
    }

    /** Every channel, sorted by name, with all its stored subscriptions (offline ones included). */
    @Override
    public List<Snapshot.Channel> channels() {
        List<Snapshot.Channel> out = new ArrayList<>();
        for (Channel ch : channels.all()) {
            out.add(channel(ch));
        }
        out.sort(Comparator.comparing(Snapshot.Channel::name));
        return out;
    }

    /** One channel, or null. */
    public Snapshot.Channel channel(String name) {
        Channel ch = channels.get(name);
        return ch == null ? null : channel(ch);
    }

    private static Snapshot.Channel channel(Channel ch) {
        List<Snapshot.Sub> subs = new ArrayList<>();
        for (Subscription s : ch.subscriptions) {
            subs.add(sub(s));
        }
        for (QueueGroup g : ch.queueGroups.values()) {
            for (Subscription s : g.members) {
                subs.add(sub(s));
            }
            if (g.shadow != null) {
                subs.add(sub(g.shadow));
            }
        }
        long first = ch.log.firstSequence();
        long last = ch.log.lastSequence();
        long count = ch.log.messageCount();
        return new Snapshot.Channel(ch.name, count, ch.log.byteCount(), count == 0 ? 0 : first, last,
                List.copyOf(subs));
    }

    private static Snapshot.Sub sub(Subscription s) {
        long redeliveries = s.redeliveredTotal;
        return new Snapshot.Sub(s.id, s.channel.name, s.clientId, s.inbox, s.ackInbox,
                s.durableName == null ? "" : s.durableName, s.group == null ? "" : s.group.name,
                s.isDurable(), s.offline, s.maxInFlight, s.ackWaitNanos / 1_000_000_000L, s.lastSentOfStream(),
                s.pending.size(), !s.offline && s.isStalled(), redeliveries);
    }
}
