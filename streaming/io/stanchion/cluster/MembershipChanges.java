package io.stanchion.cluster;

import io.stanchion.config.ClusterConfig;
import io.stanchion.transport.JnatsTransport;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runtime membership changes (the original's {@code cluster_allow_add_remove_node}): while its node serves as the
 * leader, answers NATS requests on {@code _STAN.raft.<cluster_id>.node.add} (payload {@code <id>@<host>:<port>}:
 * unlike the original, whose peers are reached through NATS, a Raft peer needs its address) and
 * {@code _STAN.raft.<cluster_id>.node.remove} (payload {@code <id>}, or {@code <id>@<host>:<port>}) with {@code +OK}
 * once Ratis has committed the new configuration, or {@code -ERR <reason>}. The change is Ratis' own
 * ({@link RaftServer#setConfigurationAsync}: a new node is first caught up from the log, then the joint
 * configuration and the new one are committed). One change at a time; the leader does not remove itself.
 *
 * <p>Threading: {@link #serve} and {@link #close} on the node's role thread (inside {@link LeaderTerm}'s start and
 * close); requests arrive on the leader's jnats dispatcher thread, which only checks and submits; Ratis completes
 * the change on its own threads, which publish the reply (jnats' publish is thread-safe).
 */
final class MembershipChanges implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("io.stanchion.STREAM");
    /** How long the requester may wait for a change (a new node's catch-up included) before an {@code -ERR}. */
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final RaftServer raft;
    private final RaftGroupId group;
    private final RaftPeerId self;
    private final String clusterId;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    /** A change submitted and not yet answered by Ratis. */
    private final AtomicBoolean changing = new AtomicBoolean();
    private final List<AutoCloseable> subscriptions = new ArrayList<>();
    private volatile JnatsTransport jnats;

    MembershipChanges(RaftServer raft, RaftGroupId group, RaftPeerId self, String clusterId) {
        this.raft = raft;
        this.group = group;
        this.self = self;
        this.clusterId = clusterId;
    }

    static String addSubject(String clusterId) {
        return "_STAN.raft." + clusterId + ".node.add";
    }

    static String removeSubject(String clusterId) {
        return "_STAN.raft." + clusterId + ".node.remove";
    }

    /** Subscribes to the two subjects on the leader's connection (waiting until NATS has registered them). */
    void serve(JnatsTransport connection) throws IOException {
        this.jnats = connection;
        subscriptions.add(connection.subscribeUntilClosed(addSubject(clusterId),
                (subject, replyTo, data) -> onRequest(true, replyTo, data)));
        subscriptions.add(connection.subscribeUntilClosed(removeSubject(clusterId),
                (subject, replyTo, data) -> onRequest(false, replyTo, data)));
        connection.flush(Duration.ofSeconds(5));
    }

    /** Stops answering (a change under way still completes in Ratis; its reply is sent if the connection lives). */
    @Override
    public void close() {
        for (AutoCloseable s : subscriptions) {
            try {
                s.close();
            } catch (Exception e) {
                LOG.debug("unsubscribing: {}", e.toString());
            }
        }
        subscriptions.clear();
    }

    /** Dispatcher thread. */
    private void onRequest(boolean add, String replyTo, byte[] data) {
        if (replyTo == null || replyTo.isEmpty()) {
            return; // nobody to tell
        }
        String payload = new String(data == null ? new byte[0] : data, StandardCharsets.UTF_8).trim();
        CompletableFuture<String> answer;
        try {
            answer = add ? add(payload) : remove(payload);
        } catch (IllegalArgumentException | IllegalStateException e) {
            answer = CompletableFuture.completedFuture("-ERR " + e.getMessage());
        }
        answer.whenComplete((text, error) -> {
            String reply = text != null ? text : "-ERR " + error;
            if (reply.startsWith("-ERR")) {
                LOG.warn("Cluster node.{} \"{}\" refused: {}", add ? "add" : "remove", payload, reply.substring(5));
            }
            jnats.publish(replyTo, reply.getBytes(StandardCharsets.UTF_8));
        });
    }

    private CompletableFuture<String> add(String payload) {
        if (payload.indexOf('@') < 0) {
            throw new IllegalArgumentException("node.add needs the new node's Raft address: <node_id>@<host>:<port> "
                    + "(got \"" + payload + "\"; Stanchion's nodes talk Raft directly, not through NATS)");
        }
        ClusterConfig.Peer peer = ClusterConfig.Peer.parse(payload);
        Collection<RaftPeer> current = stableConfiguration();
        List<RaftPeer> next = new ArrayList<>(current);
        for (RaftPeer p : current) {
            if (p.getId().toString().equals(peer.id())) {
                throw new IllegalArgumentException("node " + peer.id() + " is already a member");
            }
            if (peer.address().equalsIgnoreCase(p.getAddress())) {
                throw new IllegalArgumentException("address " + peer.address() + " is node " + p.getId() + "'s");
            }
        }
        next.add(RaftPeer.newBuilder().setId(peer.id()).setAddress(peer.address()).build());
        return change(next, "added node " + peer);
    }

    private CompletableFuture<String> remove(String payload) {
        String id = payload.indexOf('@') < 0 ? payload : payload.substring(0, payload.indexOf('@'));
        if (id.isEmpty()) {
            throw new IllegalArgumentException("node.remove needs the node's ID");
        }
        if (id.equals(self.toString())) {
            throw new IllegalArgumentException("node " + id + " is the leader and does not remove itself: stop it, "
                    + "and once another node leads, remove it there");
        }
        Collection<RaftPeer> current = stableConfiguration();
        List<RaftPeer> next = new ArrayList<>();
        for (RaftPeer p : current) {
            if (!p.getId().toString().equals(id)) {
                next.add(p);
            }
        }
        if (next.size() == current.size()) {
            throw new IllegalArgumentException("node " + id + " is not a member (members: " + ids(current) + ")");
        }
        return change(next, "removed node " + id);
    }

    /** The current members, refusing while Ratis is between two configurations. */
    private Collection<RaftPeer> stableConfiguration() {
        RaftConfiguration conf;
        try {
            conf = raft.getDivision(group).getRaftConf();
        } catch (IOException e) {
            throw new IllegalStateException("no Raft group: " + e.getMessage());
        }
        if (changing.get() || !conf.getPreviousPeers().isEmpty()) {
            throw new IllegalStateException("a membership change is in progress");
        }
        return conf.getCurrentPeers();
    }

    private CompletableFuture<String> change(List<RaftPeer> next, String what) {
        if (!changing.compareAndSet(false, true)) {
            throw new IllegalStateException("a membership change is in progress");
        }
        LOG.info("Cluster membership change requested: {} (members then: {})", what, ids(next));
        CompletableFuture<RaftClientReply> reply;
        try {
            reply = raft.setConfigurationAsync(new SetConfigurationRequest(clientId, self, group,
                    callIds.incrementAndGet(), next));
        } catch (IOException | RuntimeException e) {
            changing.set(false);
            return CompletableFuture.completedFuture("-ERR " + e.getMessage());
        }
        return reply.orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).handle((r, e) -> {
            changing.set(false);
            if (e == null && r.isSuccess()) {
                LOG.info("Cluster membership changed: {}", what);
                return "+OK";
            }
            Throwable cause = e;
            while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                    && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof TimeoutException) {
                return "-ERR no answer from Raft within " + TIMEOUT.toSeconds() + " s (the change may still "
                        + "complete: check the members before trying again)";
            }
            if (cause != null) {
                return "-ERR " + cause.getMessage();
            }
            return "-ERR " + (r.getException() != null ? r.getException().getMessage() : "not committed");
        });
    }

    private static String ids(Collection<RaftPeer> peers) {
        return String.join(", ", peers.stream().map(p -> p.getId().toString()).sorted().toList());
    }
}
