package io.stanchion.e2e;

import io.nats.streaming.Message;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.SubscriptionOptions;
import io.stanchion.StanchionServer;
import io.stanchion.config.ServerConfig;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The server's two NATS connections (jnats for requests, the direct connection for the server's subscriptions,
 * PubAcks and deliveries) against brokers that restart or want credentials.
 */
class BrokerConnectionTest {

    @Test
    void credentialsInTheUrlOrInFlagsServeBothConnections() throws Exception {
        int port = NatsServerProcess.freePort();
        int monitorPort = NatsServerProcess.freePort();
        try (NatsServerProcess broker = NatsServerProcess.startOn(port, "-m", Integer.toString(monitorPort),
                "--user", "stan", "--pass", "s3cr+t")) {
            String plain = "nats://127.0.0.1:" + port;
            for (int variant = 0; variant < 2; variant++) {
                String clusterId = "auth-" + variant + "-" + ProcessHandle.current().pid();
                ServerConfig.Builder b = ServerConfig.builder().clusterId(clusterId);
                if (variant == 0) {
                    b.natsUrl("nats://stan:s3cr%2Bt@127.0.0.1:" + port);
                } else {
                    b.natsUrl(plain).natsUser("stan").natsPassword("s3cr+t");
                }
                try (StanchionServer server = StanchionServer.start(b.build())) {
                    await().atMost(Duration.ofSeconds(10)).until(() -> connectionNames(monitorPort)
                            .contains("_NSS-" + clusterId + "-send"));
                    io.nats.client.Connection nc = io.nats.client.Nats.connect(new io.nats.client.Options.Builder()
                            .server(plain).userInfo("stan", "s3cr+t").build());
                    StreamingConnection sc = new io.nats.streaming.StreamingConnectionFactory(
                            new io.nats.streaming.Options.Builder().natsConn(nc).clusterId(clusterId)
                                    .clientId("authed").connectWait(Duration.ofSeconds(5)).build()).createConnection();
                    try {
                        CopyOnWriteArrayList<Message> got = new CopyOnWriteArrayList<>();
                        sc.subscribe("secured", got::add, new SubscriptionOptions.Builder().deliverAllAvailable()
                                .build());
                        sc.publish("secured", "x".getBytes(StandardCharsets.UTF_8));
                        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1);
                    } finally {
                        sc.close();
                        nc.close();
                    }
                }
            }
        }
    }

    @Test
    void publishingAndDeliveryResumeAfterTheBrokerRestarts() throws Exception {
        int port = NatsServerProcess.freePort();
        int monitorPort = NatsServerProcess.freePort();
        String url = "nats://127.0.0.1:" + port;
        String[] args = {"-m", Integer.toString(monitorPort)};
        NatsServerProcess broker = NatsServerProcess.startOn(port, args);
        String clusterId = "nats-restart-" + ProcessHandle.current().pid();
        StanchionServer server = null;
        StreamingConnection sc = null;
        try {
            server = StanchionServer.start(ServerConfig.builder().clusterId(clusterId).natsUrl(url).build());
            await().atMost(Duration.ofSeconds(10)).until(() -> connectionNames(monitorPort)
                    .contains("_NSS-" + clusterId + "-send"));
            sc = new io.nats.streaming.StreamingConnectionFactory(new io.nats.streaming.Options.Builder()
                    .natsUrl(url).clusterId(clusterId).clientId("survivor").connectWait(Duration.ofSeconds(5))
                    .natsConn(io.nats.client.Nats.connect(new io.nats.client.Options.Builder().server(url)
                            .maxReconnects(-1).reconnectWait(Duration.ofMillis(100)).build()))
                    .build()).createConnection();
            CopyOnWriteArrayList<Message> got = new CopyOnWriteArrayList<>();
            sc.subscribe("survive", got::add, new SubscriptionOptions.Builder().durableName("d")
                    .deliverAllAvailable().build());
            sc.publish("survive", "before".getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1);

            broker.close();
            broker = NatsServerProcess.startOn(port, args);

            await().atMost(Duration.ofSeconds(20)).until(() -> connectionNames(monitorPort)
                    .contains("_NSS-" + clusterId + "-send"));
            StreamingConnection c = sc;
            // The client's own reconnect (and its resubscription) may take a moment: retry until a PubAck comes.
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                c.publish("survive", "after".getBytes(StandardCharsets.UTF_8));
                return true;
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> got.stream()
                    .anyMatch(m -> new String(m.getData(), StandardCharsets.UTF_8).equals("after")));
            assertThat(got.get(0).getSequence()).isEqualTo(1);
            assertThat(new String(got.get(0).getData(), StandardCharsets.UTF_8)).isEqualTo("before");
        } finally {
            if (sc != null) {
                try {
                    sc.close();
                } catch (Exception ignored) {
                    // the broker may be gone
                }
            }
            if (server != null) {
                server.close();
            }
            broker.close();
        }
    }

    @Test
    void theServersSubscriptionsAreOnTheDirectConnectionAndOnJnatsWhenItIsTurnedOff() throws Exception {
        int port = NatsServerProcess.freePort();
        int monitorPort = NatsServerProcess.freePort();
        String url = "nats://127.0.0.1:" + port;
        try (NatsServerProcess broker = NatsServerProcess.startOn(port, "-m", Integer.toString(monitorPort))) {
            for (boolean direct : new boolean[] {true, false}) {
                String clusterId = "subs-" + direct + "-" + ProcessHandle.current().pid();
                if (!direct) {
                    System.setProperty("stanchion.directPublish", "false");
                }
                try (StanchionServer server = StanchionServer.start(ServerConfig.builder().clusterId(clusterId)
                        .natsUrl(url).build())) {
                    await().atMost(Duration.ofSeconds(10)).until(() -> subscriptionCounts(monitorPort, clusterId)
                            .containsKey("_NSS-" + clusterId + "-general"));
                    java.util.Map<String, Long> subs = subscriptionCounts(monitorPort, clusterId);
                    // 8 server subjects; jnats adds its request inbox (one, once a request was made) and, beside a
                    // direct connection, the backlog marker's inbox (EngineOutput)
                    if (direct) {
                        assertThat(subs.get("_NSS-" + clusterId + "-send")).isEqualTo(8);
                        assertThat(subs.get("_NSS-" + clusterId + "-general")).isBetween(1L, 2L);
                    } else {
                        assertThat(subs).doesNotContainKey("_NSS-" + clusterId + "-send");
                        assertThat(subs.get("_NSS-" + clusterId + "-general")).isBetween(8L, 9L);
                    }
                    StreamingConnection sc = new io.nats.streaming.StreamingConnectionFactory(
                            new io.nats.streaming.Options.Builder().natsUrl(url).clusterId(clusterId)
                                    .clientId("c").connectWait(Duration.ofSeconds(5)).build()).createConnection();
                    try {
                        CopyOnWriteArrayList<Message> got = new CopyOnWriteArrayList<>();
                        sc.subscribe("ch", got::add, new SubscriptionOptions.Builder().deliverAllAvailable().build());
                        for (int i = 0; i < 100; i++) {
                            sc.publish("ch", ("m" + i).getBytes(StandardCharsets.UTF_8));
                        }
                        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 100);
                        assertThat(got.get(99).getSequence()).isEqualTo(100);
                    } finally {
                        sc.close();
                    }
                } finally {
                    System.clearProperty("stanchion.directPublish");
                }
            }
        }
    }

    /** Subscriptions per connection name of the server with {@code clusterId}, from the broker's /connz. */
    @SuppressWarnings("unchecked")
    private static java.util.Map<String, Long> subscriptionCounts(int monitorPort, String clusterId) {
        java.util.Map<String, Long> counts = new java.util.HashMap<>();
        for (Object c : (java.util.List<Object>) MiniJson.object(connectionNames(monitorPort)).get("connections")) {
            java.util.Map<String, Object> conn = (java.util.Map<String, Object>) c;
            Object name = conn.get("name");
            if (name instanceof String n && n.contains(clusterId)) {
                counts.put(n, ((Number) conn.get("subscriptions")).longValue());
            }
        }
        return counts;
    }

    private static String connectionNames(int monitorPort) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + monitorPort + "/connz")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (Exception e) {
            return "";
        }
    }
}
