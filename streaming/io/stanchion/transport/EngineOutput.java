package io.stanchion.transport;

import io.stanchion.config.Redaction;
import io.stanchion.config.ServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The engine thread's {@link Transport}: publishes go through a {@link DirectPublisher} (its own NATS connection,
 * one socket write per batch at {@link #flush()}), falling back to the jnats connection while that one is not
 * connected; requests (heartbeats, probes) always go through jnats. A background thread (re)connects the direct
 * connection, to the server jnats is connected to, every second while it is down, and closes it when a write has
 * been blocked for 5 s (a broker that stopped reading), so the engine thread is never held longer than that. What a
 * broken connection had not written yet is lost: PubAcks the clients then time out on (and republish), deliveries
 * redelivered after their AckWait — at-least-once holds.
 *
 * <p>The direct connection speaks plain TCP only: it is not used with any TLS setting, with a configured URL whose
 * scheme is not {@code nats://} ({@code tls://}, {@code ws://}, ...), with NKey/JWT credentials (jnats carries
 * everything then), nor with {@code -Dstanchion.directPublish=false}; and it is given up for good, never retried,
 * once jnats is connected through another scheme or a server's INFO says it requires TLS. So credentials and
 * messages never go in the clear to a broker meant to be reached over TLS.
 *
 * <p>Threading: {@link #publish} and {@link #flush} on the engine thread only; {@link #probe} from any thread.
 */
public final class EngineOutput implements Transport, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineOutput.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** A write blocked this long closes the direct connection (the engine then goes on through jnats). */
    private static final long STALLED_WRITE_NANOS = Duration.ofSeconds(5).toNanos();

    private final JnatsTransport jnats;
    private final ServerConfig config;
    private final ScheduledExecutorService connector;
    private volatile DirectPublisher direct;
    /** Connection attempts happen every this many connector ticks (1 s): doubled after each failure. */
    private int attemptEveryTicks = 1;
    private int ticksSinceAttempt;
    private static final int MAX_ATTEMPT_INTERVAL_TICKS = 60;
    private volatile boolean closed;
    /** Set for good when the broker turns out to want TLS: the direct connection is never tried again. */
    private volatile boolean givenUp;

    private EngineOutput(JnatsTransport jnats, ServerConfig config, boolean enabled) {
        this.jnats = jnats;
        this.config = config;
        if (!enabled) {
            this.connector = null;
            return;
        }
        this.connector = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stanchion-nats-send-connect");
            t.setDaemon(true);
            return t;
        });
        connectOnce(true);
        connector.scheduleWithFixedDelay(() -> connectOnce(false), 1, 1, TimeUnit.SECONDS);
    }

    /** The engine's output over {@code jnats}, with a direct publishing connection when the configuration allows. */
    public static EngineOutput over(JnatsTransport jnats, ServerConfig config) {
        return new EngineOutput(jnats, config, directAllowed(config));
    }

    /** Whether {@code config} allows a plain-TCP publishing connection beside jnats. */
    static boolean directAllowed(ServerConfig config) {
        return !config.tlsEnabled() && config.natsCredentials == null && config.nkeySeedFile == null
                && config.natsUrls.stream().allMatch(EngineOutput::isPlainNatsUrl)
                && !"false".equalsIgnoreCase(System.getProperty("stanchion.directPublish"));
    }

    /** A {@code nats://} URL, or one without a scheme (jnats reads it as {@code nats://}). */
    static boolean isPlainNatsUrl(String url) {
        String u = url.trim();
        int scheme = u.indexOf("://");
        return scheme < 0 || u.substring(0, scheme).equalsIgnoreCase("nats");
    }

    /** Whether publishes currently go through the direct connection. */
    public boolean direct() {
        DirectPublisher d = direct;
        return d != null && !d.isBroken();
    }

    private void connectOnce(boolean first) {
        if (closed || givenUp) {
            return;
        }
        DirectPublisher d = direct;
        if (d != null && !d.isBroken()) {
            d.closeIfStalled(STALLED_WRITE_NANOS);
            return;
        }
        String url = jnats.connectedServer();
        if (url == null) {
            return; // jnats is reconnecting: try again later
        }
        if (!isPlainNatsUrl(url)) {
            giveUp(Redaction.urls(url) + " is not a plain nats:// server");
            return;
        }
        if (++ticksSinceAttempt < attemptEveryTicks) {
            return;
        }
        ticksSinceAttempt = 0;
        try {
            DirectPublisher next = DirectPublisher.connect(withConfiguredUserInfo(url), config.natsUser,
                    config.natsPassword, config.natsToken, "_NSS-" + config.clusterId + "-send", CONNECT_TIMEOUT);
            if (closed) {
                next.close();
                return;
            }
            direct = next;
            attemptEveryTicks = 1;
            if (!first) {
                LOG.info("NATS publishing connection to {} restored", Redaction.urls(url));
            }
        } catch (DirectPublisher.TlsRequired e) {
            giveUp(e.getMessage());
        } catch (IOException e) {
            // A broker that keeps refusing (e.g. credentials only jnats has) is asked less and less often: up to
            // once a minute, so that its log does not fill with refused connections.
            attemptEveryTicks = Math.min(MAX_ATTEMPT_INTERVAL_TICKS, attemptEveryTicks * 2);
            if (first) {
                LOG.info("No direct publishing connection ({}); publishing through the main connection",
                        Redaction.secrets(e.getMessage(), config));
            } else {
                LOG.debug("publishing connection to {}: {}", Redaction.urls(url),
                        Redaction.secrets(e.getMessage(), config));
            }
        }
    }

    private void giveUp(String why) {
        givenUp = true;
        LOG.info("No direct publishing connection ({}): everything is published through the main connection", why);
    }

    /**
     * {@code url} (where jnats is connected) with the user info of the configured URL of the same host and port, as
     * jnats may report it without: {@code -ns nats://user:pass@host:4222} must work for both connections.
     */
    private String withConfiguredUserInfo(String url) {
        try {
            URI connected = URI.create(url);
            if (connected.getRawUserInfo() != null) {
                return url;
            }
            for (String configured : config.natsUrls) {
                URI c = URI.create(configured.contains("://") ? configured : "nats://" + configured);
                if (c.getRawUserInfo() != null && c.getHost() != null
                        && c.getHost().equalsIgnoreCase(connected.getHost())
                        && port(c) == port(connected)) {
                    return connected.getScheme() + "://" + c.getRawUserInfo() + "@" + connected.getHost() + ":"
                            + port(connected);
                }
            }
        } catch (IllegalArgumentException e) {
            // use it as it is
        }
        return url;
    }

    private static int port(URI u) {
        return u.getPort() < 0 ? 4222 : u.getPort();
    }

    @Override
    public void publish(String subject, byte[] payload) {
        DirectPublisher d = direct;
        if (d == null || !d.publish(subject, payload)) {
            jnats.publish(subject, payload);
        }
    }

    @Override
    public void flush() {
        DirectPublisher d = direct;
        if (d != null) {
            d.flush();
        }
    }

    @Override
    public void probe(String subject, byte[] payload, Duration timeout, Consumer<Boolean> onResult) {
        jnats.probe(subject, payload, timeout, onResult);
    }

    @Override
    public String requestInboxPrefix() {
        return jnats.requestInboxPrefix();
    }

    @Override
    public void close() {
        closed = true;
        if (connector != null) {
            connector.shutdownNow();
        }
        DirectPublisher d = direct;
        if (d != null) {
            d.flush();
            d.close();
        }
    }
}
