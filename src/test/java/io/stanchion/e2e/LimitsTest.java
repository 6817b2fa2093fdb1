package io.stanchion.e2e;

import io.nats.streaming.Message;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.Subscription;
import io.nats.streaming.SubscriptionOptions;
import io.stanchion.config.ServerConfig;
import io.stanchion.config.StoreLimits;
import io.stanchion.engine.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Channel limits against the real nats-server and the real Java STAN client: max_msgs and max_bytes drop the oldest
 * messages (keeping the newest), max_age expires them in the background, max_inactivity deletes idle channels with
 * their offline durables, per-channel wildcard entries inherit as the original's, and trimming returns disk space.
 */
class LimitsTest extends StanchionE2E {

    private Snapshot.Channel channel(String name) throws Exception {
        return server.engine().call(v -> v.channel(name)).get();
    }

    private List<Long> replayAll(StreamingConnection sc, String channel, int expected) throws Exception {
        List<Long> got = new CopyOnWriteArrayList<>();
        Subscription s = sc.subscribe(channel, m -> got.add(m.getSequence()),
                new SubscriptionOptions.Builder().deliverAllAvailable().build());
        await().atMost(Duration.ofSeconds(20)).until(() -> got.size() >= expected);
        s.unsubscribe();
        return got;
    }

    @Test
    void maxMsgsKeepsTheNewestMessages() throws Exception {
        startServer(b -> b.maxMsgs(10));
        StreamingConnection sc = stan("limits-msgs");
        for (int i = 1; i <= 25; i++) {
            sc.publish("capped", new byte[] {(byte) i});
        }
        Snapshot.Channel ch = channel("capped");
        assertThat(ch.msgs()).isEqualTo(10);
        assertThat(ch.firstSeq()).isEqualTo(16);
        assertThat(ch.lastSeq()).isEqualTo(25);
        assertThat(replayAll(sc, "capped", 10)).containsExactly(16L, 17L, 18L, 19L, 20L, 21L, 22L, 23L, 24L, 25L);
    }

    @Test
    void maxBytesDropsOldestButAlwaysKeepsTheNewest() throws Exception {
        startServer(b -> b.maxBytes(1000));
        StreamingConnection sc = stan("limits-bytes");
        for (int i = 1; i <= 50; i++) {
            sc.publish("bytes", new byte[100]);
        }
        Snapshot.Channel ch = channel("bytes");
        assertThat(ch.bytes()).isLessThanOrEqualTo(1000).isGreaterThan(0);
        assertThat(ch.lastSeq()).isEqualTo(50);
        assertThat(ch.msgs()).isEqualTo(50 - ch.firstSeq() + 1).isLessThan(10);
        // A single message larger than the limit is still kept: the newest message always stays.
        sc.publish("bytes", new byte[5000]);
        Snapshot.Channel after = channel("bytes");
        assertThat(after.msgs()).isEqualTo(1);
        assertThat(after.firstSeq()).isEqualTo(51);
    }

