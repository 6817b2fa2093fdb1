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

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

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

    private static NatsMesh mesh;

    @BeforeAll
    static void startCluster(@TempDir Path dir) throws Exception {
        mesh = NatsMesh.start(dir, "stanchion-part");
    }

    @AfterAll
    static void stopCluster() {
        if (mesh != null) {
            mesh.close();
        }
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
        try (StanchionServer a = partition(cid, mesh.url(0), "orders.*");
             StanchionServer b = partition(cid, mesh.url(1), "billing.>", "audit")) {
            StreamingConnection onNode3 = stan(cid, "n3-client", mesh.url(2));
            StreamingConnection onLeaf = stan(cid, "leaf-client", mesh.leafUrl());
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
            // a third partition on the leaf node with an overlapping list is refused, and (as the original) the
            // running partition it overlaps stops
            assertThatThrownBy(() -> partition(cid, mesh.leafUrl(), "orders.eu", "other").close())
                    .isInstanceOf(StanchionServer.StartupException.class)
                    .hasMessageContaining("\"orders.eu\" ~ \"orders.*\"")
                    .hasMessageContaining(a.serverId());
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> a.failure() != null);
            assertThat(b.failure()).isNull();
        }
    }
}
