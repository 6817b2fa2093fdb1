package io.stanchion.transport;

import io.nats.client.Connection;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs what jnats reports asynchronously (slow consumer, server errors) instead of printing stack traces. */
final class LoggingErrorListener implements ErrorListener {
    private static final Logger LOG = LoggerFactory.getLogger(LoggingErrorListener.class);

    @Override
    public void errorOccurred(Connection conn, String error) {
        LOG.error("NATS error: {}", error);
    }

    @Override
    public void exceptionOccurred(Connection conn, Exception exp) {
        LOG.warn("NATS connection exception: {}", exp.toString());
    }

    @Override
    public void slowConsumerDetected(Connection conn, Consumer consumer) {
        LOG.warn("NATS slow consumer detected");
    }
}
