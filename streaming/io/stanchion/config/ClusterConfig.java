package io.stanchion.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Clustering settings (the original's {@code -clustered} / {@code cluster {}} options): this node's ID, every peer
 * of the Raft group with the address its Raft transport listens on, and the Raft tuning. Peers reach each other on
 * these addresses directly (not through NATS). {@link ServerConfig#cluster} is {@code null} when not clustered.
 *
 * @param nodeId          this node's ID (unique in the group)
 * @param peers           every node of the group, this one included (its entry gives its own address)
 * @param bootstrap       this node may form the group alone (a one-node group) when no peers are configured
 * @param logPath         the Raft log directory of this node
 * @param sync            fsync the Raft log and the message store before an entry counts as stored (the original's
 *                        {@code cluster_sync}, which overrides {@code file_sync} in clustered mode)
 * @param raftLogging     log the Raft library's own messages (at INFO) instead of warnings only
 * @param listenHost      the address the Raft transport binds (default: the host of this node's peer entry)
 * @param electionTimeout a follower that heard nothing from a leader for a random time between this and twice
 *                        this starts an election
 * @param allowAddRemove  the leader answers requests to add and remove nodes at run time (the original's
 *                        {@code cluster_allow_add_remove_node}; see {@code cluster.MembershipChanges})
 */
public record ClusterConfig(String nodeId, List<Peer> peers, boolean bootstrap, Path logPath, boolean sync,
                            boolean raftLogging, String listenHost, Duration electionTimeout,
                            boolean allowAddRemove) {

    /** Default Raft election time-out (the range is this to twice this). */
    public static final Duration DEFAULT_ELECTION_TIMEOUT = Duration.ofMillis(500);

    /** The shortest election time-out accepted. */
    public static final Duration MIN_ELECTION_TIMEOUT = Duration.ofMillis(100);

    /**
     * The Raft address of a node that forms a one-node group ({@code cluster_bootstrap} without peers) when
     * {@code cluster_listen} gives neither host nor port: loopback, and not 6222, the NATS route port that a
     * nats-server on the same host often holds.
     */
    public static final String DEFAULT_BOOTSTRAP_HOST = "127.0.0.1";
    public static final int DEFAULT_BOOTSTRAP_PORT = 6322;

    /** What a node ID may hold, for messages. */
    static final String NODE_ID_RULE = "only alphanumeric and `-` or `_` characters allowed";

    /** One node of the group: its ID and the host and port of its Raft transport. */
    public record Peer(String id, String host, int port) {
        public String address() {
            return host + ":" + port;
        }

        /** Parses {@code <node_id>@<host>:<port>}; IllegalArgumentException says what is wrong. */
        public static Peer parse(String entry) {
            return OptionType.peer(entry);
        }

        @Override
        public String toString() {
            return id + "@" + address();
        }
    }

    public ClusterConfig {
        peers = List.copyOf(peers);
    }

    /** Whether {@code id} is a valid node ID: non-empty, ASCII letters, digits, '-' and '_'. */
    static boolean isValidNodeId(String id) {
        return id != null && id.matches("[A-Za-z0-9_-]+");
    }

    /** This node's peer entry. */
    public Peer self() {
        for (Peer p : peers) {
            if (p.id().equals(nodeId)) {
                return p;
            }
        }
        throw new IllegalStateException("node " + nodeId + " is not among the peers");
    }
}
