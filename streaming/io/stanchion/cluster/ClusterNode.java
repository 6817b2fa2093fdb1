package io.stanchion.cluster;

import io.stanchion.RunningServer;
import io.stanchion.StanchionServer;
import io.stanchion.Stores;
import io.stanchion.config.ClusterConfig;
import io.stanchion.config.ServerConfig;
import io.stanchion.engine.Engine;
import io.stanchion.engine.FailStop;
import io.stanchion.engine.StateView;
import io.stanchion.engine.StoredView;
import io.stanchion.monitor.Metrics;
import io.stanchion.monitor.Monitoring;
import io.stanchion.monitor.Served;
import io.stanchion.store.oplog.OperationApplier;
import io.stanchion.transport.JnatsTransport;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.raftlog.RaftLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A node of a Stanchion cluster (the original's clustered mode): a Raft group member (Apache Ratis, Netty transport
 * between the nodes' own addresses) over this node's FILE stores. Only the leader serves clients: when Ratis reports
 * it leader and every earlier entry applied, the node reopens its stores (recovering them as a standalone restart
 * does) and starts a {@link LeaderTerm}, whose engine writes the stores, proposes each batch's operations and
 * answers only after they are committed. A follower serves no client; its {@link ClusterStateMachine} applies the
 * committed entries to its stores, and its monitoring reads them ({@link #readStores}).
 *
 * <p>A leader writes its stores before its entries are committed; if it loses the leadership (or crashes) some of
 * those writes may never be committed. So a node that stops leading, or starts and finds {@link NodeMarks} saying
 * it led, empties its stores and rebuilds them from the committed entries of its Raft log (which is never purged
 * for that reason), then follows.
 *
 * <p>Fail-stop: a store fault, an entry that cannot be applied, or a failure to start serving as leader trips the
 * node's {@link FailStop}: it closes everything and runs the exit action (the process exits with status 1), so
 * the group elects another leader.
 *
 * <p>Membership: with {@code cluster_allow_add_remove_node} the leader's term answers node.add / node.remove
 * ({@link MembershipChanges}); the group's configuration is Ratis' (from the Raft log once it holds one, the
 * configured peers only at a first start). A node removed from it has its Raft stopped by Ratis and says so.
 *
 * <p>Threading: role changes run on one "stanchion-cluster-role" thread (Ratis' notifications only schedule them,
 * and a 500 ms tick re-checks the role); the stores change hands under {@link ClusterStateMachine#lock}.
 */
public final class ClusterNode implements RunningServer {
    private static final Logger LOG = LoggerFactory.getLogger("io.stanchion.STREAM");

    private final ServerConfig config;
    private final ClusterConfig cluster;
    private final String serverId = UUID.randomUUID().toString().replace("-", "");
    private final FailStop failStop = new FailStop();
    private final ExecutorService background;
    private final ScheduledExecutorService roleThread;
    /**
     * Reads the stores for a follower's monitoring ("stanchion-cluster-monitor"): one read at a time, 64 waiting at
     * most (beyond: 503), so the HTTP event loop never waits for the state machine's lock.
     */
    private final ThreadPoolExecutor monitorReads;
    private final NodeMarks marks;
    private final ClusterStateMachine machine;
    private final Metrics metrics;
    private RaftServer raft;
    private RaftGroup group;
    private Monitoring monitoring;
    /** Guarded by the machine's lock. */
    private Stores stores;
    /** Guarded by the machine's lock; read by monitoring. */
    private volatile LeaderTerm serving;
    /** The Raft term {@link #serving} leads, and a number told apart each time it starts serving. */
    private long servingTerm;
    private long servingGeneration;
    private long generations;
    private long lastNatsWarning = System.nanoTime() - TimeUnit.MINUTES.toNanos(1);
    private volatile boolean closed;

    private ClusterNode(ServerConfig config) {
        // cluster_sync overrides file_sync in clustered mode, as in the original
        this.config = config.toBuilder().fileSync(config.cluster.sync()).build();
        this.cluster = config.cluster;
        this.background = Executors.newCachedThreadPool(failStop.threads("stanchion-cluster-io", true));
        this.roleThread = Executors.newSingleThreadScheduledExecutor(failStop.threads("stanchion-cluster-role",
                true));
        this.monitorReads = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(64),
                failStop.threads("stanchion-cluster-monitor", true));
        this.marks = new NodeMarks(config.dir, cluster.sync());
        this.metrics = new Metrics(config.clusterId);
        this.machine = new ClusterStateMachine(marks, new ClusterStateMachine.Roles() {
            @Override
            public void leaderReady() {
                reconcileSoon();
            }

            @Override
            public void notLeader() {
                reconcileSoon();
            }

            @Override
            public void failed(String what, Throwable cause) {
                failStop.trip(what, cause);
            }

            @Override
            public void raftStopped() {
                if (closed) {
                    return; // Ratis says so when it closes too
                }
                LOG.error("This node is not a member of the cluster's Raft group (it was removed): Raft stopped "
                        + "here and the node serves nothing; stop it (to add it again, start it with an empty "
                        + "directory before the node.add request)");
                reconcileSoon();
            }
        });
    }

    /** Starts a node; {@code exitAction} runs last when it fail-stops (the process's exit). */
    public static ClusterNode start(ServerConfig config, Runnable exitAction)
            throws StanchionServer.StartupException {
        if (config.cluster == null || config.dir == null) {
            throw new IllegalArgumentException("not a clustered FILE configuration");
        }
        boolean wasStandalone = !NodeMarks.present(config.dir) && holdsData(config.dir);
        if (wasStandalone) {
            throw new StanchionServer.StartupException("stan: cannot restart server in clustered mode if it was "
                    + "not previously clustered (store " + config.dir + " was used standalone)");
        }
        ClusterNode node = new ClusterNode(config);
        try {
            node.open();
        } catch (StanchionServer.StartupException e) {
            node.close();
            throw e;
        } catch (IOException | RuntimeException | InterruptedException e) {
            node.close();
            throw new StanchionServer.StartupException(e.getMessage());
        }
        node.failStop.onTrip(() -> {
            LOG.error("Cluster node stopped after a failure: {}", node.failStop.failure());
            node.closeAll(false);
            exitAction.run();
        });
        return node;
    }

    /** Whether the store directory holds anything besides what a cluster node keeps there. */
    private static boolean holdsData(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.anyMatch(p -> !p.getFileName().toString().equals(".lock")
                    && !p.getFileName().toString().equals("_raft"));
        } catch (IOException e) {
            return false;
        }
    }

    private void open() throws IOException, StanchionServer.StartupException, InterruptedException {
        LOG.info("Starting nats-streaming-server[{}] version {} (Stanchion), clustered node \"{}\"",
                config.clusterId, StanchionServer.VERSION, cluster.nodeId());
        LOG.info("ServerID: {}", serverId);
        config.configFiles.forEach(f -> LOG.info("Using configuration file {}", f));
        config.warnings.forEach(LOG::warn);
        if (marks.leaderWrote()) {
            LOG.warn("This node led the cluster before it stopped: its stores may hold writes the group never "
                    + "committed; rebuilding them from the Raft log");
            emptyStores();
            marks.clearLeaderWrote(); // from here on the stores get committed entries only
        }
        machine.lock.lock();
        try {
            stores = Stores.open(config, background);
            StanchionServer.checkClusterId(config, stores.state.recovered());
            Stores.forEngine(config, stores.messages); // a wrong or missing key is refused now, not when elected
            machine.follow(applier());
        } finally {
            machine.lock.unlock();
        }
        group = RaftSettings.group(config.clusterId, cluster);
        raft = RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf(cluster.nodeId()))
                .setGroup(group)
                .setProperties(RaftSettings.properties(cluster))
                .setStateMachine(machine)
                .setOption(Files.isDirectory(cluster.logPath().resolve(group.getGroupId().getUuid().toString()))
                        ? org.apache.ratis.server.storage.RaftStorage.StartupOption.RECOVER
                        : org.apache.ratis.server.storage.RaftStorage.StartupOption.FORMAT)
                .build();
        raft.start();
        metrics.gauge("stanchion.cluster.leader", "1 while this node is the Raft leader serving clients, else 0",
                () -> serving != null ? 1 : 0);
        metrics.gauge("stanchion.cluster.term", "The Raft term this node knows", () -> {
            DivisionInfo info = info();
            return info == null ? 0 : info.getCurrentTerm();
        });
        metrics.gauge("stanchion.cluster.applied.index", "The last Raft log entry applied to this node's stores",
                this::appliedIndex);
        if (config.httpPort > 0) {
            monitoring = Monitoring.start(config, served(), metrics, serverId, "FILE");
        }
        roleThread.scheduleWithFixedDelay(this::reconcile, 500, 500, TimeUnit.MILLISECONDS);
        LOG.info("Cluster ID: {}, node {} of {}, Raft on {}:{}, log in {}", config.clusterId, cluster.nodeId(),
                cluster.peers().stream().map(ClusterConfig.Peer::id).toList(), cluster.listenHost(),
                cluster.self().port(), cluster.logPath().toAbsolutePath());
        LOG.info("Message store durability: {}", cluster.sync()
                ? "Raft log and store fsynced before an entry counts" : "no fsync (cluster_sync off)");
        LOG.info("Streaming Server is ready");
    }

    private OperationApplier applier() {
        return new OperationApplier(stores.messages, stores.state, cluster.sync());
    }

    private Served served() {
        return new Served() {
            @Override
            public Engine engine() {
                LeaderTerm s = serving;
                return s == null ? null : s.engine();
            }

            @Override
            public CompletableFuture<StateView> storedState(java.time.Duration maxWait) {
                long deadline = System.nanoTime() + maxWait.toNanos();
                try {
                    return CompletableFuture.supplyAsync(() -> readStores(deadline), monitorReads);
                } catch (RejectedExecutionException e) {
                    return CompletableFuture.failedFuture(new RejectedExecutionException("server busy"));
                }
            }

            @Override
            public FailStop failStop() {
                return failStop;
            }

            @Override
            public String nodeId() {
                return cluster.nodeId();
            }

            @Override
            public String role() {
                return ClusterNode.this.role();
            }
        };
    }

    /**
     * A follower's replicated state for monitoring: copied under the state machine's lock (so no entry is being
     * applied and the stores are not changing hands), waiting for it until {@code deadline} ({@link System#nanoTime},
     * set when the request came: a queue of reads never waits longer than its first). Fails (HTTP 503) when the
     * lock is not free in time, or when the node serves (its engine owns the stores: monitoring reads the engine)
     * or has no stores (closing). Thread "stanchion-cluster-monitor".
     */
    private StateView readStores(long deadline) {
        boolean locked;
        try {
            locked = machine.lock.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("server busy");
        }
        if (!locked) {
            throw new IllegalStateException("server busy: the cluster node is applying Raft entries or changing role");
        }
        try {
            if (serving != null || stores == null || closed) {
                throw new IllegalStateException("server busy: the cluster node is changing role");
            }
            return StoredView.of(stores.state.current(), stores.messages.channels());
        } finally {
            machine.lock.unlock();
        }
    }

    /** The node's Raft role as the original names it: Leader, Follower or Candidate. */
    public String role() {
        DivisionInfo info = info();
        if (info == null) {
            return "Follower";
        }
        if (info.isLeader()) {
            return "Leader";
        }
        return info.isCandidate() ? "Candidate" : "Follower";
    }

    /** The last Raft log entry applied to (or, leading, written by the engine into) this node's stores. */
    public long appliedIndex() {
        var last = machine.getLastAppliedTermIndex();
        return last == null ? -1 : last.getIndex();
    }

    /** The node IDs of the Raft configuration this node knows (its current one), sorted; empty when closed. */
    public java.util.List<String> members() {
        try {
            return raft == null ? java.util.List.of() : raft.getDivision(group.getGroupId()).getRaftConf()
                    .getCurrentPeers().stream().map(p -> p.getId().toString()).sorted().toList();
        } catch (IOException e) {
            return java.util.List.of();
        }
    }

    /** The Raft term this node knows (0 before any). */
    long term() {
        DivisionInfo info = info();
        return info == null ? 0 : info.getCurrentTerm();
    }

    /** Whether this node serves clients now. */
    public boolean serving() {
        return serving != null;
    }

    private DivisionInfo info() {
        try {
            return raft == null ? null : raft.getDivision(group.getGroupId()).getInfo();
        } catch (IOException e) {
            return null;
        }
    }

    private void reconcileSoon() {
        try {
            roleThread.execute(this::reconcile);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    /** Serves while Ratis says this node leads (and is ready), stops serving otherwise. Role thread only. */
    private void reconcile() {
        if (closed || failStop.tripped()) {
            return;
        }
        try {
            DivisionInfo info = info();
            boolean leads = info != null && info.isLeader() && info.isLeaderReady();
            if (serving != null && (!leads || servingTerm != info.getCurrentTerm())) {
                stepDown(); // lost, or lost and won again since: a new term starts from rebuilt stores
            }
            if (leads && serving == null) {
                lead(info.getCurrentTerm());
            }
        } catch (RuntimeException | Error e) {
            failStop.trip("cluster role change failed", e);
        }
    }

    private void lead(long term) {
        if (!allApplied()) {
            return; // entries of an earlier term (or an earlier engine of this one) still to apply: next tick
        }
        JnatsTransport jnats;
        try {
            jnats = JnatsTransport.connect(config); // before the stores are touched: nothing to undo if it fails
        } catch (IOException e) {
            if (System.nanoTime() - lastNatsWarning > TimeUnit.SECONDS.toNanos(10)) {
                lastNatsWarning = System.nanoTime();
                LOG.error("Leader, but cannot connect to NATS to serve clients: {}; trying again", e.getMessage());
            }
            return;
        }
        boolean started = false;
        machine.lock.lock();
        try {
            DivisionInfo info = info();
            if (closed || info == null || !info.isLeader() || info.getCurrentTerm() != term || !allApplied()) {
                return; // changed meanwhile
            }
            marks.markLeaderWrote();
            machine.lead(term, raftLog().getNextIndex());
            stores.close();
            stores = Stores.open(config, background); // recovery: every committed entry, pending redelivered
            long generation = ++generations;
            Proposer proposer = new Proposer(raft, group.getGroupId(), RaftPeerId.valueOf(cluster.nodeId()));
            MembershipChanges membership = cluster.allowAddRemove() ? new MembershipChanges(raft,
                    group.getGroupId(), RaftPeerId.valueOf(cluster.nodeId()), config.clusterId) : null;
            try {
                serving = LeaderTerm.start(config, jnats, stores.messages, stores.state, proposer, membership,
                        metrics, failStop, serverId, () -> proposalFailed(generation));
                started = true;
            } catch (IOException e) {
                // NATS failed meanwhile: recovery may have written the stores; follow again, try at the next tick
                LOG.error("Cannot serve clients as the cluster leader: {}; trying again", e.getMessage());
                rebuildAndFollow();
                return;
            }
            servingTerm = term;
            servingGeneration = generation;
            LOG.info("Leader of term {}", term);
        } catch (StanchionServer.StartupException | IOException e) {
            failStop.trip("cannot serve as the cluster leader", e);
        } finally {
            machine.lock.unlock();
            if (!started) {
                jnats.close();
            }
        }
    }

    /** Whether every entry in this node's Raft log has been applied (or counted). */
    private boolean allApplied() {
        try {
            RaftLog log = raftLog();
            return machine.getLastAppliedTermIndex().getIndex() >= log.getLastEntryTermIndex().getIndex();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private RaftLog raftLog() throws IOException {
        return raft.getDivision(group.getGroupId()).getRaftLog();
    }

    /**
     * A proposal was not committed: the leadership is lost, or Ratis refused it while this node still leads. Either
     * way this engine's output is gone for good: stop serving and rebuild; if still leader, serve again afresh.
     */
    private void proposalFailed(long generation) {
        try {
            roleThread.execute(() -> {
                if (serving != null && servingGeneration == generation && !closed && !failStop.tripped()) {
                    stepDown();
                }
                reconcile();
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    /** Stops serving, then rebuilds the stores from the committed entries and follows. Role thread. */
    private void stepDown() {
        machine.lock.lock();
        try {
            LOG.warn("Stopped serving clients (leadership lost or a proposal failed); rebuilding the stores from the "
                    + "Raft log");
            serving.close();
            serving = null;
            rebuildAndFollow();
        } finally {
            machine.lock.unlock();
        }
    }

    /**
     * Empties the stores and applies every committed entry of this node's Raft log to them (what a leader wrote
     * uncommitted is gone), then hands them to the state machine to follow. Call with the machine's lock held.
     */
    private void rebuildAndFollow() {
        try {
            stores.close();
            stores = null;
            emptyStores();
            stores = Stores.open(config, background);
            OperationApplier applier = applier();
            long last = machine.getLastAppliedTermIndex().getIndex();
            RaftLog log = raftLog();
            long from = Math.max(0, log.getStartIndex());
            for (long i = from; i <= last; i++) {
                LogEntryProto entry = log.get(i);
                if (entry != null && entry.hasStateMachineLogEntry()) {
                    applier.apply(ClusterStateMachine.decode(entry));
                }
            }
            if (last >= from) {
                machine.noteApplied(last);
            }
            marks.clearLeaderWrote();
            machine.follow(applier);
            LOG.info("Following; stores rebuilt up to Raft entry {}", last);
        } catch (IOException | StanchionServer.StartupException | RuntimeException e) {
            failStop.trip("cannot rebuild the stores from the Raft log", e);
        }
    }

    /** Deletes the stores' files (channels and state journal), keeping the Raft log and the node's marks. */
    private void emptyStores() {
        marks.clearApplied();
        Path raftLog = cluster.logPath().toAbsolutePath().normalize();
        try (Stream<Path> entries = Files.list(config.dir)) {
            for (Path p : entries.toList()) {
                String name = p.getFileName().toString();
                if (name.equals(NodeMarks.DIRECTORY) || name.equals(".lock")
                        || raftLog.startsWith(p.toAbsolutePath().normalize())) {
                    continue;
                }
                deleteTree(p);
            }
        } catch (IOException e) {
            throw new io.stanchion.store.StoreException("cannot empty the stores in " + config.dir + ": "
                    + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Override
    public FailStop failStop() {
        return failStop;
    }

    @Override
    public int monitoringPort() {
        return monitoring == null ? 0 : monitoring.port();
    }

    public String serverId() {
        return serverId;
    }

    /**
     * Stops serving and leaves the group (the stores keep what was applied). A leader stopping {@code gracefully}
     * lets its last proposals commit; when all of them did, its stores hold committed entries only and the next
     * start needs no rebuild.
     */
    private void closeAll(boolean gracefully) {
        closed = true;
        roleThread.shutdown(); // a role change under way finishes (nothing new starts: closed)
        try {
            if (!roleThread.awaitTermination(20, TimeUnit.SECONDS)) {
                LOG.warn("A cluster role change did not finish within 20 s; stopping anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LeaderTerm s = serving;
        boolean clean = false;
        if (s != null) {
            if (gracefully) {
                clean = s.closeCommitted(java.time.Duration.ofSeconds(3));
                if (clean) { // before Raft closes: the note is clamped to what its log holds
                    machine.lock.lock();
                    try {
                        machine.noteApplied(machine.getLastAppliedTermIndex().getIndex());
                    } finally {
                        machine.lock.unlock();
                    }
                }
            } else {
                s.close();
            }
        }
        if (raft != null) {
            try {
                raft.close();
            } catch (IOException e) {
                LOG.warn("Closing the Raft server: {}", e.toString());
            }
        }
        machine.lock.lock();
        try {
            serving = null;
            if (stores != null) {
                stores.close();
                stores = null;
                if (clean) {
                    marks.clearLeaderWrote();
                }
            }
        } finally {
            machine.lock.unlock();
        }
        marks.close();
        background.shutdown();
        monitorReads.shutdown();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        LOG.info("Streaming Server is shutting down");
        if (monitoring != null) {
            monitoring.close();
        }
        closeAll(true);
    }
}
