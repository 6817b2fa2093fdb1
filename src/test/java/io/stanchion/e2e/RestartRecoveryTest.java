package io.stanchion.e2e;

import io.nats.streaming.Message;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.Subscription;
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
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Planned restarts of a FILE-store server on the same directory, with the real Java STAN client: clients keep
 * working without reconnecting, durables resume where they were, pending messages are redelivered first, offline
 * durables stay offline, durable queue groups survive, and a changed cluster ID stops startup.
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
    void offlineDurableStaysOfflineAcrossRestartAndResumesAfterLastSent() throws Exception {
        firstStart();
        StreamingConnection sc = stan("resumer");
        List<Long> first = new CopyOnWriteArrayList<>();
        Subscription sub = sc.subscribe("resume", m -> first.add(m.getSequence()),
                new SubscriptionOptions.Builder().durableName("dur").deliverAllAvailable().build());
        for (int i = 1; i <= 5; i++) {
            sc.publish("resume", new byte[] {(byte) i});
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> first.size() == 5);
        sub.close(); // offline: state kept
        for (int i = 6; i <= 8; i++) {
            sc.publish("resume", new byte[] {(byte) i});
        }
        restart();
        // Still offline: nothing is delivered to the old inbox until a resume.
        List<Long> resumed = new CopyOnWriteArrayList<>();
        sc.subscribe("resume", m -> resumed.add(m.getSequence()),
                new SubscriptionOptions.Builder().durableName("dur").deliverAllAvailable().build());
        await().atMost(Duration.ofSeconds(20)).until(() -> resumed.size() == 3);
        assertThat(resumed).containsExactly(6L, 7L, 8L);
        assertThat(first).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void durableQueueGroupSurvivesRestartWhileEmpty() throws Exception {
        firstStart();
        StreamingConnection sc = stan("queue-owner");
        List<Long> got = new CopyOnWriteArrayList<>();
        Subscription member = sc.subscribe("jobs", "workers", m -> got.add(m.getSequence()),
                new SubscriptionOptions.Builder().durableName("qd").deliverAllAvailable().build());
        sc.publish("jobs", new byte[] {1});
        sc.publish("jobs", new byte[] {2});
        await().atMost(Duration.ofSeconds(20)).until(() -> got.size() == 2);
        member.close(); // last member leaves: the durable group keeps its position (shadow)
        sc.publish("jobs", new byte[] {3});
        restart();
        sc.publish("jobs", new byte[] {4});
        List<Long> later = new CopyOnWriteArrayList<>();
        sc.subscribe("jobs", "workers", m -> later.add(m.getSequence()),
                new SubscriptionOptions.Builder().durableName("qd").deliverAllAvailable().build());
        await().atMost(Duration.ofSeconds(20)).until(() -> later.size() == 2);
        assertThat(later).containsExactly(3L, 4L);
    }

    @Test
    void plainSubscriptionsOfAClosedClientAreGoneAndTheDurableNameIsStillOwned() throws Exception {
        firstStart();
        StreamingConnection sc = stan("owner");
        AtomicReference<Long> lastSeen = new AtomicReference<>(0L);
        sc.subscribe("dupe", m -> lastSeen.set(m.getSequence()),
                new SubscriptionOptions.Builder().durableName("only").build());
        restart();
        // The recovered durable is active for the same client: a second copy is still a duplicate.
        assertThatThrownBy(() -> sc.subscribe("dupe", m -> { },
                new SubscriptionOptions.Builder().durableName("only").build()))
                .hasMessageContaining("stan: duplicate durable registration");
        sc.publish("dupe", new byte[] {9});
        await().atMost(Duration.ofSeconds(20)).until(() -> lastSeen.get() == 1L);
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
