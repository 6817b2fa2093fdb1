package io.stanchion.cluster;

import io.nats.streaming.Message;
import io.nats.streaming.Options;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.StreamingConnectionFactory;
import io.nats.streaming.SubscriptionOptions;
import io.stanchion.config.ClusterConfig;
import io.stanchion.config.ServerConfig;
import io.stanchion.e2e.StanchionE2E;
import io.stanchion.e2e.MonitorHttp;
import io.stanchion.e2e.NatsServerProcess;
import io.stanchion.store.ChannelLog;
import io.stanchion.store.chronicle.ChronicleMessageStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Three cluster nodes in this JVM over one real nats-server, with the real Java STAN client: only the leader
 * serves; what it acknowledges is in every node's stores; when the leader stops, another one serves the same
 * clients and the durable subscription resumes where it was.
 */
class ClusterNodeTest extends StanchionE2E {
    static {
        System.setProperty("chronicle.analytics.disable", "true");
    }

    @TempDir
    Path dir;
    private final List<ClusterNode> nodes = new ArrayList<>();
    private final List<AutoCloseable> clients = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : clients) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closed by the test
            }
        }
        for (ClusterNode n : nodes) {
            if (n != null) {
                n.close();
            }
        }
    }

    private static List<ClusterConfig.Peer> peers() throws Exception {
        List<ClusterConfig.Peer> peers = new ArrayList<>();
        for (String id : List.of("a", "b", "c")) {
            peers.add(new ClusterConfig.Peer(id, "127.0.0.1", NatsServerProcess.freePort()));
        }
        return peers;
    }

    private ServerConfig config(String clusterId, List<ClusterConfig.Peer> peers, String id) {
        return builder(clusterId, peers, id).build();
    }

    private ServerConfig.Builder builder(String clusterId, List<ClusterConfig.Peer> peers, String id) {
        Path nodeDir = dir.resolve(id);
        return ServerConfig.builder().clusterId(clusterId).natsUrl(nats.url())
                .storeType(ServerConfig.StoreType.FILE).dir(nodeDir)
                .cluster(new ClusterConfig(id, peers, false, nodeDir.resolve("_raft"), false, false, "127.0.0.1",
                        Duration.ofMillis(300), false));
    }

    private ClusterNode leader() {
        return await().atMost(Duration.ofSeconds(20)).until(
                () -> nodes.stream().filter(n -> n != null && n.serving()).findFirst().orElse(null),
                n -> n != null);
    }

    private StreamingConnection stan(String clusterId, String clientId) throws Exception {
        StreamingConnection sc = new StreamingConnectionFactory(new Options.Builder().natsUrl(nats.url())
                .clusterId(clusterId).clientId(clientId).connectWait(Duration.ofSeconds(10))
                .pubAckWait(Duration.ofSeconds(10)).build()).createConnection();
        clients.add(sc);
        return sc;
    }

    @Test
    void theLeaderServesAndEveryNodeStoresWhatItAcknowledged() throws Exception {
        List<ClusterConfig.Peer> peers = peers();
        for (String id : List.of("a", "b", "c")) {
            nodes.add(ClusterNode.start(builder("cl1", peers, id).httpHost("127.0.0.1")
                    .httpPort(NatsServerProcess.freePort()).build(), () -> { }));
        }
        ClusterNode first = leader();
        assertThat(nodes.stream().filter(ClusterNode::serving)).hasSize(1);
        assertThat(first.role()).isEqualTo("Leader");

        StreamingConnection sc = stan("cl1", "pub");
        Set<String> received = ConcurrentHashMap.newKeySet();
        sc.subscribe("orders", (Message m) -> received.add(new String(m.getData(), StandardCharsets.UTF_8)),
                new SubscriptionOptions.Builder().durableName("dur").deliverAllAvailable().build());
        for (int i = 1; i <= 100; i++) {
            sc.publish("orders", ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 100);
        followersMonitorTheLeadersState(first);

        // The leader stops: another node serves the same client, which goes on publishing.
        int gone = nodes.indexOf(first);
        first.close();
        nodes.set(gone, null);
        ClusterNode second = leader();
        assertThat(second).isNotSameAs(first);
        for (int i = 101; i <= 150; i++) {
            sc.publish("orders", ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 150);

        // The stopped node comes back and catches up.
        nodes.set(gone, ClusterNode.start(config("cl1", peers, List.of("a", "b", "c").get(gone)), () -> { }));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> nodes.stream().filter(ClusterNode::serving).count() == 1);
        sc.close();
        // the rejoined node has caught up when it has applied what the others have
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() ->
                nodes.stream().mapToLong(ClusterNode::appliedIndex).distinct().count() == 1);
        for (ClusterNode n : nodes) {
            n.close();
        }
        for (String id : List.of("a", "b", "c")) {
            try (ChronicleMessageStore store = new ChronicleMessageStore(dir.resolve(id))) {
                ChannelLog log = store.existing("orders");
                assertThat(log).as("node %s", id).isNotNull();
                assertThat(log.lastSequence()).as("node %s", id).isEqualTo(150);
            }
        }
        nodes.clear();
    }

    /**
     * A follower's monitoring answers from its replicated stores (it answered 503 "not the leader" before): the
     * same clients, channels, counts and durable subscription as the leader, in the same JSON.
     */
    private void followersMonitorTheLeadersState(ClusterNode leader) {
        MonitorHttp leaderHttp = new MonitorHttp(leader.monitoringPort());
        ClusterNode follower = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
        MonitorHttp followerHttp = new MonitorHttp(follower.monitoringPort());
        for (String path : List.of("/streaming/channelsz?subs=1", "/streaming/clientsz?subs=1",
                "/streaming/channelsz?channel=orders&subs=1", "/streaming/clientsz?client=pub&subs=1",
                "/streaming/channelsz", "/streaming/storez")) {
            // equal once the follower has applied what the leader committed (acks included)
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(withoutTimes(followerHttp.json(path))).as(path)
                            .isEqualTo(withoutTimes(leaderHttp.json(path))));
        }
        Map<String, Object> serverz = followerHttp.json("/streaming/serverz");
        Map<String, Object> leaderServerz = leaderHttp.json("/streaming/serverz");
        assertThat(serverz.get("role")).isEqualTo("Follower");
        assertThat(leaderServerz.get("role")).isEqualTo("Leader");
        for (String field : List.of("clients", "subscriptions", "channels", "total_msgs", "total_bytes")) {
            assertThat(serverz.get(field)).as(field).isEqualTo(leaderServerz.get(field));
        }
        assertThat(serverz.get("clients")).isEqualTo(1L);
        assertThat(serverz.get("subscriptions")).isEqualTo(1L);
        assertThat(serverz.get("total_msgs")).isEqualTo(100L);

        @SuppressWarnings("unchecked")
        Map<String, Object> orders = ((List<Map<String, Object>>) followerHttp.json("/streaming/channelsz?subs=1")
                .get("channels")).get(0);
        assertThat(orders).containsEntry("name", "orders").containsEntry("msgs", 100L)
                .containsEntry("first_seq", 1L).containsEntry("last_seq", 100L);
        assertThat((Long) orders.get("bytes")).isPositive();
        @SuppressWarnings("unchecked")
        Map<String, Object> durable = ((List<Map<String, Object>>) orders.get("subscriptions")).get(0);
        assertThat(durable).containsEntry("client_id", "pub").containsEntry("durable_name", "dur")
                .containsEntry("is_durable", true).containsEntry("is_offline", false)
                .containsEntry("last_sent", 100L);
        assertThat(followerHttp.get("/streaming/clientsz?client=nobody").status()).isEqualTo(404);
    }

    /** A monitoring answer without its time fields ("now"), which differ between two requests. */
    private static Map<String, Object> withoutTimes(Map<String, Object> json) {
        Map<String, Object> copy = new LinkedHashMap<>(json);
        copy.remove("now");
        copy.remove("server_id"); // each node has its own
        return copy;
    }

    /**
     * Encryption at rest in a cluster: the leader seals payloads before proposing them, so no node's Raft log or
     * store holds a payload in the clear, and a new leader opens what the old one sealed.
     */
    @Test
    void encryptedPayloadsAreSealedInEveryNodesRaftLogAndStoreAndANewLeaderReadsThem() throws Exception {
        List<ClusterConfig.Peer> peers = peers();
        for (String id : List.of("a", "b", "c")) {
            nodes.add(ClusterNode.start(builder("cl2", peers, id).encrypt(true).encryptionKey("cluster-key")
                    .environment(name -> null).build(), () -> { }));
        }
        ClusterNode first = leader();
        StreamingConnection sc = stan("cl2", "sealer");
        for (int i = 1; i <= 30; i++) {
            sc.publish("vault", ("CLEAR-TEXT-PAYLOAD-" + i).getBytes(StandardCharsets.UTF_8));
        }
        int gone = nodes.indexOf(first);
        first.close();
        nodes.set(gone, null);
        leader();
        Set<String> received = ConcurrentHashMap.newKeySet();
        sc.subscribe("vault", (Message m) -> received.add(new String(m.getData(), StandardCharsets.UTF_8)),
                new SubscriptionOptions.Builder().deliverAllAvailable().build());
        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 30);
        assertThat(received).contains("CLEAR-TEXT-PAYLOAD-1", "CLEAR-TEXT-PAYLOAD-30");
        sc.close();
        for (ClusterNode n : nodes) {
            if (n != null) {
                n.close();
            }
        }
        nodes.clear();
        byte[] marker = "CLEAR-TEXT-PAYLOAD-".getBytes(StandardCharsets.US_ASCII);
        List<Path> files;
        try (var walk = java.nio.file.Files.walk(dir)) {
            files = walk.filter(java.nio.file.Files::isRegularFile).toList();
        }
        assertThat(files.stream().filter(f -> f.toString().contains("_raft"))).as("Raft log files").isNotEmpty();
        for (Path f : files) {
            String bytes = new String(java.nio.file.Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            assertThat(bytes).as("payload in the clear in %s", f)
                    .doesNotContain(new String(marker, StandardCharsets.ISO_8859_1));
        }
        // A node given another key is refused when it starts, not first when it is elected.
        String survivor = List.of("a", "b", "c").get(gone == 0 ? 1 : 0);
        assertThatThrownBy(() -> ClusterNode.start(builder("cl2", peers, survivor).encrypt(true)
                .encryptionKey("another key").environment(name -> null).build(), () -> { }))
                .isInstanceOf(io.stanchion.StanchionServer.StartupException.class)
                .hasMessageContaining("wrong encryption key");
    }
}
