package io.stanchion.e2e;

import io.nats.streaming.Message;
import io.nats.streaming.Options;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.StreamingConnectionFactory;
import io.nats.streaming.SubscriptionOptions;
import io.stanchion.store.ChannelLog;
import io.stanchion.store.StoredMessage;
import io.stanchion.store.chronicle.ChronicleMessageStore;
import io.stanchion.protocol.pb.MsgProto;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A three-node cluster, each node its own JVM (crashed with kill -9), over a real nats-server, with the real Java
 * STAN client: failover of the leader under load loses no acknowledged message and leaves no gap or duplicate in
 * the channel; a killed follower, a node rejoining with an empty disk and the killed leader all catch up; with two
 * nodes down nothing is acknowledged.
 */
class ClusterFailoverTest extends StanchionE2E {
    private static final String CHANNEL = "orders";
    private static final List<String> IDS = List.of("a", "b", "c");
    @TempDir
    Path dir;
    private String peers;
    private final Map<String, Integer> monitorPorts = new LinkedHashMap<>();
    private final Map<String, ServerProcess> nodes = new LinkedHashMap<>();
    private final List<AutoCloseable> clients = new ArrayList<>();

    @AfterEach
    void stopAll() {
        for (AutoCloseable c : clients) {
            try {
                c.close();
            } catch (Exception ignored) {
                // the connection may be gone with its server
            }
        }
        nodes.values().forEach(ServerProcess::close);
    }

    private void configure(String cid) throws Exception {
        clusterId = cid;
        List<String> entries = new ArrayList<>();
        for (String id : IDS) {
            entries.add(id + "@127.0.0.1:" + NatsServerProcess.freePort());
            monitorPorts.put(id, NatsServerProcess.freePort());
        }
        peers = String.join(",", entries);
    }

    private void start(String id) throws Exception {
        ServerProcess p = ServerProcess.start(List.of("-Xmx192m"), List.of("-cid", clusterId, "-ns", nats.url(),
                "-store", "file", "-dir", dir.resolve(id).toString(), "-m", String.valueOf(monitorPorts.get(id)),
                "-clustered", "-cluster_node_id", id, "-cluster_peers", peers,
                "-cluster_election_timeout", "500ms"));
        nodes.put(id, p);
        assertThat(p.awaitReady(Duration.ofSeconds(30))).as("node %s ready:%n%s", id, p.output()).isTrue();
    }

    private String role(String id) {
        ServerProcess p = nodes.get(id);
        if (p == null || !p.isAlive()) {
            return "down";
        }
        try {
            return String.valueOf(new MonitorHttp(monitorPorts.get(id)).json("/streaming/serverz").get("role"));
        } catch (RuntimeException | AssertionError e) {
            return "unreachable";
        }
    }

