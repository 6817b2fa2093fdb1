package io.stanchion.e2e;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.streaming.Options;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.StreamingConnectionFactory;
import io.stanchion.StanchionServer;
import io.stanchion.config.ServerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * Base of the end-to-end tests: one real nats-server per test class, a Stanchion server per test (own cluster ID),
 * and the real Java STAN client or raw jnats connections. Everything opened through it is closed after each test.
 */
public abstract class StanchionE2E {
    private static final AtomicInteger IDS = new AtomicInteger();

    protected static NatsServerProcess nats;
    protected StanchionServer server;
    protected String clusterId;
    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();

    static {
        System.setProperty("chronicle.analytics.disable", "true");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }

    @BeforeAll
    static void startNats() throws Exception {
        nats = NatsServerProcess.start();
    }

    @AfterAll
    static void stopNats() {
        if (nats != null) {
            nats.close();
        }
    }

    @AfterEach
    void closeAll() {
        while (!toClose.isEmpty()) {
            try {
                toClose.pop().close();
            } catch (Exception ignored) {
                // best effort: a test may already have closed it
            }
        }
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** Starts a Stanchion server on the shared nats-server with a fresh cluster ID and the given tweaks. */
    protected StanchionServer startServer(UnaryOperator<ServerConfig.Builder> tweak) throws Exception {
        clusterId = "c" + IDS.incrementAndGet() + "-" + ProcessHandle.current().pid();
        ServerConfig config = tweak.apply(ServerConfig.builder().clusterId(clusterId).natsUrl(nats.url())).build();
        server = StanchionServer.start(config);
        return server;
    }

    protected StanchionServer startServer() throws Exception {
        return startServer(b -> b);
    }

    /** A real Java STAN client connection with the given client ID. */
    protected StreamingConnection stan(String clientId) throws Exception {
        return stan(clientId, b -> b);
    }

    protected StreamingConnection stan(String clientId, UnaryOperator<Options.Builder> tweak) throws Exception {
        Options options = tweak.apply(new Options.Builder()
                .natsUrl(nats.url())
                .clusterId(clusterId)
                .clientId(clientId)
                .connectWait(Duration.ofSeconds(5))).build();
        StreamingConnection sc = new StreamingConnectionFactory(options).createConnection();
        toClose.push(sc);
        return sc;
    }

    /** A plain jnats connection to the same nats-server, for raw-protocol tests. */
    protected Connection raw() throws Exception {
        Connection nc = Nats.connect(new io.nats.client.Options.Builder().server(nats.url())
                .maxMessagesInOutgoingQueue(1_000_000).build());
        toClose.push(nc);
        return nc;
    }

    /** Registers something to close after the test. */
    protected <T extends AutoCloseable> T closeLater(T resource) {
        toClose.push(resource);
        return resource;
    }
}
