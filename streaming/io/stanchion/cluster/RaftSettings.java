package io.stanchion.cluster;

import io.stanchion.config.ClusterConfig;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The Ratis settings of a node, from its {@link ClusterConfig}: Netty transport on this node's address, the Raft log
 * under the configured path, election time-outs, entry size limits fit for batches of large messages, and a log
 * that is never purged nor snapshotted by Ratis (this node's stores are its snapshot, see {@link NodeMarks}; a
 * node that rebuilds its stores or joins with an empty disk replays the log from the start).
 */
final class RaftSettings {
    /**
     * The largest log entry: Ratis writes an entry through a direct buffer of this size. {@link ReplicatedOutput}
     * splits an engine batch into entries of about {@link ReplicatedOutput#ENTRY_BYTES}; one operation (a message
     * of up to NATS' largest payload plus its envelope) must fit.
     */
    static final SizeInBytes MAX_ENTRY = SizeInBytes.valueOf("16MB");

    /** How long a node being added may leave the leader without an answer before the change fails. */
    static final java.time.Duration STAGING_TIMEOUT = java.time.Duration.ofSeconds(10);

    private RaftSettings() {
    }

    /** The group every node of cluster {@code clusterId} forms: its ID derives from the cluster ID. */
    static RaftGroup group(String clusterId, ClusterConfig cluster) {
        List<RaftPeer> peers = new ArrayList<>();
        for (ClusterConfig.Peer p : cluster.peers()) {
            peers.add(RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build());
        }
        UUID id = UUID.nameUUIDFromBytes(("stanchion cluster " + clusterId).getBytes(StandardCharsets.UTF_8));
        return RaftGroup.valueOf(RaftGroupId.valueOf(id), peers);
    }

    static RaftProperties properties(ClusterConfig cluster) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.NETTY);
        NettyConfigKeys.Server.setHost(p, cluster.listenHost());
        NettyConfigKeys.Server.setPort(p, cluster.self().port());
        RaftServerConfigKeys.setStorageDir(p, List.of(cluster.logPath().toFile()));
        long election = cluster.electionTimeout().toMillis();
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(election, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2 * election, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(Math.max(3000, 3 * election),
                TimeUnit.MILLISECONDS));
        // A node being added (MembershipChanges) that has not answered the leader for this long fails the change
        // ("NOPROGRESS"); its catch-up writes up to MAX_ENTRY per append, so more than Ratis' 3 x rpc time-out.
        RaftServerConfigKeys.setStagingTimeout(p, TimeDuration.valueOf(STAGING_TIMEOUT.toMillis(),
                TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Log.setPurgeGap(p, Integer.MAX_VALUE);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, false);
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, false);
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, false);
        // Log segments and the in-memory cache of recent ones (what the leader sends followers from) stay small
        // beside the server's heap (config/jvm.options: 256 MiB).
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("32MB"));
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, 2);
        RaftServerConfigKeys.Log.setSegmentCacheSizeMax(p, SizeInBytes.valueOf("64MB"));
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(MAX_ENTRY.getSize() + 8));
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, MAX_ENTRY);
        // Above Proposer's own bounds, so Ratis never refuses a proposal for want of room.
        RaftServerConfigKeys.Write.setElementLimit(p, 4 * Proposer.MAX_OUTSTANDING);
        RaftServerConfigKeys.Write.setByteLimit(p, SizeInBytes.valueOf(4L * Proposer.MAX_OUTSTANDING_BYTES));
        return p;
    }
}
