package io.stanchion.e2e;

import io.nats.streaming.Message;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.SubscriptionOptions;
import io.stanchion.StanchionServer;
import io.stanchion.config.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Planned restarts of a FILE-store server on the same directory, with the real Java STAN client: clients keep
 * working without reconnecting, an active durable gets its pending messages redelivered first on its old
 * subscription, and a changed cluster ID stops startup. Offline durables, durable queue groups and durable names
 * across a restart: {@code engine.RecoverySemanticsTest}.
 */
class RestartRecoveryTest extends StanchionE2E {
    @TempDir
    Path dir;
    /** The running server; also handed to the base class, which closes it after the client connections. */
    private StanchionServer running;

    private ServerConfig config() {
        return ServerConfig.builder().clusterId(clusterId).natsUrl(nats.url())
                .storeType(ServerConfig.StoreType.FILE).dir(dir).build();
    }

    private void restart() throws Exception {
        running.close();
        server = null;
        running = StanchionServer.start(config());
        server = running;
    }

    private void firstStart() throws Exception {
        clusterId = "restart-" + System.nanoTime();
        running = StanchionServer.start(config());
        server = running;
    }

    @Test
    void messagesAndSequencesSurviveARestartAndClientsKeepPublishing() throws Exception {
        firstStart();
        StreamingConnection sc = stan("keeper");
        for (int i = 1; i <= 20; i++) {
            sc.publish("persist", ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        restart();
        // Same connection, no reconnect: the restarted server recognises the client.
        sc.publish("persist", "m21".getBytes(StandardCharsets.UTF_8));
        List<Message> got = new CopyOnWriteArrayList<>();
        sc.subscribe("persist", got::add, new SubscriptionOptions.Builder().deliverAllAvailable().build());
        await().atMost(Duration.ofSeconds(20)).until(() -> got.size() == 21);
        for (int i = 0; i < 21; i++) {
            assertThat(got.get(i).getSequence()).isEqualTo(i + 1);
            assertThat(new String(got.get(i).getData(), StandardCharsets.UTF_8)).isEqualTo("m" + (i + 1));
        }
    }

    @Test
    void activeDurableGetsPendingRedeliveredFirstAfterRestartWithoutResubscribing() throws Exception {
        firstStart();
        StreamingConnection sc = stan("durable-owner");
        Set<Long> acked = ConcurrentHashMap.newKeySet();
        List<Message> received = new CopyOnWriteArrayList<>();
        sc.subscribe("work", m -> {
            received.add(m);
            if (m.getSequence() % 2 == 0 || m.isRedelivered()) {
                try {
                    m.ack();
                    acked.add(m.getSequence());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }, new SubscriptionOptions.Builder().durableName("d").manualAcks().ackWait(Duration.ofSeconds(60))
                .deliverAllAvailable().build());
        for (int i = 1; i <= 10; i++) {
            sc.publish("work", ("w" + i).getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 10 && acked.size() == 5);
        restart();
        // Odd sequences were never acked: they come back flagged, without any resubscribe, before new ones.
        sc.publish("work", "w11".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() >= 16);
        List<Message> after = received.subList(10, received.size());
        assertThat(after.stream().filter(Message::isRedelivered).map(Message::getSequence))
                .containsExactlyInAnyOrder(1L, 3L, 5L, 7L, 9L);
        assertThat(after.stream().filter(m -> !m.isRedelivered()).map(Message::getSequence)).containsExactly(11L);
        assertThat(after.get(0).isRedelivered()).as("redelivery comes before the new message").isTrue();
    }

    @Test
    void aDifferentClusterIdOnTheSameDirectoryStopsStartup() throws Exception {
        firstStart();
        running.close();
        server = null;
        ServerConfig other = config().toBuilder().clusterId("someone-else").build();
        assertThatThrownBy(() -> StanchionServer.start(other))
                .isInstanceOf(StanchionServer.StartupException.class)
                .hasMessage("cluster ID \"someone-else\" does not match recovered value of \"" + clusterId + "\"");
    }
}
