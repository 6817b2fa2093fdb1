package io.stanchion.engine;

/**
 * A read-only view of the engine's state for queries run on the engine thread through {@link Engine#call}.
 * Valid only inside that call.
 */
public final class EngineView {
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
}
