package io.stanchion.transport;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * What the engine needs from the NATS connection: publish, and a request whose only interest is whether anyone
 * answered in time (heartbeats, duplicate-client probes). Implementations are thread-safe.
 */
public interface Transport {

    /** Publishes {@code payload} on {@code subject}; never throws for a connection problem (it logs and drops). */
    void publish(String subject, byte[] payload);

    /**
     * Sends an empty-reply-expected request; {@code onResult} receives true when a reply arrived within
     * {@code timeout}, false on time-out, no responders or a connection failure. Called on a transport thread.
     */
    void probe(String subject, byte[] payload, Duration timeout, Consumer<Boolean> onResult);

    /**
     * Writes out what this thread published so far; the engine calls it at the end of every batch. Implementations
     * that write as they go do nothing.
     */
    default void flush() {
    }

    /**
     * The prefix of every reply inbox this connection's requests use (the server subscribes to it), or null when
     * it has none of its own: a client must never name such an inbox for the server to publish to.
     */
    default String requestInboxPrefix() {
        return null;
    }
}
