package io.stanchion.transport;

import io.nats.client.AuthHandler;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.stanchion.config.PemTls;
import io.stanchion.config.Redaction;
import io.stanchion.config.ServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The server's NATS connection through jnats. One connection and one dispatcher: every subscription shares the
 * dispatcher's single thread, so requests, publishes and acks reach the engine in the order the broker sent them
 * (this is what makes a close sent after publishes be handled after them).
 *
 * <p>Threading: {@link #publish} and {@link #probe} are safe from any thread; {@link #subscribe} is called during
 * startup only.
 */
public final class JnatsTransport implements Transport, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JnatsTransport.class);

    private final Connection connection;
    private final Dispatcher dispatcher;
    private final String inboxPrefix;

    private JnatsTransport(Connection connection, String inboxPrefix) {
        this.connection = connection;
        this.inboxPrefix = inboxPrefix;
        this.dispatcher = connection.createDispatcher();
        // Never drop an inbound request because the engine is momentarily behind: the engine's queue is the
        // backpressure, and client pub-ack windows bound what can be outstanding.
        this.dispatcher.setPendingLimits(-1, -1);
    }

    /** Connects to the configured NATS servers; throws IOException with a one-line reason when none answers. */
    public static JnatsTransport connect(ServerConfig config) throws IOException {
        // A request inbox prefix of its own (jnats's default, "_INBOX.", is every client's): clients can then be
        // refused when they name one of the server's reply inboxes as theirs.
        String inboxPrefix = "_INBOX." + io.nats.client.NUID.nextGlobal() + ".";
        Options.Builder options = new Options.Builder()
                .inboxPrefix(inboxPrefix)
                .servers(config.natsUrls.toArray(String[]::new))
                .connectionName("_NSS-" + config.clusterId + "-general")
                .maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(250))
                .connectionTimeout(Duration.ofSeconds(2))
                .maxMessagesInOutgoingQueue(1_000_000)
                .bufferSize(256 * 1024)
                .noRandomize()
                // Every subject published to is a reply subject the broker handed over, or a client inbox the
                // engine checked when the client named it (Names.isPublishableSubject): no check per publish.
                .noSubjectValidation()
                .errorListener(new LoggingErrorListener(config))
                .connectionListener((conn, type) -> LOG.info("NATS connection {}", type));
        if (config.natsToken != null) {
            options.token(config.natsToken.toCharArray());
        } else if (config.natsUser != null) {
            options.userInfo(config.natsUser, config.natsPassword == null ? "" : config.natsPassword);
        }
        if (config.natsCredentials != null) {
            if (!Files.isReadable(config.natsCredentials)) {
                throw new IOException("NATS credentials file " + config.natsCredentials + " can't be read");
            }
            options.authHandler(Nats.credentials(config.natsCredentials.toString()));
        } else if (config.nkeySeedFile != null) {
            options.authHandler(nkeyAuth(config.nkeySeedFile));
        }
        if (config.tlsEnabled()) {
            try {
                options.sslContext(PemTls.clientContext(config));
            } catch (GeneralSecurityException e) {
                throw new IOException("TLS setup for the NATS connection failed: " + e.getMessage());
            }
            // Keep the URL's host name (not a resolved IP) so that the server certificate is checked against it.
            options.noResolveHostnames();
            if (config.tlsSkipVerify) {
                LOG.warn("TLS: the NATS server's certificate is NOT verified (skip_verify): this connection is "
                        + "open to man-in-the-middle attacks");
            }
        }
        try {
            return new JnatsTransport(Nats.connect(options.build()), inboxPrefix);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to NATS");
        } catch (IOException e) {
            throw new IOException(Redaction.secrets("unable to connect to NATS server(s) "
                    + String.join(",", config.natsUrls) + ": " + e.getMessage(), config));
        }
    }

    /** Authenticates with the NKey seed found in {@code seedFile} (the first line that is a user seed). */
    private static AuthHandler nkeyAuth(Path seedFile) throws IOException {
        char[] seed = null;
        for (String line : Files.readAllLines(seedFile)) {
            String t = line.trim();
            if (t.startsWith("S") && t.length() >= 58 && t.matches("[A-Z2-7]+")) {
                seed = t.toCharArray();
                break;
            }
        }
        if (seed == null) {
            throw new IOException("NKey seed file " + seedFile + " holds no seed");
        }
        NKey nkey;
        char[] publicKey;
        try {
            nkey = NKey.fromSeed(seed);
            publicKey = nkey.getPublicKey();
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IOException("NKey seed file " + seedFile + " holds an invalid seed: " + e.getMessage());
        }
        return new AuthHandler() {
            @Override
            public byte[] sign(byte[] nonce) {
                try {
                    return nkey.sign(nonce);
                } catch (GeneralSecurityException | IOException e) {
                    throw new IllegalStateException("NKey signature failed: " + e.getMessage(), e);
                }
            }

            @Override
            public char[] getID() {
                return publicKey.clone();
            }

            @Override
            public char[] getJWT() {
                return null;
            }
        };
    }

    /** Subscribes {@code handler} to {@code subject} on the shared dispatcher. */
    public void subscribe(String subject, MessageHandler handler) {
        dispatcher.subscribe(subject, (Message m) -> handler.onMessage(m.getSubject(), m.getReplyTo(), m.getData()));
    }

    /** Subscribes {@code handler} to {@code subject} in queue group {@code queue} (null: none). */
    public void subscribe(String subject, String queue, MessageHandler handler) {
        if (queue == null) {
            subscribe(subject, handler);
        } else {
            dispatcher.subscribe(subject, queue,
                    (Message m) -> handler.onMessage(m.getSubject(), m.getReplyTo(), m.getData()));
        }
    }

    /**
     * Subscribes {@code handler} to {@code subject} on the shared dispatcher until the returned handle is closed
     * (or the connection is). Safe from any thread.
     */
    public AutoCloseable subscribeUntilClosed(String subject, MessageHandler handler) {
        io.nats.client.Subscription sub = dispatcher.subscribe(subject,
                (Message m) -> handler.onMessage(m.getSubject(), m.getReplyTo(), m.getData()));
        return () -> {
            try {
                dispatcher.unsubscribe(sub);
            } catch (IllegalStateException e) {
                // the connection or dispatcher is closed already: nothing is subscribed
            }
        };
    }

    /** Waits until the broker has processed everything sent so far (subscriptions registered). */
    public void flush(Duration timeout) throws IOException {
        try {
            connection.flush(timeout);
        } catch (Exception e) {
            throw new IOException("NATS flush failed: " + e.getMessage(), e);
        }
    }

    /** How many times jnats has reconnected so far. */
    long reconnects() {
        return connection.getStatistics().getReconnects();
    }

    /** A new unique inbox subject of this connection. */
    String newInbox() {
        return connection.createInbox();
    }

    /** A synchronous request for startup checks; returns the reply payload or null on time-out / no responders. */
    public byte[] requestOrNull(String subject, byte[] payload, Duration timeout) {
        try {
            Message reply = connection.request(subject, payload, timeout);
            if (reply == null || reply.isStatusMessage()) {
                return null;
            }
            return reply.getData();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public void publish(String subject, byte[] payload) {
        try {
            connection.publish(subject, payload);
        } catch (RuntimeException e) {
            LOG.warn("publish to {} failed: {}", subject, e.getMessage());
        }
    }

    @Override
    public void probe(String subject, byte[] payload, Duration timeout, Consumer<Boolean> onResult) {
        CompletableFuture<Message> future;
        try {
            future = connection.requestWithTimeout(subject, payload, timeout);
        } catch (RuntimeException e) {
            onResult.accept(false);
            return;
        }
        future.orTimeout(timeout.toMillis() + 50, TimeUnit.MILLISECONDS)
                .whenComplete((reply, error) -> onResult.accept(error == null && reply != null
                        && !reply.isStatusMessage()));
    }

    @Override
    public String requestInboxPrefix() {
        return inboxPrefix;
    }

    /** The URL of the connected server, for logs: credentials in it are redacted. */
    public String connectedUrl() {
        return Redaction.urls(connection.getConnectedUrl());
    }

    /** The URL of the connected server as jnats has it (user info included), or null while disconnected. */
    String connectedServer() {
        return connection.getConnectedUrl();
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
