package io.stanchion.e2e;

import io.nats.streaming.Message;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.SubscriptionOptions;
import io.stanchion.StanchionServer;
import io.stanchion.config.ServerConfig;
import io.stanchion.store.DiskOps;
import io.stanchion.store.SmallTmpfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Store faults end to end, with the real nats-server and Java STAN client: a failed fsync (injected through the
 * store's DiskOps seam) fails the publish with an error PubAck and fail-stops the server, never retried; a full
 * disk (a real small tmpfs) refuses publishes with "no space left on device" while the server stays up, and after
 * space is freed and the server restarted every acknowledged message is there.
 */
class StoreFaultTest extends StanchionE2E {
    @TempDir
    Path tmp;

    private static byte[] payload(long i, int size) {
        byte[] b = new byte[size];
        ByteBuffer.wrap(b).putLong(i);
        return b;
    }

    /** fsyncs that fail once {@link #broken} is set, as an I/O error of the device would. */
    private static final class BreakableDisk implements DiskOps {
        final AtomicBoolean broken = new AtomicBoolean();
        final java.util.concurrent.atomic.AtomicInteger failedFsyncs = new java.util.concurrent.atomic.AtomicInteger();

        private void check(Path file) throws IOException {
            if (broken.get()) {
                failedFsyncs.incrementAndGet();
                throw new IOException("Input/output error (injected) on " + file.getFileName());
            }
        }

        @Override
        public void force(FileChannel channel, Path file, boolean metaData) throws IOException {
            check(file);
            channel.force(metaData);
        }

        @Override
        public void force(MappedByteBuffer mapping, Path file) throws IOException {
            check(file);
            DiskOps.SYSTEM.force(mapping, file);
        }
    }

    @Test
    void aFailedFsyncFailsThePublishStopsTheServerAndLosesNothingAcknowledged() throws Exception {
        clusterId = "fsync-fault-" + System.nanoTime();
        Path dir = tmp.resolve("data");
        BreakableDisk disk = new BreakableDisk();
        CountDownLatch exited = new CountDownLatch(1);
        ServerConfig.Builder config = ServerConfig.builder().clusterId(clusterId).natsUrl(nats.url())
                .storeType(ServerConfig.StoreType.FILE).dir(dir).fileSync(true);
        server = StanchionServer.start(config.diskOps(disk).build(), exited::countDown);
        StreamingConnection sc = stan("fsync-victim", b -> b.pubAckWait(Duration.ofSeconds(5)));
        for (int i = 1; i <= 50; i++) {
            sc.publish("orders", ("ok" + i).getBytes(StandardCharsets.UTF_8));
        }

        disk.broken.set(true);
        AtomicReference<Exception> pubAckError = new AtomicReference<>();
        CountDownLatch answered = new CountDownLatch(1);
        sc.publish("orders", "doomed".getBytes(StandardCharsets.UTF_8), (guid, err) -> {
            pubAckError.set(err);
            answered.countDown();
        });
        assertThat(answered.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(pubAckError.get()).as("the PubAck carries an error").isNotNull();
        assertThat(pubAckError.get().getMessage()).contains("stan: server failed, message not stored")
                .contains("fsync");
        assertThat(exited.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(server.failure()).contains("fsync");
        int failed = disk.failedFsyncs.get();
        assertThat(failed).isPositive();
        // Never retried: nothing fsyncs again once the server has stopped.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> disk.failedFsyncs.get() == failed);
        server.close();

        // Restarted on a healthy disk: every acknowledged message is there, in order.
        server = StanchionServer.start(config.diskOps(DiskOps.SYSTEM).build());
        StreamingConnection reader = stan("fsync-reader");
        List<Message> got = new CopyOnWriteArrayList<>();
        reader.subscribe("orders", got::add, new SubscriptionOptions.Builder().deliverAllAvailable().build());
        await().atMost(Duration.ofSeconds(20)).until(() -> got.size() >= 50);
        for (int i = 0; i < 50; i++) {
            assertThat(got.get(i).getSequence()).isEqualTo(i + 1);
            assertThat(new String(got.get(i).getData(), StandardCharsets.UTF_8)).isEqualTo("ok" + (i + 1));
        }
    }

    @Test
    void aFullDiskRefusesPublishesKeepsWhatWasAcknowledgedAndRecoversWhenSpaceIsFreed() throws Exception {
        try (SmallTmpfs fs = SmallTmpfs.mount(tmp.resolve("fs"), 112)) {
            clusterId = "disk-full-" + System.nanoTime();
            Path dir = fs.dir.resolve("data");
            Path filler = fs.filler("filler", 64);
            int minFreeMb = 16;
            ServerConfig config = ServerConfig.builder().clusterId(clusterId).natsUrl(nats.url())
                    .storeType(ServerConfig.StoreType.FILE).dir(dir).fileSync(false)
                    .fileMinFree((long) minFreeMb << 20).httpPort(NatsServerProcess.freePort()).build();
            server = StanchionServer.start(config);
            MonitorHttp http = new MonitorHttp(server.monitoringPort());
            StreamingConnection sc = stan("filler-client", b -> b.maxPubAcksInFlight(256)
                    .pubAckWait(Duration.ofSeconds(30)));

            // Publish 8 KB messages until the store refuses them; remember what was acknowledged.
            java.util.Set<String> ackedGuids = ConcurrentHashMap.newKeySet();
            Map<String, Long> sentIndex = new ConcurrentHashMap<>();
            AtomicReference<String> refusal = new AtomicReference<>();
            java.util.concurrent.atomic.AtomicInteger outstanding = new java.util.concurrent.atomic.AtomicInteger();
            long i = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (refusal.get() == null && System.nanoTime() < deadline) {
                long n = ++i;
                outstanding.incrementAndGet();
                String guid = sc.publish("big", payload(n, 8192), (g, err) -> {
                    if (err == null) {
                        ackedGuids.add(g);
                    } else {
                        refusal.compareAndSet(null, err.getMessage());
                    }
                    outstanding.decrementAndGet();
                });
                sentIndex.put(guid, n);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> outstanding.get() == 0);
            assertThat(refusal.get()).isEqualTo("no space left on device");
            int acked = ackedGuids.size();
            assertThat(acked).isGreaterThan(100);
            // Still up and healthy: a full disk is not a fault of the server.
            assertThat(server.failure()).isNull();
            assertThat(http.get("/healthz").status()).isEqualTo(200);

            // Everything acknowledged is readable now, at dense sequences 1..acked.
            List<Message> got = new CopyOnWriteArrayList<>();
            StreamingConnection reader = stan("full-reader");
            reader.subscribe("big", got::add, new SubscriptionOptions.Builder().deliverAllAvailable().build());
            await().atMost(Duration.ofSeconds(30)).until(() -> got.size() >= acked);
            assertThat(got).hasSize(acked);

            // Space freed: publishing works again without a restart.
            Files.delete(filler);
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
                sc.publish("big", payload(-1, 8192));
                return true;
            });
            long stored = acked + 1;

            server.close();
            server = StanchionServer.start(config);
            List<Message> after = new CopyOnWriteArrayList<>();
            StreamingConnection reader2 = stan("restart-reader");
            reader2.subscribe("big", after::add, new SubscriptionOptions.Builder().deliverAllAvailable().build());
            await().atMost(Duration.ofSeconds(30)).until(() -> after.size() >= stored);
            assertThat(after).hasSize((int) stored);
            for (int k = 0; k < after.size(); k++) {
                assertThat(after.get(k).getSequence()).isEqualTo(k + 1);
            }
            java.util.Set<Long> expected = new java.util.HashSet<>();
            for (String g : ackedGuids) {
                expected.add(sentIndex.get(g));
            }
            assertThat(expected).doesNotContainNull().hasSize(acked);
            java.util.Set<Long> present = new java.util.HashSet<>();
            for (Message m : after) {
                present.add(ByteBuffer.wrap(m.getData()).getLong());
            }
            assertThat(present).containsAll(expected);
            reader.close();
            reader2.close();
            sc.close();
            server.close();
            server = null;
        }
    }
}
