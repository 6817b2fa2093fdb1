package io.stanchion.transport;

/**
 * One of the server's subscriptions: its subject, its handler for a jnats connection and the same for the direct
 * connection ({@code raw}; by default the handler behind {@link RawMessageHandler#of}). Both must do the same.
 * {@code queue} (null: none) subscribes in that queue group: a partitioned server subscribes its publish subjects
 * in one group of its own, so that a channel two of its patterns match is still received once.
 */
public record Route(String subject, String queue, MessageHandler handler, RawMessageHandler raw) {

    public Route(String subject, MessageHandler handler, RawMessageHandler raw) {
        this(subject, null, handler, raw);
    }

    public Route(String subject, MessageHandler handler) {
        this(subject, null, handler, RawMessageHandler.of(handler));
    }
}
