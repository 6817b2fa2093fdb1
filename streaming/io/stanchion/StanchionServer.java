package io.stanchion;

import io.stanchion.config.ServerConfig;
import io.stanchion.engine.Engine;
import io.stanchion.engine.FailStop;
import io.stanchion.codec.Inbound;
import io.stanchion.codec.Subjects;
import io.stanchion.monitor.Metrics;
import io.stanchion.monitor.Monitoring;
import io.stanchion.protocol.pb.CloseRequest;
import io.stanchion.protocol.pb.ConnectRequest;
import io.stanchion.protocol.pb.ConnectResponse;
import io.stanchion.store.MessageStore;
import io.stanchion.store.RecoveredState;
import io.stanchion.transport.EngineOutput;
import io.stanchion.transport.JnatsTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Server lifecycle: open the store (recovering it), connect to NATS, make sure no other server serves the cluster
 * ID, start the engine, subscribe to the STAN subjects, then announce readiness. {@link #close()} undoes it all.
 *
 * <p>Fail-stop: when the engine's {@link FailStop} trips (a store fault, an Error on a server thread), the server
 * closes both NATS connections at once (clients see it gone: their requests time out, their PINGs fail, and they
 * can fail over), then the engine and the stores, and finally runs the exit action given to {@link #start}
 * ({@code Main} exits the process with status 1). The monitoring server stays up until then and reports the
 * failure ({@code /healthz} 503, {@code /streaming/serverz} state FAILED).
 */
public final class StanchionServer implements RunningServer {
    private static final Logger LOG = LoggerFactory.getLogger("io.stanchion.STREAM");
    public static final String VERSION = "0.1.0";

    private final ServerConfig config;
    private final Stores stores;
    private final JnatsTransport transport;
    private final EngineOutput output;
    private final Engine engine;
    private final String serverId;
    private final Monitoring monitoring;
    private final FailStop failStop;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicBoolean connectionsClosed =
            new java.util.concurrent.atomic.AtomicBoolean();

    private StanchionServer(ServerConfig config, Stores stores, JnatsTransport transport, EngineOutput output,
                            Engine engine,
                            String serverId, Monitoring monitoring, FailStop failStop) {
        this.monitoring = monitoring;
        this.failStop = failStop;
        this.config = config;
        this.stores = stores;
        this.transport = transport;
        this.output = output;
        this.engine = engine;
        this.serverId = serverId;
    }

    /**
     * Starts a server that, after a fail-stop, closes its connections and stores but leaves the process running
     * (embedded use and tests: {@link #failure()} tells what happened).
     */
    public static StanchionServer start(ServerConfig config) throws StartupException {
        return start(config, () -> { });
    }

    /**
     * Starts a server; a {@link StartupException} carries a one-line reason for the operator. {@code exitAction}
     * runs last when the server fail-stops (the process's exit).
     */
    public static StanchionServer start(ServerConfig config, Runnable exitAction) throws StartupException {
        FailStop failStop = new FailStop();
        String serverId = UUID.randomUUID().toString().replace("-", "");
        LOG.info("Starting nats-streaming-server[{}] version {} (Stanchion)", config.clusterId, VERSION);
        LOG.info("ServerID: {}", serverId);
        for (java.nio.file.Path file : config.configFiles) {
            LOG.info("Using configuration file {}", file);
        }
        for (String warning : config.warnings) {
            LOG.warn(warning);
        }
        // Startup work that does not depend on the stores runs beside their recovery.
        ExecutorService startup = Executors.newCachedThreadPool(failStop.threads("stanchion-startup", true));
        CompletableFuture<JnatsTransport> connecting = CompletableFuture.supplyAsync(() -> {
            try {
                return JnatsTransport.connect(config);
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }, startup);
        CompletableFuture<Metrics> metricsReady = CompletableFuture.supplyAsync(() -> new Metrics(config.clusterId),
                startup);
        Stores stores;
        try {
            stores = Stores.open(config, startup);
        } catch (StartupException e) {
            connecting.thenAccept(JnatsTransport::close);
            startup.shutdown();
            throw e;
        }
        MessageStore store;
        try {
            store = Stores.forEngine(config, stores.messages);
        } catch (StartupException e) {
            stores.close();
            connecting.thenAccept(JnatsTransport::close);
            startup.shutdown();
            throw e;
        }
        JnatsTransport transport = null;
        Monitoring monitoring = null;
        Engine engine = null;
        EngineOutput output = null;
        try {
            RecoveredState recovered = stores.state.recovered();
            checkClusterId(config, recovered);
            String ackToken = recovered.ackToken();
            if (ackToken == null) {
                ackToken = serverId;
                stores.state.serverInfo(config.clusterId, ackToken);
                stores.state.flush(true);
            }
            if (!recovered.clients().isEmpty() || !recovered.subscriptions().isEmpty()) {
                LOG.info("Recovered {} client(s), {} subscription(s), {} channel(s)", recovered.clients().size(),
                        recovered.subscriptions().size(), store.channels().size());
            }
            transport = joinStartup(connecting);
            LOG.info("Connected to NATS Server at {}", transport.connectedUrl());
            Metrics metrics = joinStartup(metricsReady);
            Subjects subjects = Subjects.forCluster(config.discoverPrefix, config.clusterId, ackToken);
            // Partitioning: exchange channel lists with the other partitions (refusing overlap) instead of the
            // standalone self-check, as the original.
            io.stanchion.partition.PartitionExchange partitions =
                    io.stanchion.partition.PartitionExchange.joinIfPartitioned(config, transport, serverId, failStop);
            if (partitions == null && config.ftGroup == null) { // an FT group's active holds the store lock
                ensureAlone(config, transport, subjects);
            }
            output = EngineOutput.over(transport, config);
            engine = new Engine(config, store, stores.state, output, subjects, metrics.engineMetrics(), failStop);
            engine.start();
            metrics.bind(engine);
            Inbound inbound = new Inbound(engine, transport, subjects,
                    partitions == null ? null : partitions.partition());
            output.receive(inbound.routes(subjects), Duration.ofSeconds(5));
            if (config.httpPort > 0) {
                monitoring = Monitoring.start(config, engine, metrics, serverId, store.type());
            }
            LOG.info("Cluster ID: {}, store: {}{}", config.clusterId, store.type(),
                    config.dir == null ? "" : " at " + config.dir.toAbsolutePath());
            LOG.info("Message store durability: {}", config.fileSync
                    ? "fsync per batch before PubAcks" : "memory-mapped log (survives a process crash)");
            for (String line : config.storeLimits.describe().split("\n")) {
                LOG.info(line);
            }
            LOG.info("Streaming Server is ready");
            startup.shutdown();
            StanchionServer server = new StanchionServer(config, stores, transport, output, engine, serverId,
                    monitoring, failStop);
            failStop.onTrip(() -> { // runs at once if the engine already failed during startup
                server.stopAfterFailure();
                exitAction.run();
            });
            return server;
        } catch (IOException | StartupException | RuntimeException | InterruptedException e) {
            if (monitoring != null) {
                monitoring.close();
            }
            if (transport == null) {
                connecting.thenAccept(JnatsTransport::close);
            }
            startup.shutdown();
            if (engine != null) {
                engine.close();
            }
            if (output != null) {
                output.close();
            }
            if (transport != null) {
                transport.close();
            }
            stores.close();
            throw e instanceof StartupException se ? se : new StartupException(e.getMessage());
        }
    }

    /** Refuses a store recovered with another cluster ID (the original's startup error). */
    public static void checkClusterId(ServerConfig config, RecoveredState recovered) throws StartupException {
        if (recovered.clusterId() != null && !recovered.clusterId().equals(config.clusterId)) {
            throw new StartupException("cluster ID \"" + config.clusterId + "\" does not match recovered value of \""
                    + recovered.clusterId() + "\"");
        }
    }

    /** The result of a startup task, with its IOException (or other failure) rethrown as such. */
    private static <T> T joinStartup(CompletableFuture<T> task) throws IOException {
        try {
            return task.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

    /**
     * The original's standalone self-check: connect to our own discover subject as the cluster ID; a valid answer
     * means another server already serves this cluster ID on this NATS network.
     */
    private static void ensureAlone(ServerConfig config, JnatsTransport transport, Subjects subjects)
            throws StartupException {
        byte[] request = ConnectRequest.newBuilder()
                .setClientID(config.clusterId)
                .setHeartbeatInbox("_INBOX." + UUID.randomUUID().toString().replace("-", ""))
                .build().toByteArray();
        byte[] reply = transport.requestOrNull(subjects.discover(), request, Duration.ofMillis(250));
        if (reply == null) {
            return;
        }
        try {
            ConnectResponse response = ConnectResponse.parseFrom(reply);
            if (response.getError().isEmpty()) {
                transport.requestOrNull(response.getCloseRequests(),
                        CloseRequest.newBuilder().setClientID(config.clusterId).build().toByteArray(),
                        Duration.ofMillis(250));
            }
        } catch (IOException ignored) {
            // whatever answered is a streaming server of some kind
        }
        throw new StartupException("discovered another streaming server with cluster ID \"" + config.clusterId
                + "\"");
    }

    public ServerConfig config() {
        return config;
    }

    public Engine engine() {
        return engine;
    }

    /** The monitoring port actually bound, or 0 when monitoring is off. */
    public int monitoringPort() {
        return monitoring == null ? 0 : monitoring.port();
    }

    public String serverId() {
        return serverId;
    }

    /** Why the server fail-stopped ("what: cause"), or {@code null} while it is healthy. */
    public String failure() {
        return failStop.failure();
    }

    /** The server's fail-stop switch (the uncaught-exception handler of its threads trips it). */
    public FailStop failStop() {
        return failStop;
    }

    /** After a fail-stop: NATS connections first (clients fail over), then engine and stores; monitoring stays. */
    private void stopAfterFailure() {
        closeConnectionsAndStores();
        LOG.error("Streaming Server stopped after a failure: {}", failStop.failure());
    }

    private void closeConnectionsAndStores() {
        if (!connectionsClosed.compareAndSet(false, true)) {
            return;
        }
        output.stopReceiving();
        engine.close(); // the engine thread answers what it holds with errors, then ends (joined, 5 s at most)
        transport.close();
        output.close();
        stores.close();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LOG.info("Streaming Server is shutting down");
        if (monitoring != null) {
            monitoring.close();
        }
        if (connectionsClosed.compareAndSet(false, true)) {
            output.stopReceiving();
            engine.close(); // commits and writes out what it holds; requests still arriving on jnats are refused
            transport.close();
            output.close();
            stores.close();
        }
    }

    /** Startup failed for a reason the operator can act on; the message is one line. */
    public static final class StartupException extends Exception {
        public StartupException(String message) {
            super(message);
        }
    }
}
