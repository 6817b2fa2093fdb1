package io.stanchion.ft;

import io.stanchion.RunningServer;
import io.stanchion.StanchionServer;
import io.stanchion.config.ServerConfig;
import io.stanchion.engine.Engine;
import io.stanchion.engine.FailStop;
import io.stanchion.monitor.Metrics;
import io.stanchion.monitor.Monitoring;
import io.stanchion.monitor.Served;
import io.stanchion.transport.JnatsTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A server of a fault-tolerance group (the original's {@code -ft_group}): the servers of a group share one FILE
 * store (a shared file system); the one holding the store's lock is active and serves, the others stand by. The
 * active publishes a heartbeat on {@code _STAN.ft.<cluster id>.<group>} about every second (±10 %); a standby that
 * has seen none for about 1.25 s (±10 %) checks the store's lock and, when it is free, starts a
 * {@link StanchionServer} over the store (recovering it exactly as a standalone restart: pending messages
 * redelivered) and becomes the active. An active that sees the heartbeat of another active that became active
 * earlier stops (fail-stop: the process exits), as the original; a later one is logged.
 *
 * <p>While standing by, monitoring answers with state FT_STANDBY ({@code /streaming/isFTActive} 204), the active
 * with FT_ACTIVE (200).
 *
 * <p>Threading: heartbeats arrive on jnats' dispatcher; the standby checks and the active's heartbeats run on one
 * "stanchion-ft" thread; {@link #close} from any thread.
 */
public final class FtGroup implements RunningServer {
    private static final Logger LOG = LoggerFactory.getLogger("io.stanchion.STREAM");
    static final long HEARTBEAT_MILLIS = 1000;
    static final long TAKEOVER_MILLIS = 1250;
    private static final long TICK_MILLIS = 100;

    private final ServerConfig config;
    private final Runnable exitAction;
    private final String subject;
    private final String standbyId = UUID.randomUUID().toString().replace("-", "");
    private final FailStop standbyFailStop = new FailStop();
    private final ScheduledExecutorService ftThread;
    private JnatsTransport nats;
    private Monitoring standbyMonitoring;
    private volatile long lastHeartbeatNanos = System.nanoTime();
    private long takeoverAfterNanos = jittered(TAKEOVER_MILLIS);
    private long nextHeartbeatNanos;
    private long lastLockWarning;
    private volatile StanchionServer active;
    private volatile FtHeartbeat mine;
    private volatile boolean closed;

    private FtGroup(ServerConfig config, Runnable exitAction) {
        this.config = config;
        this.exitAction = exitAction;
        this.subject = FtHeartbeat.subject(config.clusterId, config.ftGroup);
        this.ftThread = Executors.newSingleThreadScheduledExecutor(standbyFailStop.threads("stanchion-ft", true));
    }

    /** Joins the group as a standby; it becomes the active when the store's lock is free. */
    public static FtGroup start(ServerConfig config, Runnable exitAction) throws StanchionServer.StartupException {
        FtGroup g = new FtGroup(config, exitAction);
        LOG.info("Starting nats-streaming-server[{}] version {} (Stanchion) in FT group \"{}\"", config.clusterId,
                StanchionServer.VERSION, config.ftGroup);
        try {
            g.nats = JnatsTransport.connect(config);
            g.nats.subscribe(g.subject, (s, reply, data) -> g.onHeartbeat(data));
            g.nats.flush(Duration.ofSeconds(5));
            g.startStandbyMonitoring();
        } catch (IOException | InterruptedException | RuntimeException e) {
            g.close();
            throw new StanchionServer.StartupException(e.getMessage());
        }
        LOG.info("Starting in standby mode: the active server of group \"{}\" holds the store in {}",
                config.ftGroup, config.dir.toAbsolutePath());
        g.ftThread.scheduleWithFixedDelay(g::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        return g;
    }

    private static long jittered(long millis) {
        double f = 0.9 + 0.2 * ThreadLocalRandom.current().nextDouble();
        return (long) (TimeUnit.MILLISECONDS.toNanos(millis) * f);
    }

    private void onHeartbeat(byte[] data) {
        FtHeartbeat hb = FtHeartbeat.decode(data);
        FtHeartbeat own = mine;
        if (hb == null || (own != null && own.serverId().equals(hb.serverId()))) {
            return;
        }
        StanchionServer a = active;
        if (a == null || own == null) {
            lastHeartbeatNanos = System.nanoTime();
            return;
        }
        if (own.yieldsTo(hb)) {
            a.failStop().trip("FT group \"" + config.ftGroup + "\"", new IllegalStateException("server "
                    + hb.serverId() + " became active before this one: this one stops"));
        } else {
            LOG.error("FT group \"{}\": server {} also claims to be active (since after this one); it will stop",
                    config.ftGroup, hb.serverId());
        }
    }

    private void tick() {
        if (closed) {
            return;
        }
        try {
            if (active != null) {
                heartbeatIfDue();
                return;
            }
            long now = System.nanoTime();
            if (now - lastHeartbeatNanos < takeoverAfterNanos) {
                return;
            }
            takeoverAfterNanos = jittered(TAKEOVER_MILLIS);
            if (!storeLockFree()) {
                if (now - lastLockWarning > TimeUnit.SECONDS.toNanos(30)) {
                    lastLockWarning = now;
                    LOG.warn("FT group \"{}\": no heartbeat from an active server, but the store lock is held; "
                            + "still standing by", config.ftGroup);
                }
                return;
            }
            activate();
        } catch (RuntimeException e) {
            LOG.error("FT group \"{}\": {}", config.ftGroup, e.toString(), e);
        }
    }

    private void heartbeatIfDue() {
        long now = System.nanoTime();
        if (now - nextHeartbeatNanos >= 0) {
            nats.publish(subject, mine.encode());
            nextHeartbeatNanos = now + jittered(HEARTBEAT_MILLIS);
        }
    }

    /** Whether this process could take the store's lock now (it is released at once: the store takes it). */
    private boolean storeLockFree() {
        try {
            Files.createDirectories(config.dir);
            Path lockFile = config.dir.resolve(".lock");
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = ch.tryLock();
                if (lock == null) {
                    return false;
                }
                lock.release();
                return true;
            }
        } catch (OverlappingFileLockException e) {
            return false; // held in this JVM
        } catch (IOException e) {
            LOG.warn("FT group \"{}\": cannot check the store lock: {}", config.ftGroup, e.getMessage());
            return false;
        }
    }

    private void activate() {
        LOG.info("FT group \"{}\": no active server; taking over the store", config.ftGroup);
        if (standbyMonitoring != null) {
            standbyMonitoring.close();
            standbyMonitoring = null;
        }
        try {
            StanchionServer server = StanchionServer.start(config, exitAction);
            mine = new FtHeartbeat(server.serverId(), System.currentTimeMillis());
            active = server;
            nextHeartbeatNanos = System.nanoTime();
            heartbeatIfDue();
            LOG.info("Server is active in FT group \"{}\"", config.ftGroup);
        } catch (StanchionServer.StartupException e) {
            if (e.getMessage() != null && e.getMessage().contains("in use")) {
                LOG.info("FT group \"{}\": another server took the store first; standing by", config.ftGroup);
                lastHeartbeatNanos = System.nanoTime();
                restartStandbyMonitoring();
                return;
            }
            standbyFailStop.onTrip(() -> {
                close();
                exitAction.run();
            });
            standbyFailStop.trip("FT group \"" + config.ftGroup + "\": cannot start as the active server",
                    new IOException(e.getMessage()));
        }
    }

    private void restartStandbyMonitoring() {
        try {
            startStandbyMonitoring();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void startStandbyMonitoring() throws InterruptedException {
        if (config.httpPort <= 0) {
            return;
        }
        Served standby = new Served() {
            @Override
            public Engine engine() {
                return null;
            }

            @Override
            public FailStop failStop() {
                return standbyFailStop;
            }

            @Override
            public String state() {
                return "FT_STANDBY";
            }
        };
        standbyMonitoring = Monitoring.start(config, standby, new Metrics(config.clusterId), standbyId, "FILE");
    }

    @Override
    public FailStop failStop() {
        StanchionServer a = active;
        return a != null ? a.failStop() : standbyFailStop;
    }

    @Override
    public int monitoringPort() {
        StanchionServer a = active;
        if (a != null) {
            return a.monitoringPort();
        }
        Monitoring m = standbyMonitoring;
        return m == null ? 0 : m.port();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ftThread.shutdown();
        try {
            ftThread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        StanchionServer a = active;
        if (a != null) {
            a.close();
        }
        if (standbyMonitoring != null) {
            standbyMonitoring.close();
        }
        if (nats != null) {
            nats.close();
        }
    }
}
