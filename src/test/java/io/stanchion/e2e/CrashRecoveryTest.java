package io.stanchion.e2e;

import com.google.protobuf.ByteString;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.stanchion.protocol.pb.Ack;
import io.stanchion.protocol.pb.MsgProto;
import io.stanchion.protocol.pb.PubAck;
import io.stanchion.protocol.pb.PubMsg;
import io.stanchion.protocol.pb.StartPosition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The at-least-once contract under {@code kill -9}: a publisher pipelines PubMsgs while the server process is killed
 * at a random moment and restarted on the same directory, 20 times. Afterwards every message whose PubAck arrived
 * is in the log at its sequence, sequences have no gap, and every delivery to a durable that was not acked before a
 * kill is redelivered after the restart. Clients are never reconnected: the restarted server recognises them.
 */
class CrashRecoveryTest {
    private static final int TRIALS = 20;
    private static final String CLUSTER = "crash-cluster";
    private static final String CHANNEL = "crash.orders";

    private static NatsServerProcess nats;

    @BeforeAll
    static void startNats() throws Exception {
        nats = NatsServerProcess.start();
    }

    @AfterAll
    static void stopNats() {
        if (nats != null) {
            nats.close();
        }
    }

    @Test
    void acknowledgedMessagesSurviveKillNineAndPendingDeliveriesAreRedelivered(@TempDir Path dir) throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        System.out.println("CrashRecoveryTest seed " + seed);
        List<String> args = List.of("-st", "FILE", "--dir", dir.toString(), "-cid", CLUSTER, "-ns", nats.url());

