package io.stanchion.e2e;

import io.nats.streaming.StreamingConnection;
import io.nats.streaming.SubscriptionOptions;
import io.stanchion.StanchionServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A peer that stops reading: the nats-server process is stopped (SIGSTOP) while the engine is writing a large
 * backlog to a subscriber. The engine must not hang on the blocked socket — its direct connection gives up after
 * 5 s and it goes on through jnats, monitoring keeps answering — and once the broker continues, every message
 * reaches the subscriber (what the closed connection dropped is redelivered after AckWait) and publishing works.
 */
class StalledBrokerTest extends StanchionE2E {
    private static final int MESSAGES = 12_000;
    private static final int SIZE = 2048;

    static {
        System.setProperty("org.slf4j.simpleLogger.log.io.stanchion.transport", "info");
    }

    private static void signal(String sig, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    @Test
    void theEngineSurvivesABrokerThatStopsReadingAndCatchesUpAfterwards() throws Exception {
        StanchionServer s = startServer(b -> {
            try {
                return b.httpPort(NatsServerProcess.freePort());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        MonitorHttp http = new MonitorHttp(s.monitoringPort());
        StreamingConnection pub = stan("stall-pub");
        CountDownLatch acked = new CountDownLatch(MESSAGES);
        byte[] payload = new byte[SIZE];
        for (int i = 0; i < MESSAGES; i++) {
            pub.publish("stall", payload, (guid, err) -> {
                if (err == null) {
                    acked.countDown();
                }
            });
        }
        assertThat(acked.await(60, TimeUnit.SECONDS)).isTrue();

        StreamingConnection sub = stan("stall-sub");
        Set<Long> seen = ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicLong redelivered = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean acking = new java.util.concurrent.atomic.AtomicBoolean();
        sub.subscribe("stall", m -> {
            seen.add(m.getSequence());
            if (m.isRedelivered()) {
                redelivered.incrementAndGet();
            }
            if (acking.get()) {
                try {
                    m.ack();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }, new SubscriptionOptions.Builder().deliverAllAvailable().maxInFlight(MESSAGES).manualAcks()
                .ackWait(Duration.ofSeconds(2)).build());
        await().atMost(Duration.ofSeconds(60)).until(() -> seen.size() == MESSAGES);
        // Nothing is acked: every 2 s the engine redelivers the whole 24 MB backlog. With the broker stopped,
        // that write fills the socket buffers and blocks.
        signal("STOP", nats.pid());
        long stopped = System.nanoTime();
        try {
            // Past the 5 s a blocked write is allowed, the engine still answers queries.
            await().atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofMillis(500)).until(() ->
                    System.nanoTime() - stopped > TimeUnit.SECONDS.toNanos(8)
                            && http.get("/streaming/serverz").status() == 200);
        } finally {
            signal("CONT", nats.pid());
        }
        long before = redelivered.get();
        acking.set(true);
        await().atMost(Duration.ofSeconds(60)).until(() -> redelivered.get() >= before + MESSAGES);
        // The server serves clients again. A request made while its input connection is still being restored
        // after the stall can go unanswered (clients retry after their time-outs, at-least-once): a connect and a
        // publish must succeed within a minute.
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            StreamingConnection after = stan("stall-after-" + attempts.incrementAndGet(),
                    b -> b.pubAckWait(Duration.ofSeconds(5)));
            after.publish("stall", "after".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return true;
        });
        System.out.println("STALL connect+publish attempts after the stall: " + attempts.get());
    }
}
