package io.stanchion.cluster;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.streaming.Options;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.StreamingConnectionFactory;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runtime membership changes ({@code cluster_allow_add_remove_node}): three in-process nodes over a real
 * nats-server; a fourth node, started with every peer plus itself and an empty directory, waits as a follower until
 * the leader adds it on a {@code _STAN.raft.<cid>.node.add} request, then replays the Raft log from its start; a
 * node removed on {@code node.remove} is no longer needed for a majority.
 */
class ClusterMembershipTest extends StanchionE2E {
    static {
        System.setProperty("chronicle.analytics.disable", "true");
    }

    private static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    Path dir;
    private final Map<String, ClusterNode> nodes = new LinkedHashMap<>();
    private final List<AutoCloseable> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        for (AutoCloseable c : clients) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closed by the test
            }
        }
        nodes.values().forEach(ClusterNode::close);
    }

    private ServerConfig config(String clusterId, List<ClusterConfig.Peer> peers, String id, boolean allow)
            throws Exception {
        Path nodeDir = dir.resolve(id);
        return ServerConfig.builder().clusterId(clusterId).natsUrl(nats.url())
                .storeType(ServerConfig.StoreType.FILE).dir(nodeDir)
                .httpHost("127.0.0.1").httpPort(NatsServerProcess.freePort())
                .cluster(new ClusterConfig(id, peers, false, nodeDir.resolve("_raft"), false, false, "127.0.0.1",
                        Duration.ofSeconds(1), allow)) // a busy CI machine must not see spurious elections
                .build();
    }

    private ClusterNode start(String clusterId, List<ClusterConfig.Peer> peers, String id, boolean allow)
            throws Exception {
        ClusterNode n = ClusterNode.start(config(clusterId, peers, id, allow), () -> { });
        nodes.put(id, n);
        return n;
    }

    private ClusterNode leader() {
        return await().atMost(WAIT).until(
                () -> nodes.values().stream().filter(ClusterNode::serving).findFirst().orElse(null), n -> n != null);
    }

    private String idOf(ClusterNode n) {
        return nodes.entrySet().stream().filter(e -> e.getValue() == n).findFirst().orElseThrow().getKey();
    }

    private StreamingConnection client(String clusterId) throws Exception {
        StreamingConnection sc = new StreamingConnectionFactory(new Options.Builder().natsUrl(nats.url())
                .clusterId(clusterId).clientId("pub").connectWait(Duration.ofSeconds(20))
                .pubAckWait(Duration.ofSeconds(20)).build()).createConnection();
        clients.add(sc);
        return sc;
    }

    private Connection plainNats() throws Exception {
        Connection nc = Nats.connect(nats.url());
        clients.add(nc);
        return nc;
    }

    /** The reply's text, or null when nobody answered (time-out or no responders). */
    private static String ask(Connection nc, String subject, String payload, Duration timeout) {
        try {
            io.nats.client.Message m = nc.request(subject, payload.getBytes(StandardCharsets.UTF_8), timeout);
            return m == null || m.isStatusMessage() ? null : new String(m.getData(), StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (RuntimeException e) {
            return null; // no responders, as jnats reports it
        }
    }

    private static void publish(StreamingConnection sc, int from, int to) throws Exception {
        for (int i = from; i <= to; i++) {
            sc.publish("orders", ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The messages of channel "orders" as node {@code n}'s monitoring reports them from its stores. */
    private static long storedMessages(ClusterNode n) {
        Map<String, Object> channel = new MonitorHttp(n.monitoringPort()).json("/streaming/channelsz?channel=orders");
        return ((Number) channel.get("msgs")).longValue();
    }

    private void awaitCaughtUp(ClusterNode n, long messages) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
            assertThat(n.appliedIndex()).isEqualTo(leader().appliedIndex());
            assertThat(storedMessages(n)).isEqualTo(messages);
        });
    }

    @Test
    void theLeaderAddsANodeThatReplaysTheLogAndRemovesAnother() throws Exception {
        List<ClusterConfig.Peer> all = new ArrayList<>();
        for (String id : List.of("a", "b", "c", "d")) {
            all.add(new ClusterConfig.Peer(id, "127.0.0.1", NatsServerProcess.freePort()));
        }
        List<ClusterConfig.Peer> first = all.subList(0, 3);
        for (String id : List.of("a", "b", "c")) {
            start("m1", first, id, true);
        }
        leader();
        StreamingConnection sc = client("m1");
        publish(sc, 1, 50);

        // d knows a group it is not yet in: it waits as a follower, for several election time-outs
        ClusterNode d = start("m1", all, "d", true);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                .until(() -> !d.serving() && !d.role().equals("Leader")); // its pre-votes are refused
        assertThat(leader().members()).containsExactly("a", "b", "c");

        Connection nc = plainNats();
        String add = MembershipChanges.addSubject("m1");
        String remove = MembershipChanges.removeSubject("m1");
        assertThat(ask(nc, add, "d", WAIT)).startsWith("-ERR node.add needs the new node's Raft address");
        // a node nobody started: Ratis cannot catch it up and gives up; the group is unchanged
        long asked = System.nanoTime();
        String unreachable = ask(nc, add, "e@127.0.0.1:" + NatsServerProcess.freePort(), Duration.ofSeconds(90));
        System.out.println("node.add of a node not running: " + unreachable + " after "
                + (System.nanoTime() - asked) / 1_000_000 + " ms");
        assertThat(unreachable).startsWith("-ERR").contains("NOPROGRESS");
        assertThat(leader().members()).containsExactly("a", "b", "c");
        assertThat(ask(nc, add, "d@127.0.0.1:" + all.get(3).port(), WAIT)).isEqualTo("+OK");
        awaitCaughtUp(d, 50);
        assertThat(d.members()).containsExactly("a", "b", "c", "d");
        assertThat(ask(nc, add, "d@127.0.0.1:" + all.get(3).port(), WAIT)).isEqualTo("-ERR node d is already a "
                + "member");

        ClusterNode lead = leader();
        assertThat(ask(nc, remove, idOf(lead), WAIT)).startsWith("-ERR node " + idOf(lead) + " is the leader");
        assertThat(ask(nc, remove, "zz", WAIT)).isEqualTo("-ERR node zz is not a member (members: a, b, c, d)");
        String victim = List.of("a", "b", "c").stream().filter(id -> nodes.get(id) != lead).findFirst()
                .orElseThrow();
        assertThat(ask(nc, remove, victim, WAIT)).isEqualTo("+OK");
        assertThat(lead.members()).doesNotContain(victim);
        // the removed node, still running, hears from no leader: it must not take the lead (Ratis shuts its
        // division down at its next election time-out), and the group keeps serving
        ClusterNode removed = nodes.get(victim);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(() -> !removed.serving() && !"Leader".equals(removed.role()));
        leader();
        assertThat(removed.failStop().tripped()).as("the removed node stays up until stopped").isFalse();
        nodes.remove(victim).close();

        // the three members left are all up: their acknowledgements need no stopped node
        publish(sc, 51, 60);
        awaitCaughtUp(d, 60);
        List<String> members = new ArrayList<>(List.of("a", "b", "c", "d"));
        members.remove(victim);
        assertThat(d.members()).containsExactlyElementsOf(members);

        // d restarts with its configured peers (a, b, c, d): the configuration in its Raft log prevails
        nodes.remove("d").close();
        ClusterNode d2 = start("m1", all, "d", true);
        assertThat(d2.members()).containsExactlyElementsOf(members);
        publish(sc, 61, 65);
        awaitCaughtUp(d2, 65);
        sc.close();
        for (ClusterNode n : nodes.values()) {
            n.close();
        }
        nodes.clear();
        try (ChronicleMessageStore store = new ChronicleMessageStore(dir.resolve("d"))) {
            ChannelLog log = store.existing("orders");
            assertThat(log).isNotNull();
            assertThat(log.lastSequence()).isEqualTo(65);
        }
    }

    @Test
    void withoutTheOptionNobodyAnswers() throws Exception {
        List<ClusterConfig.Peer> peers = List.of(new ClusterConfig.Peer("a", "127.0.0.1",
                NatsServerProcess.freePort()));
        start("m2", peers, "a", false);
        leader();
        client("m2").publish("orders", "x".getBytes(StandardCharsets.UTF_8)); // serving clients
        Connection nc = plainNats();
        assertThat(ask(nc, MembershipChanges.addSubject("m2"), "d@127.0.0.1:1", Duration.ofSeconds(2))).isNull();
        assertThat(ask(nc, MembershipChanges.removeSubject("m2"), "a", Duration.ofSeconds(2))).isNull();
    }
}
