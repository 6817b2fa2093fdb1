package io.stanchion.transport;

import io.stanchion.config.Redaction;
import io.stanchion.config.ServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The server's NATS input and the engine thread's {@link Transport}. Publishes go through a {@link DirectConnection}
 * (its own NATS connection, one socket write per batch at {@link #flush()}), falling back to the jnats connection
 * while that one is not connected; requests (heartbeats, probes) always go through jnats. The server's
 * subscriptions ({@link #receive}) are made on the direct connection when it is up at startup (one reader thread
 * hands messages to the engine: no jnats dispatcher in between), otherwise on jnats for the life of the server.
 * A background thread (re)connects the direct connection, to the server jnats is connected to, every 250 ms while
 * it is down (subscribing again at once when it carries the input; the output moves back to it only once jnats has
 * written what it took meanwhile), and closes it when a write has been blocked for 5 s (a
 * broker that stopped reading), so the engine thread is never held longer than that. What a broken connection had
 * not written yet is lost: PubAcks the clients then time out on (and republish), deliveries redelivered after
 * their AckWait — at-least-once holds. So is what the broker sent it meanwhile (publishes the clients republish
 * after their PubAck time-out, acks whose messages are redelivered). When the direct connection carries the input
 * but the broker refuses it again and again while jnats is connected ({@value #RECEIVE_ATTEMPTS} refusals in a row:
 * credentials only jnats has) or turns out to want TLS, the input moves to jnats for good; a broker that is down or
 * stalled is waited for.
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
    /** Tells when jnats' backlog is written (null without a direct connection). */
    private final BacklogMarker marker;
    private final ScheduledExecutorService connector;
    private volatile DirectConnection direct;
    /** Connection attempts happen every this many connector ticks (250 ms): doubled after each failure. */
    private int attemptEveryTicks = 1;
    private int ticksSinceAttempt;
    private static final int MAX_ATTEMPT_INTERVAL_TICKS = 240;
    private static final long TICK_MILLIS = 250;
    /** Refused attempts in a row, while jnats is connected, after which the input moves to jnats. */
    static final int RECEIVE_ATTEMPTS = 8;
    private static final Duration SUBSCRIBE_TIMEOUT = Duration.ofSeconds(5);
    /** The server's subscriptions, once {@link #receive} was called. */
    private List<Route> routes;
    /** Whether the subscriptions are on the direct connection (else on jnats). Guarded by this. */
    private boolean receivingDirect;
    private int failedAttempts;
    private volatile boolean closed;
    /** The direct connection carries the input but the output still goes through jnats (its backlog unwritten). */
    private volatile boolean outputOnJnats;
    /** Set for good when the broker turns out to want TLS: the direct connection is never tried again. */
    private volatile boolean givenUp;

    private EngineOutput(JnatsTransport jnats, ServerConfig config, boolean enabled) {
        this.jnats = jnats;
        this.config = config;
        if (!enabled) {
            this.connector = null;
            this.marker = null;
            return;
        }
        this.marker = new BacklogMarker(jnats);
        this.connector = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stanchion-nats-send-connect");
            t.setDaemon(true);
            return t;
        });
        connectOnce(true);
        connector.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
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
        DirectConnection d = direct;
        return d != null && !d.isBroken() && !outputOnJnats;
    }

    /**
     * Makes the server's subscriptions: on the direct connection when it is up, else (or when subscribing there
     * fails) on jnats. Returns once the broker has registered them. Called once, at startup.
     *
     * @throws IOException when jnats cannot confirm its subscriptions within {@code timeout}
     */
    public synchronized void receive(List<Route> routes, Duration timeout) throws IOException {
        this.routes = List.copyOf(routes);
        DirectConnection d = direct;
        if (d != null && !d.isBroken() && !givenUp) {
            try {
                d.subscribe(this.routes, timeout);
                receivingDirect = true;
                LOG.info("Receiving through the direct NATS connection");
                return;
            } catch (IOException e) {
                LOG.info("Subscribing on the direct NATS connection failed ({}); receiving through jnats",
                        e.getMessage());
            }
        }
        receiveThroughJnats();
        jnats.flush(timeout);
    }

    private void receiveThroughJnats() {
        receivingDirect = false;
        for (Route r : routes) {
            jnats.subscribe(r.subject(), r.queue(), r.handler());
        }
    }

    /** Whether the server's subscriptions are on the direct connection. */
    public synchronized boolean receivingDirect() {
        return receivingDirect;
    }

    /** Messages still arriving on the direct connection are dropped from now on (shutdown). */
    public void stopReceiving() {
        DirectConnection d = direct;
        if (d != null) {
            d.stopReceiving();
        }
    }

    private static boolean oldReaderEnded(DirectConnection old) {
        try {
            return old.awaitReaderEnd(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** One connector tick; an unexpected failure is logged and the next tick runs as usual. */
    private void tick() {
        try {
            connectOnce(false);
        } catch (RuntimeException e) {
            LOG.warn("Direct NATS connection upkeep failed", e);
        }
    }

    private synchronized void connectOnce(boolean first) {
        if (closed || givenUp) {
            return;
        }
        DirectConnection d = direct;
        if (d != null && !d.isBroken()) {
            d.closeIfStalled(STALLED_WRITE_NANOS);
            if (outputOnJnats) {
                moveOutputBack();
            }
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
        DirectConnection next = null;
        try {
            next = DirectConnection.connect(withConfiguredUserInfo(url), config.natsUser,
                    config.natsPassword, config.natsToken, "_NSS-" + config.clusterId + "-send", CONNECT_TIMEOUT);
            if (closed) {
                next.close();
                return;
            }
            if (receivingDirect && d != null && !oldReaderEnded(d)) {
                next.close(); // the old reader still runs a handler (the engine's queue is full): next tick
                return;
            }
            // The input comes back at once. The output moves back to the direct connection only once what went
            // out through jnats meanwhile is written (a subscription's response before its first delivery): after
            // a stall jnats may hold a large backlog of redeliveries, and waiting for it must not keep the input
            // away (the acks that would end those redeliveries arrive there).
            outputOnJnats = true;
            if (receivingDirect) {
                next.subscribe(routes, SUBSCRIBE_TIMEOUT);
            }
            direct = next;
            moveOutputBack();
            if (closed) { // close() ran meanwhile and saw the previous connection
                next.close();
                return;
            }
            attemptEveryTicks = 1;
            failedAttempts = 0;
            if (!first) {
                LOG.info("Direct NATS connection to {} restored", Redaction.urls(url));
            }
        } catch (DirectConnection.TlsRequired e) {
            giveUp(e.getMessage());
        } catch (IOException e) {
            if (next != null) {
                next.close();
            }
            if (receivingDirect) {
                // A broker that is down or stalled (time-outs, refused TCP connections) is waited for; one that
                // answers but refuses this connection (credentials only jnats has) is given up on.
                failedAttempts = e instanceof DirectConnection.Refused ? failedAttempts + 1 : 0;
                if (jnats.connectedServer() != null && failedAttempts >= RECEIVE_ATTEMPTS) {
                    giveUp("the server refused it " + failedAttempts
                            + " times in a row while the main connection is up: "
                            + Redaction.secrets(e.getMessage(), config));
                }
                return; // the input waits for it: no back-off
            }
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

    /**
     * The output goes back to the direct connection once jnats has written what it holds (else: a later tick). Told
     * by a {@link BacklogMarker}, not by jnats' flush: each timed-out flush leaves a PING outstanding, jnats drops
     * its connection at the third, and a flush after that returns at once as if done.
     */
    private void moveOutputBack() {
        try {
            if (marker.passed(CONNECT_TIMEOUT)) {
                outputOnJnats = false;
            } else {
                LOG.debug("output stays on jnats while it writes its backlog");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void giveUp(String why) {
        givenUp = true;
        LOG.info("No direct NATS connection ({}): everything goes through the main connection", why);
        if (receivingDirect) {
            receiveThroughJnats();
        }
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
        DirectConnection d = direct;
        if (d == null || outputOnJnats || !d.publish(subject, payload)) {
            jnats.publish(subject, payload);
        }
    }

    @Override
    public void flush() {
        DirectConnection d = direct;
        if (d != null && !outputOnJnats) {
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
        stopReceiving();
        if (connector != null) {
            connector.shutdownNow();
        }
        if (marker != null) {
            marker.close();
        }
        DirectConnection d = direct;
        if (d != null) {
            d.close(); // not flushed here: the engine thread writes its last batch out before it ends
        }
    }
}
