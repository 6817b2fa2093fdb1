package io.stanchion.e2e;

import io.nats.streaming.Options;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.StreamingConnectionFactory;
import io.stanchion.StanchionServer;
import io.stanchion.config.ServerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Partitioning over a three-node nats-server cluster (routes on loopback) with a leaf node on the first node: each
 * partition is connected to its own node, the clients to the third node and to the leaf node.
 */
class PartitioningClusterTest {
    static {
        System.setProperty("chronicle.analytics.disable", "true");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }

    private static final int SIZE = 3;
    private static final List<NatsServerProcess> NODES = new ArrayList<>();
    private static final int[] MONITOR = new int[SIZE + 1];
    private static NatsServerProcess leaf;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void startCluster(@TempDir Path dir) throws Exception {
        List<Integer> ports = new ArrayList<>();
        int[] client = new int[SIZE];
        int[] route = new int[SIZE];
        for (int i = 0; i < SIZE; i++) {
            client[i] = fresh(ports);
            route[i] = fresh(ports);
            MONITOR[i] = fresh(ports);
        }
        int leafListen = fresh(ports);
        MONITOR[SIZE] = fresh(ports);
        Path hub = Files.writeString(dir.resolve("hub.conf"), "leafnodes { listen: \"127.0.0.1:" + leafListen
                + "\" }\n");
        for (int i = 0; i < SIZE; i++) {
            List<String> routes = new ArrayList<>();
            for (int j = 0; j < SIZE; j++) {
                if (j != i) {
                    routes.add("nats://127.0.0.1:" + route[j]);
                }
            }
            List<String> args = new ArrayList<>(List.of("-n", "p" + (i + 1), "--cluster_name", "stanchion-part",
                    "-cluster", "nats://127.0.0.1:" + route[i], "-routes", String.join(",", routes),
                    "-m", Integer.toString(MONITOR[i])));
            if (i == 0) {
                args.addAll(List.of("-c", hub.toString()));
            }
            NODES.add(NatsServerProcess.startOn(client[i], args.toArray(String[]::new)));
        }
        Path leafConf = Files.writeString(dir.resolve("leaf.conf"), "leafnodes { remotes: [ { url: "
                + "\"nats://127.0.0.1:" + leafListen + "\" } ] }\n");
        leaf = NatsServerProcess.startOn(fresh(ports), "-n", "leaf", "-m", Integer.toString(MONITOR[SIZE]),
                "-c", leafConf.toString());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!formed()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("nats-server cluster with leaf node not formed in 20 s");
            }
            Thread.sleep(100);
        }
    }

    private static int fresh(List<Integer> taken) throws Exception {
        while (true) {
            int p = NatsServerProcess.freePort();
            if (!taken.contains(p)) {
                taken.add(p);
                return p;
            }
        }
    }

    private static boolean formed() {
        for (int i = 0; i < SIZE; i++) {
            if (number(get(MONITOR[i], "/routez"), "num_routes") < SIZE - 1) {
                return false;
            }
        }
        return number(get(MONITOR[0], "/leafz"), "leafnodes") >= 1
                && number(get(MONITOR[SIZE], "/leafz"), "leafnodes") >= 1;
    }

    private static String get(int port, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "";
        }
    }

    private static long number(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":\\s*(\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    @AfterAll
    static void stopCluster() {
        if (leaf != null) {
            leaf.close();
        }
        NODES.forEach(NatsServerProcess::close);
        NODES.clear();
    }

    private static StanchionServer partition(String clusterId, String url, String... channels) throws Exception {
        return StanchionServer.start(PartitioningTest.partitioned(ServerConfig.builder().clusterId(clusterId)
                .natsUrl(url), channels).build());
    }

    private static StreamingConnection stan(String clusterId, String clientId, String url) throws Exception {
        return new StreamingConnectionFactory(new Options.Builder().natsUrl(url).clusterId(clusterId)
                .clientId(clientId).connectWait(Duration.ofSeconds(5)).pubAckWait(Duration.ofSeconds(3)).build())
                .createConnection();
    }

    @Test
    void twoPartitionsOnDifferentNodesServeClientsOnAThirdNodeAndALeafNode() throws Exception {
        String cid = "part-cluster-" + ProcessHandle.current().pid();
        try (StanchionServer a = partition(cid, NODES.get(0).url(), "orders.*");
             StanchionServer b = partition(cid, NODES.get(1).url(), "billing.>", "audit")) {
            // a third partition on the leaf node with an overlapping list is refused
            assertThatThrownBy(() -> partition(cid, leaf.url(), "orders.eu", "other").close())
                    .isInstanceOf(StanchionServer.StartupException.class)
                    .hasMessageContaining("\"orders.eu\" ~ \"orders.*\"")
                    .hasMessageContaining(a.serverId());
            StreamingConnection onNode3 = stan(cid, "n3-client", NODES.get(2).url());
            StreamingConnection onLeaf = stan(cid, "leaf-client", leaf.url());
            try {
                onNode3.publish("orders.eu", "o".getBytes(StandardCharsets.UTF_8));
                onLeaf.publish("billing.x.y", "b".getBytes(StandardCharsets.UTF_8));
                onLeaf.publish("audit", "a".getBytes(StandardCharsets.UTF_8));
                assertThat(PartitioningTest.receiveOne(onLeaf, "orders.eu")).isEqualTo("o");
                assertThat(PartitioningTest.receiveOne(onNode3, "billing.x.y")).isEqualTo("b");
                assertThat(PartitioningTest.receiveOne(onNode3, "audit")).isEqualTo("a");
                assertThat(PartitioningTest.channels(a)).containsExactly("orders.eu");
                assertThat(PartitioningTest.channels(b)).containsExactly("audit", "billing.x.y");
            } finally {
                onNode3.close();
                onLeaf.close();
            }
        }
    }
}
