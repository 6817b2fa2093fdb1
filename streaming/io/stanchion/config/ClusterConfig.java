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
 */
public record ClusterConfig(String nodeId, List<Peer> peers, boolean bootstrap, Path logPath, boolean sync,
                            boolean raftLogging, String listenHost, Duration electionTimeout) {

    /** Default Raft election time-out (the range is this to twice this). */
    public static final Duration DEFAULT_ELECTION_TIMEOUT = Duration.ofMillis(1000);

    /** One node of the group: its ID and the host and port of its Raft transport. */
    public record Peer(String id, String host, int port) {
        public String address() {
            return host + ":" + port;
        }
    }

    public ClusterConfig {
        peers = List.copyOf(peers);
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
