package io.stanchion.cluster;

import io.stanchion.store.ChannelLog;
import io.stanchion.store.ClientRecord;
import io.stanchion.store.StoredMessage;
import io.stanchion.store.SubscriptionRecord;
import io.stanchion.store.chronicle.ChronicleMessageStore;
import io.stanchion.store.chronicle.ChronicleStateStore;
import io.stanchion.store.oplog.Operation;
import io.stanchion.store.oplog.OperationApplier;
import io.stanchion.store.oplog.OperationCodec;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three Ratis peers on loopback, each a {@link ClusterStateMachine} (following only) over its own FILE stores: operation batches sent
 * through a Raft client are committed by the group and applied on every node in the same order, so the three
 * nodes' stores end up the same.
 */
class OperationReplicaTest {
    @TempDir
    Path dir;

    /** One node: its stores and its Raft server. */
    private static final class Node implements AutoCloseable {
        final ChronicleMessageStore messages;
        final ChronicleStateStore state;
        final RaftServer server;

        Node(Path dir, RaftPeer self, RaftGroup group) throws Exception {
            messages = new ChronicleMessageStore(dir.resolve("msgs"));
            state = new ChronicleStateStore(dir.resolve("state"));
            RaftProperties p = new RaftProperties();
            RaftConfigKeys.Rpc.setType(p, SupportedRpcType.NETTY);
            NettyConfigKeys.Server.setHost(p, "127.0.0.1");
            NettyConfigKeys.Server.setPort(p, Integer.parseInt(self.getAddress().split(":")[1]));
            RaftServerConfigKeys.setStorageDir(p, List.of(dir.resolve("raft").toFile()));
            ClusterStateMachine machine = new ClusterStateMachine(new NodeMarks(dir, false),
                    new ClusterStateMachine.Roles() {
                        @Override
                        public void leaderReady() {
                        }

                        @Override
                        public void notLeader() {
                        }

                        @Override
                        public void failed(String what, Throwable cause) {
                            throw new AssertionError(what, cause);
                        }
                    });
            machine.lock.lock();
            try {
                machine.follow(new OperationApplier(messages, state, false)); // never leads: applies every entry
            } finally {
                machine.lock.unlock();
            }
            server = RaftServer.newBuilder().setServerId(self.getId()).setGroup(group).setProperties(p)
                    .setStateMachine(machine).build();
            server.start();
        }

        @Override
        public void close() throws Exception {
            server.close();
            state.close();
            messages.close();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void batchesCommittedByTheGroupAreAppliedInOrderOnEveryNode() throws Exception {
        List<RaftPeer> peers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            peers.add(RaftPeer.newBuilder().setId("n" + i).setAddress("127.0.0.1:" + freePort()).build());
        }
        RaftGroup group = RaftGroup.valueOf(RaftGroupId.valueOf(UUID.randomUUID()), peers);
        List<Node> nodes = new ArrayList<>();
        try {
            for (RaftPeer peer : peers) {
                nodes.add(new Node(dir.resolve(peer.getId().toString()), peer, group));
            }
            RaftProperties cp = new RaftProperties();
            RaftConfigKeys.Rpc.setType(cp, SupportedRpcType.NETTY);
            try (RaftClient client = RaftClient.newBuilder().setProperties(cp).setRaftGroup(group).build()) {
                send(client, new Operation.Batch(List.of(
                        new Operation.AddClient(new ClientRecord("c", "_INBOX.hb", new byte[] {1}, 1, 5, 3)),
                        new Operation.PutSubscription(new SubscriptionRecord(1, "orders", "c", "_INBOX.s", "ack.1",
                                "", "dur", 10, 30_000_000_000L, 0, false)),
                        new Operation.CreateChannel("orders"))));
                for (int seq = 1; seq <= 200; seq++) {
                    send(client, new Operation.Batch(List.of(
                            new Operation.Append("orders", seq, 1_000L + seq, ("m" + seq).getBytes()),
                            new Operation.Sent(1, seq))));
                }
                send(client, new Operation.Batch(List.of(new Operation.Acked(1, 1), new Operation.Acked(1, 2),
                        new Operation.RemoveBefore("orders", 50))));
            }
            // A majority committed every entry; the third node applies them too, shortly after.
            await().atMost(Duration.ofSeconds(20)).until(() -> nodes.stream().allMatch(n ->
                    n.messages.existing("orders") != null && n.messages.existing("orders").lastSequence() == 200
                            && n.messages.existing("orders").firstSequence() == 50));
            for (Node n : nodes) {
                ChannelLog log = n.messages.existing("orders");
                for (long s = 50; s <= 200; s++) {
                    StoredMessage m = log.read(s);
                    assertThat(new String(m.record())).isEqualTo("m" + s);
                    assertThat(m.timestampNanos()).isEqualTo(1_000L + s);
                }
            }
        } finally {
            for (Node n : nodes) {
                n.close();
            }
        }
        // What each node's state journal kept: the client, the durable and its pending (sent, not acked) set.
        for (RaftPeer peer : peers) {
            try (ChronicleStateStore state = new ChronicleStateStore(dir.resolve(peer.getId() + "/state"))) {
                assertThat(state.recovered().clients()).extracting(ClientRecord::id).containsExactly("c");
                assertThat(state.recovered().subscriptions()).singleElement()
                        .satisfies(s -> assertThat(s.descriptor().durableName()).isEqualTo("dur"))
                        .satisfies(s -> assertThat(s.pending()).hasSize(198));
            }
        }
    }

    private static void send(RaftClient client, Operation.Batch batch) throws Exception {
        RaftClientReply reply = client.io().send(Message.valueOf(ByteString.copyFrom(OperationCodec.encode(batch))));
        assertThat(reply.isSuccess()).as("committed: %s", reply.getException()).isTrue();
    }
}
