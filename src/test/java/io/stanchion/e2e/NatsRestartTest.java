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
 * The NATS broker restarts under a running server: both of the server's connections (jnats for requests, the
 * direct publishing connection for PubAcks and deliveries) come back, and publish and delivery go on.
 */
class NatsRestartTest {

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
