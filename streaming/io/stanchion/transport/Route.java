package io.stanchion.transport;

/**
 * One of the server's subscriptions: its subject, its handler for a jnats connection and the same for the direct
 * connection ({@code raw}; by default the handler behind {@link RawMessageHandler#of}). Both must do the same.
 */
public record Route(String subject, MessageHandler handler, RawMessageHandler raw) {

    public Route(String subject, MessageHandler handler) {
        this(subject, handler, RawMessageHandler.of(handler));
    }
}
