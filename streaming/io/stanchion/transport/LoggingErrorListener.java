package io.stanchion.transport;

import io.nats.client.Connection;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import io.stanchion.config.Redaction;
import io.stanchion.config.ServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs what jnats reports asynchronously (slow consumer, server errors) instead of printing stack traces; URLs'
 * passwords and the configured password and token never reach the log. Threading: any jnats thread (stateless).
 */
final class LoggingErrorListener implements ErrorListener {
    private static final Logger LOG = LoggerFactory.getLogger(LoggingErrorListener.class);

    private final ServerConfig config;

    LoggingErrorListener(ServerConfig config) {
        this.config = config;
    }

    @Override
    public void errorOccurred(Connection conn, String error) {
        LOG.error("NATS error: {}", Redaction.secrets(error, config));
    }

    @Override
    public void exceptionOccurred(Connection conn, Exception exp) {
        LOG.warn("NATS connection exception: {}", Redaction.secrets(exp.toString(), config));
    }

    @Override
    public void slowConsumerDetected(Connection conn, Consumer consumer) {
        LOG.warn("NATS slow consumer detected");
    }
}