    @Test
    void maxAgeExpiresMessagesInTheBackgroundAndSubscribersSkipThem() throws Exception {
        startServer(b -> b.maxAge(Duration.ofSeconds(1)));
        StreamingConnection sc = stan("limits-age");
        for (int i = 1; i <= 5; i++) {
            sc.publish("aging", new byte[] {(byte) i});
        }
        assertThat(channel("aging").msgs()).isEqualTo(5);
        await().atMost(Duration.ofSeconds(10)).until(() -> channel("aging").msgs() == 0);
        sc.publish("aging", new byte[] {6});
        List<Message> got = new CopyOnWriteArrayList<>();
        sc.subscribe("aging", got::add, new SubscriptionOptions.Builder().deliverAllAvailable().build());
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1);
        assertThat(got.get(0).getSequence()).isEqualTo(6);
    }

    @Test
    void inactiveChannelIsDeletedWithItsOfflineDurableButNotWhileSubscribed() throws Exception {
        startServer(b -> b.maxInactivity(Duration.ofSeconds(1)));
        StreamingConnection sc = stan("limits-idle");
        sc.publish("idle", new byte[] {1});
        Subscription durable = sc.subscribe("idle", m -> { },
                new SubscriptionOptions.Builder().durableName("gone").build());
        sc.publish("busy", new byte[] {1});
        sc.subscribe("busy", m -> { });
        durable.close(); // offline durables do not keep a channel alive
        await().atMost(Duration.ofSeconds(15)).until(() -> channel("idle") == null);
        // The active subscription keeps "busy" for well past its max_inactivity.
        await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5)).until(() -> channel("busy") != null);
        // The deleted channel starts over, and the durable's state went with it.
        sc.publish("idle", new byte[] {2});
        List<Message> got = new CopyOnWriteArrayList<>();
        sc.subscribe("idle", got::add, new SubscriptionOptions.Builder().durableName("gone")
                .deliverAllAvailable().build());
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1);
        assertThat(got.get(0).getSequence()).isEqualTo(1);
    }

    @Test
    void perChannelWildcardEntriesInheritAsTheOriginal() throws Exception {
        StoreLimits limits = StoreLimits.builder()
                .maxMsgs(100)
                .channel("orders.>", StoreLimits.Overrides.NONE.withMaxMsgs(7))
                .channel("orders.*", StoreLimits.Overrides.NONE.withMaxMsgs(5))
                .channel("orders.eu", StoreLimits.Overrides.NONE.withMaxMsgs(3))
                .channel("audit", StoreLimits.Overrides.NONE.withMaxMsgs(0))
                .build();
        startServer(b -> b.storeLimits(limits));
        StreamingConnection sc = stan("limits-wild");
        for (String name : List.of("orders.eu", "orders.us", "orders.us.west", "misc", "audit")) {
            for (int i = 0; i < 150; i++) {
                sc.publish(name, new byte[] {1});
            }
        }
        assertThat(channel("orders.eu").msgs()).as("literal entry").isEqualTo(3);
        assertThat(channel("orders.us").msgs()).as("orders.* beats orders.>").isEqualTo(5);
        assertThat(channel("orders.us.west").msgs()).as("only orders.> matches").isEqualTo(7);
        assertThat(channel("misc").msgs()).as("global").isEqualTo(100);
        assertThat(channel("audit").msgs()).as("explicit 0 = unlimited for that field").isEqualTo(150);
    }

    @Test
    void trimmingReturnsDiskSpaceWholeCycleFilesAtATime(@TempDir Path dir) throws Exception {
        startServer(b -> b.storeType(ServerConfig.StoreType.FILE).dir(dir).fileRollCycle("TEST_SECONDLY")
                .maxAge(Duration.ofSeconds(2)));
        StreamingConnection sc = stan("limits-disk");
        Path channelDir = dir.resolve("disk");
        byte[] payload = new byte[2000];
        // Publish into several one-second cycle files, within max_age of each other.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (int i = 0; i < 20; i++) {
                sc.publish("disk", payload);
            }
            return cycleFiles(channelDir) >= 3;
        });
        long peakFiles = cycleFiles(channelDir);
        long peakBytes = directoryBytes(channelDir);
        // Once everything is older than max_age, the expired cycle files are deleted (the last one stays).
        await().atMost(Duration.ofSeconds(15)).until(() -> channel("disk").msgs() == 0 && cycleFiles(channelDir) <= 1);
        long afterBytes = directoryBytes(channelDir);
        System.out.printf("cycle files %d -> %d, bytes %d -> %d%n", peakFiles, cycleFiles(channelDir), peakBytes,
                afterBytes);
        assertThat(afterBytes).isLessThan(peakBytes);
        assertThat(channel("disk").lastSeq()).as("sequence kept after expiry").isGreaterThan(0);
    }

    private static long directoryBytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static long cycleFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".cq4")).count();
        }
    }
}