    /** The node serving clients: the leader, once its engine runs (only then is stanchion_cluster_leader 1). */
    private String awaitLeader() {
        return await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100)).until(
                () -> IDS.stream().filter(id -> role(id).equals("Leader") && serving(id)).findFirst().orElse(null),
                id -> id != null);
    }

    private boolean serving(String id) {
        try {
            // stanchion_cluster_leader is 1 only while the node's engine serves clients (every node answers storez)
            return java.util.regex.Pattern.compile("(?m)^stanchion_cluster_leader\\{[^}]*\\} 1\\.0$")
                    .matcher(new MonitorHttp(monitorPorts.get(id)).get("/metrics").body()).find();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private StreamingConnection stan(String clientId, Duration pubAckWait) throws Exception {
        StreamingConnection sc = new StreamingConnectionFactory(new Options.Builder().natsUrl(nats.url())
                .clusterId(clusterId).clientId(clientId).connectWait(Duration.ofSeconds(20))
                .pubAckWait(pubAckWait).maxPubAcksInFlight(200).build()).createConnection();
        clients.add(0, sc);
        return sc;
    }

    /** Publishes m1, m2, ... asynchronously until stopped; remembers which were acknowledged (and when). */
    private final class Publisher implements AutoCloseable {
        final Set<String> acked = ConcurrentHashMap.newKeySet();
        /** Acknowledgement times, in arrival order. */
        final java.util.concurrent.ConcurrentLinkedQueue<Long> ackTimes = new java.util.concurrent.ConcurrentLinkedQueue<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;

        Publisher(StreamingConnection sc) {
            thread = new Thread(() -> {
                for (int i = 1; running.get(); i++) {
                    String body = "m" + i;
                    try {
                        sc.publish(CHANNEL, body.getBytes(StandardCharsets.UTF_8), (guid, error) -> {
                            if (error == null) {
                                acked.add(body);
                                ackTimes.add(System.nanoTime());
                            }
                        });
                    } catch (Exception e) {
                        sleepQuietly(); // time-outs while no leader serves: go on
                    }
                }
            }, "test-publisher");
            thread.start();
        }

        long firstAckAfter(long nanos) {
            return ackTimes.stream().filter(t -> t > nanos).min(Long::compare).orElse(Long.MAX_VALUE);
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }
    }

    private static void sleepQuietly() {
        try {
            TimeUnit.MILLISECONDS.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A durable subscriber acking everything it receives. */
    private Set<String> subscribe(StreamingConnection sc) throws Exception {
        Set<String> received = ConcurrentHashMap.newKeySet();
        sc.subscribe(CHANNEL, (Message m) -> received.add(new String(m.getData(), StandardCharsets.UTF_8)),
                new SubscriptionOptions.Builder().durableName("dur").deliverAllAvailable()
                        .ackWait(Duration.ofSeconds(2)).build());
        return received;
    }

    /**
     * Stops every node and reads each one's channel log: the same payloads at the same dense sequences 1..n on all
     * three, no payload twice, every acknowledged one there.
     */
    private void assertSameLogsHolding(Set<String> acked) throws Exception {
        for (ServerProcess p : nodes.values()) {
            p.terminate();
        }
        for (ServerProcess p : nodes.values()) {
            Integer status = p.awaitExit(Duration.ofSeconds(20));
            if (status == null) {
                Process jstack = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstack")
                        .toString(), String.valueOf(p.pid())).redirectErrorStream(true).start();
                System.out.println("HUNG " + p.pid() + "\n" + new String(jstack.getInputStream().readAllBytes()));
            }
            assertThat(status).as("node %d stopped on SIGTERM", p.pid()).isNotNull();
        }
        List<String> reference = null;
        for (String id : IDS) {
            List<String> payloads = new ArrayList<>();
            try (ChronicleMessageStore store = new ChronicleMessageStore(dir.resolve(id))) {
                ChannelLog log = store.existing(CHANNEL);
                assertThat(log).as("node %s has the channel", id).isNotNull();
                assertThat(log.firstSequence()).isEqualTo(1);
                for (long s = 1; s <= log.lastSequence(); s++) {
                    StoredMessage m = log.read(s);
                    MsgProto proto = MsgProto.parseFrom(m.record());
                    assertThat(proto.getSequence()).isEqualTo(s);
                    payloads.add(proto.getData().toStringUtf8());
                }
            }
            Set<String> stored = new HashSet<>(payloads);
            assertThat(stored).as("node %s: no payload stored twice", id).hasSize(payloads.size());
            Set<String> missing = new HashSet<>(acked);
            missing.removeAll(stored);
            assertThat(missing).as("node %s: acknowledged messages missing", id).isEmpty();
            if (reference == null) {
                reference = payloads;
            } else {
                assertThat(payloads).as("node %s's log equals node a's", id).isEqualTo(reference);
            }
        }
        nodes.clear();
    }

    @Test
    void killingTheLeaderUnderLoadLosesNothingAcknowledgedAndTheOldLeaderCatchesUp() throws Exception {
        configure("failover-" + ProcessHandle.current().pid());
        for (String id : IDS) {
            start(id);
        }
        String leader = awaitLeader();
        assertMonitoringTellsRoles(leader);
        StreamingConnection pubConn = stan("pub", Duration.ofSeconds(2));
        StreamingConnection subConn = stan("sub", Duration.ofSeconds(2));
        Set<String> received = subscribe(subConn);
        Publisher publisher = new Publisher(pubConn);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> publisher.acked.size() >= 1_000);
            long killedAt = System.nanoTime();
            nodes.get(leader).kill();
            assertThat(nodes.get(leader).awaitExit(Duration.ofSeconds(10))).isNotNull();
            int ackedBefore = publisher.acked.size();
            String next = awaitLeader();
            assertThat(next).isNotEqualTo(leader);
            // clients resume on the new leader without reconnecting
            await().atMost(Duration.ofSeconds(60)).until(() -> publisher.acked.size() >= ackedBefore + 100);
            System.out.printf("failover: kill to first PubAck from the new leader %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(firstAckAfter(publisher, killedAt)));
            int ackedAfterFailover = publisher.acked.size();
            await().atMost(Duration.ofSeconds(60)).until(() -> publisher.acked.size() >= ackedAfterFailover + 1_000);
            // the old leader restarts (its stores rebuilt from the Raft log) while the load goes on
            start(leader);
            await().atMost(Duration.ofSeconds(30)).until(() -> role(leader).equals("Follower"));
            int ackedAfterRestart = publisher.acked.size();
            await().atMost(Duration.ofSeconds(60)).until(() -> publisher.acked.size() >= ackedAfterRestart + 500);
        } finally {
            publisher.close();
        }
        Set<String> acked = Set.copyOf(publisher.acked);
        await().atMost(Duration.ofSeconds(60)).until(() -> received.containsAll(acked));
        subConn.close();
        pubConn.close();
        assertSameLogsHolding(acked);
    }

    @Test
    void followersCatchUpAfterACrashOrWithAnEmptyDiskAndAMinorityAcknowledgesNothing() throws Exception {
        configure("followers-" + ProcessHandle.current().pid());
        for (String id : IDS) {
            start(id);
        }
        String leader = awaitLeader();
        List<String> followers = IDS.stream().filter(id -> !id.equals(leader)).toList();
        StreamingConnection pubConn = stan("pub", Duration.ofSeconds(2));
        Publisher publisher = new Publisher(pubConn);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> publisher.acked.size() >= 1_000);
            // a follower crashes: the other two go on committing
            String crashed = followers.get(0);
            nodes.get(crashed).kill();
            nodes.get(crashed).awaitExit(Duration.ofSeconds(10));
            int before = publisher.acked.size();
            await().atMost(Duration.ofSeconds(60)).until(() -> publisher.acked.size() >= before + 500);
            start(crashed);
            await().atMost(Duration.ofSeconds(30)).until(() -> role(crashed).equals("Follower"));
            // the other follower loses its disk and rejoins empty: it replays the whole log
            String emptied = followers.get(1);
            nodes.get(emptied).kill();
            nodes.get(emptied).awaitExit(Duration.ofSeconds(10));
            deleteTree(dir.resolve(emptied));
            start(emptied);
            await().atMost(Duration.ofSeconds(30)).until(() -> role(emptied).equals("Follower"));
            int later = publisher.acked.size();
            await().atMost(Duration.ofSeconds(60)).until(() -> publisher.acked.size() >= later + 500);
        } finally {
            publisher.close();
        }
        Set<String> acked = Set.copyOf(publisher.acked);

        // Two nodes down: the one left is a minority and acknowledges nothing.
        for (String id : followers) {
            nodes.get(id).kill();
            nodes.get(id).awaitExit(Duration.ofSeconds(10));
        }
        for (int i = 0; i < 3; i++) {
            String body = "minority-" + i;
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> pubConn.publish(CHANNEL, body.getBytes(StandardCharsets.UTF_8)))
                    .as("a publish with two of three nodes down is not acknowledged").isNotNull();
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(pubConn::close)
                .as("nor is a client's close").hasMessageContaining("timeout");
        // The two come back: the group serves again, and every log holds the same messages.
        for (String id : followers) {
            start(id);
        }
        awaitLeader();
        StreamingConnection again = stan("pub2", Duration.ofSeconds(5));
        again.publish(CHANNEL, "after".getBytes(StandardCharsets.UTF_8));
        again.close();
        Set<String> all = new HashSet<>(acked);
        all.add("after");
        assertSameLogsHolding(all);
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        try (java.util.stream.Stream<Path> walk = java.nio.file.Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        }
    }

    /**
     * /healthz, /streaming/serverz and /metrics tell the leader from the followers; followers answer storez and
     * serverz's counts from their replicated stores too.
     */
    private void assertMonitoringTellsRoles(String leader) {
        for (String id : IDS) {
            MonitorHttp http = new MonitorHttp(monitorPorts.get(id));
            boolean leads = id.equals(leader);
            String role = leads ? "Leader" : "Follower";
            assertThat(http.json("/healthz")).containsEntry("status", "ok").containsEntry("role", role)
                    .containsEntry("node_id", id);
            assertThat(http.json("/streaming/serverz")).containsEntry("state", "CLUSTERED")
                    .containsEntry("role", role).containsEntry("node_id", id).containsKeys("channels", "total_msgs");
            assertThat(http.get("/metrics").body()).containsPattern("(?m)^stanchion_cluster_leader\\{[^}]*\\} "
                    + (leads ? "1\\.0" : "0\\.0") + "$");
            assertThat(http.json("/streaming/storez")).containsEntry("type", "FILE").containsKey("total_msgs");
        }
    }

    private static long firstAckAfter(Publisher publisher, long killedAt) {
        return publisher.firstAckAfter(killedAt) - killedAt;
    }
}
