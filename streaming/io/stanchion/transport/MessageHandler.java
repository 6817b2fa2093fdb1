package io.stanchion.transport;

/** Receives one inbound NATS message; called on the transport's single dispatch thread, in arrival order. */
@FunctionalInterface
public interface MessageHandler {
    void onMessage(String subject, String replyTo, byte[] data);
}