        try (Connection nc = Nats.connect(new io.nats.client.Options.Builder().server(nats.url())
                .maxMessagesInOutgoingQueue(1_000_000).build())) {
            RawStan stan = new RawStan(nc, CLUSTER);
            // jnats swallows what a message handler throws: handlers record their first failure here, and the
            // test thread checks it (callbackFailures.check()) after every step
            CallbackFailures callbackFailures = new CallbackFailures();
            ServerProcess server = startReady(args);
            stan.connect("crash-pub");
            stan.connect("crash-sub");

            // Durable subscriber: acks even sequences at once, leaves odd ones pending until they come back.
            AtomicInteger epoch = new AtomicInteger();
            Map<Long, Integer> oddFirstDeliveredInEpoch = new ConcurrentHashMap<>();
            Set<Long> redelivered = ConcurrentHashMap.newKeySet();
            String[] ackInbox = new String[1];
            Dispatcher deliveries = nc.createDispatcher(m -> {
                try {
                    MsgProto msg = MsgProto.parseFrom(m.getData());
                    boolean ack;
                    if (msg.getRedelivered()) {
                        redelivered.add(msg.getSequence());
                        ack = true;
                    } else if (msg.getSequence() % 2 == 1) {
                        oddFirstDeliveredInEpoch.putIfAbsent(msg.getSequence(), epoch.get());
                        ack = false;
                    } else {
                        ack = true;
                    }
                    if (ack) {
                        nc.publish(ackInbox[0], Ack.newBuilder().setSubject(CHANNEL)
                                .setSequence(msg.getSequence()).build().toByteArray());
                    }
                } catch (Exception e) {
                    callbackFailures.record(e);
                }
            });
            String inbox = "_INBOX.durable." + RawStan.nuid();
            deliveries.subscribe(inbox);
            nc.flush(Duration.ofSeconds(5));
            ackInbox[0] = stan.subscribeOk(RawStan.subRequest("crash-sub", CHANNEL, inbox)
                    .setDurableName("dur").setMaxInFlight(1_000_000).setAckWaitInSecs(60)
                    .setStartPosition(StartPosition.First).build());

            // Publisher: pipelined, up to 2,000 PubAcks outstanding; records which guids were acknowledged.
            Set<String> acked = ConcurrentHashMap.newKeySet();
            Semaphore window = new Semaphore(2_000);
            String ackSubject = "_STAN.acks." + RawStan.nuid();
            Dispatcher pubAcks = nc.createDispatcher(m -> {
                if (m.isStatusMessage()) {
                    return; // "503 no responders" from nats-server for a publish made while the server was dead
                }
                try {
                    PubAck a = PubAck.parseFrom(m.getData());
                    if (!a.getError().isEmpty()) {
                        callbackFailures.record(new AssertionError("PubAck for " + a.getGuid() + " has error "
                                + a.getError()));
                    } else {
                        acked.add(a.getGuid());
                    }
                    window.release();
                } catch (Exception e) {
                    callbackFailures.record(e);
                }
            });
            pubAcks.subscribe(ackSubject);
            nc.flush(Duration.ofSeconds(5));

            int totalAcked = 0;
            for (int trial = 0; trial < TRIALS; trial++) {
                AtomicBoolean stop = new AtomicBoolean();
                int t = trial;
                CountDownLatch publisherDone = new CountDownLatch(1);
                Thread publisher = new Thread(() -> {
                    try {
                        for (int i = 0; !stop.get(); i++) {
                            while (!window.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                                if (stop.get()) {
                                    return;
                                }
                            }
                            String guid = t + "-" + i;
                            nc.publish(stan.pubPrefix + "." + CHANNEL, ackSubject, PubMsg.newBuilder()
                                    .setClientID("crash-pub").setGuid(guid).setSubject(CHANNEL)
                                    .setData(ByteString.copyFromUtf8(guid)).build().toByteArray());
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        publisherDone.countDown();
                    }
                }, "crash-publisher");
                int before = acked.size();
                publisher.start();
                // Kill at a random moment once PubAcks are flowing.
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> callbackFailures.any() || acked.size() > before + 50);
                callbackFailures.check();
                Thread.sleep(random.nextInt(300)); // the random moment itself, not a wait for a condition
                server.kill();
                assertThat(server.awaitExit(Duration.ofSeconds(10))).isNotNull();
                epoch.incrementAndGet();
                stop.set(true);
                assertThat(publisherDone.await(10, TimeUnit.SECONDS)).isTrue();
                window.drainPermits();
                window.release(2_000);

                server = startReady(args);
                int killedEpoch = epoch.get() - 1;
                // Every odd sequence first delivered before that kill comes back, flagged, without resubscribing.
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    List<Long> missing = new ArrayList<>();
                    oddFirstDeliveredInEpoch.forEach((seq, e) -> {
                        if (e <= killedEpoch && !redelivered.contains(seq)) {
                            missing.add(seq);
                        }
                    });
                    assertThat(missing).as("pending deliveries not redelivered after restart %d", t).isEmpty();
                });
                callbackFailures.check();
                totalAcked = acked.size();
            }

            // Read the whole channel back and check every acknowledged message is at its sequence.
            PubAck end = stan.publish("crash-pub", CHANNEL, "END");
            assertThat(end.getError()).isEmpty();
            TreeMap<Long, String> log = new TreeMap<>();
            CountDownLatch sawEnd = new CountDownLatch(1);
            Dispatcher reader = nc.createDispatcher(m -> {
                try {
                    MsgProto msg = MsgProto.parseFrom(m.getData());
                    String payload = msg.getData().toString(StandardCharsets.UTF_8);
                    synchronized (log) {
                        log.put(msg.getSequence(), payload);
                    }
                    if (payload.equals("END")) {
                        sawEnd.countDown();
                    }
                } catch (Exception e) {
                    callbackFailures.record(e);
                }
            });
            String readInbox = "_INBOX.read." + RawStan.nuid();
            reader.subscribe(readInbox);
            nc.flush(Duration.ofSeconds(5));
            stan.subscribeOk(RawStan.subRequest("crash-sub", CHANNEL, readInbox).setMaxInFlight(10_000_000)
                    .setStartPosition(StartPosition.First).build());
            assertThat(sawEnd.await(60, TimeUnit.SECONDS)).as("whole channel read back").isTrue();
            callbackFailures.check();

            synchronized (log) {
                assertThat(log.firstKey()).isEqualTo(1L);
                assertThat(log.lastKey()).as("no gap in sequences").isEqualTo((long) log.size());
                // Within a trial the stored messages are a prefix 0..k at consecutive sequences (one publisher, in
                // order), so each guid's sequence is fixed: first sequence of its trial + its index.
                Map<Integer, Long> trialBase = new TreeMap<>();
                Map<String, Long> seqOf = new ConcurrentHashMap<>();
                log.forEach((seq, payload) -> {
                    if (!payload.equals("END")) {
                        seqOf.put(payload, seq);
                        int trial = Integer.parseInt(payload.substring(0, payload.indexOf('-')));
                        trialBase.merge(trial, seq, Math::min);
                    }
                });
                for (String guid : acked) {
                    assertThat(seqOf).as("acknowledged message %s stored", guid).containsKey(guid);
                    int trial = Integer.parseInt(guid.substring(0, guid.indexOf('-')));
                    int index = Integer.parseInt(guid.substring(guid.indexOf('-') + 1));
                    assertThat(seqOf.get(guid)).as("sequence of %s", guid)
                            .isEqualTo(trialBase.get(trial) + index);
                }
                System.out.printf("CrashRecoveryTest: %d kill -9 trials, %d acknowledged messages checked, "
                                + "%d stored, %d pending deliveries redelivered after restarts%n",
                        TRIALS, acked.size(), log.size(), redelivered.size());
            }
            assertThat(totalAcked).isGreaterThan(TRIALS * 50);
            server.close();
        }
    }

    /** The first failure in a client callback (those run on jnats threads, which would swallow it). */
    private static final class CallbackFailures {
        private final AtomicReference<Throwable> first = new AtomicReference<>();

        void record(Throwable t) {
            first.compareAndSet(null, t);
        }

        boolean any() {
            return first.get() != null;
        }

        /** On the test thread: fails the test with the recorded failure, if any. */
        void check() {
            Throwable t = first.get();
            if (t != null) {
                throw new AssertionError("failure in a client callback: " + t, t);
            }
        }
    }

    private static ServerProcess startReady(List<String> args) throws Exception {
        ServerProcess server = ServerProcess.start(args);
        assertThat(server.awaitReady(Duration.ofSeconds(30))).as("server ready; output:%n%s", server.output())
                .isTrue();
        return server;
    }
}
