package io.stanchion.engine;

/**
 * What the engine reports about its hot path. Called on the engine thread; implementations must be cheap and
 * non-blocking. {@link #NONE} records nothing.
 */
public interface EngineMetrics {
    EngineMetrics NONE = new EngineMetrics() {
    };

    /** Time from a publish's arrival (decoded on the transport thread) to its PubAck being sent. */
    default void pubAckLatency(long nanos) {
    }

    /** Time to append one message to its log. */
    default void appendLatency(long nanos) {
    }

    /** Time of one log flush at a batch's commit; {@code fsync} tells whether it synced to the device. */
    default void flushLatency(long nanos, boolean fsync) {
    }

    /** A heartbeat to a client got no reply in time. */
    default void heartbeatFailed() {
    }

    /** Size of a committed batch of publishes. */
    default void batchCommitted(int publishes) {
    }
}
