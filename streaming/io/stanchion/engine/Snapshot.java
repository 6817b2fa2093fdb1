package io.stanchion.engine;

import java.util.List;

/**
 * Immutable copies of engine state, taken on the engine thread by {@link EngineView} and safe to read anywhere
 * (monitoring endpoints, metrics, the status page).
 */
public final class Snapshot {
    private Snapshot() {
    }

    /** A subscription as the original's monitoring shows it. */
    public record Sub(long id, String channel, String clientId, String inbox, String ackInbox, String durableName,
                      String queueName, boolean durable, boolean offline, int maxInFlight, long ackWaitSeconds,
                      long lastSent, int pendingCount, boolean stalled, long redeliveries) {
    }

    public record Client(String id, String heartbeatInbox, List<Sub> subscriptions) {
    }

    public record Channel(String name, long msgs, long bytes, long firstSeq, long lastSeq, List<Sub> subscriptions) {
    }

    /** Server-wide totals. */
    public record Totals(int clients, int subscriptions, int channels, long msgs, long bytes) {
    }
}
