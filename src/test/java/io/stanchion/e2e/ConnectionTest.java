package io.stanchion.e2e;

import io.nats.client.Connection;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.SubscriptionOptions;
import io.stanchion.protocol.pb.ConnectRequest;
import io.stanchion.protocol.pb.ConnectResponse;
import io.stanchion.protocol.pb.SubscriptionResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Connect, close, duplicate client IDs (alive and dead) and heartbeat-based death detection (§1.3, §2.8). */
class ConnectionTest extends StanchionE2E {

    private ManualStanClient manual() throws Exception {
        return new ManualStanClient(raw(), clusterId);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void closedClientIdIsReusableAtOnceAndUnknownToTheServer() throws Exception {
        startServer();
        ManualStanClient wire = manual();

        StreamingConnection first = stan("conn-a");
        first.publish("ch", utf8("one"));
        first.close();

        // The same client ID connects again immediately: no duplicate probe is needed for a closed client.
        StreamingConnection second = stan("conn-a");
        second.publish("ch", utf8("two"));
        second.close();

        SubscriptionResponse r = wire.subscribe(
                ManualStanClient.subRequest("conn-a", "ch", ManualStanClient.newInbox()).build());
        assertThat(r.getError()).isEqualTo("stan: unknown clientID");
        assertThat(r.getAckInbox()).isEmpty();
    }

    @Test
    void duplicateClientIdWhileFirstIsAliveIsRejected() throws Exception {
        startServer();
        StreamingConnection first = stan("dup");

        assertThatThrownBy(() -> stan("dup"))
                .hasMessageContaining("stan: clientID already registered");

        // The first connection is untouched by the rejected attempt.
        first.publish("ch", utf8("still here"));
        CountDownLatch got = new CountDownLatch(1);
        first.subscribe("ch", m -> got.countDown(), new SubscriptionOptions.Builder().deliverAllAvailable().build());
        assertThat(got.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void duplicateClientIdWhoseFirstOwnerIsDeadReplacesIt() throws Exception {
        startServer();
        ManualStanClient wire = manual();
        ConnectResponse cr = wire.connectDead("ghost");
        assertThat(cr.getError()).isEmpty();
        // The dead client holds a durable: replacing the client must take it offline, so the new one can resume it.
        SubscriptionResponse sr = wire.subscribe(ManualStanClient.subRequest("ghost", "ch", ManualStanClient.newInbox())
                .setDurableName("dur").build());
        assertThat(sr.getError()).isEmpty();
        // ... and a plain subscription whose deliveries we watch: it must be removed with the old client
        String plainInbox = ManualStanClient.newInbox();
        ManualStanClient.Collector plain = wire.collect(plainInbox, "ch");
        assertThat(wire.subscribe(ManualStanClient.subRequest("ghost", "ch", plainInbox).build()).getError())
                .isEmpty();

        StreamingConnection replacement = stan("ghost");
        replacement.publish("ch", utf8("hello"));
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5)).until(() -> plain.size() == 0);
        CountDownLatch got = new CountDownLatch(1);
        replacement.subscribe("ch", m -> got.countDown(), new SubscriptionOptions.Builder().durableName("dur").build());
        assertThat(got.await(10, TimeUnit.SECONDS)).as("resumed durable receives").isTrue();
    }

    @Test
    void duplicateClientIdWhoseFirstOwnerIgnoresTheProbeReplacesItAfterTheProbeTimeout() throws Exception {
        startServer();
        ManualStanClient wire = manual();
        // the old owner's heartbeat inbox has a subscriber that never answers: the probe must time out (500 ms)
        Connection nc = raw();
        String hbInbox = ManualStanClient.newInbox();
        AtomicInteger probes = new AtomicInteger();
        nc.createDispatcher(m -> probes.incrementAndGet()).subscribe(hbInbox);
        nc.flush(Duration.ofSeconds(5));
        assertThat(wire.connect(ConnectRequest.newBuilder().setClientID("silent").setHeartbeatInbox(hbInbox)
                .setProtocol(1).build()).getError()).isEmpty();

        StreamingConnection replacement = stan("silent");
        assertThat(probes.get()).as("the old owner was probed").isGreaterThanOrEqualTo(1);
        replacement.publish("ch", utf8("mine now"));
        // the old registration is gone: closing by ID once succeeds, and then the ID is unknown
        replacement.close();
        assertThat(wire.close("silent").getError()).isEqualTo("stan: unknown clientID");
    }

    @Test
    void clientThatStopsAnsweringHeartbeatsIsRemovedWhileALiveOneStays() throws Exception {
        startServer(b -> b.hbInterval(Duration.ofMillis(200)).hbTimeout(Duration.ofMillis(100)).hbFailCount(1));
        ManualStanClient wire = manual();

        StreamingConnection live = stan("alive");

        assertThat(wire.connectDead("zombie").getError()).isEmpty();
        SubscriptionResponse durable = wire.subscribe(ManualStanClient.subRequest("zombie", "ch",
                ManualStanClient.newInbox()).setDurableName("dur").build());
        assertThat(durable.getError()).isEmpty();
        String plainInbox = ManualStanClient.newInbox();
        ManualStanClient.Collector plain = wire.collect(plainInbox, "ch");
        assertThat(wire.subscribe(ManualStanClient.subRequest("zombie", "ch", plainInbox).build()).getError())
                .isEmpty();
        live.publish("ch", utf8("while registered"));
        await().atMost(Duration.ofSeconds(5)).until(() -> plain.size() == 1);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(wire.subscribe(ManualStanClient.subRequest("zombie", "ch", ManualStanClient.newInbox())
                        .build()).getError()).isEqualTo("stan: unknown clientID"));

        // Its plain subscription went with it.
        live.publish("ch", utf8("after removal"));
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5)).until(() -> plain.size() == 1);

        // The live client answers its heartbeats: it stays registered over many heartbeat periods.
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(150))
                .untilAsserted(() -> live.publish("ch", utf8("ping")));
        SubscriptionResponse liveSub = wire.subscribe(ManualStanClient.subRequest("alive", "ch",
                ManualStanClient.newInbox()).build());
        assertThat(liveSub.getError()).isEmpty();

        // The dead client's durable went offline (not deleted, not active): a new "zombie" can resume it.
        StreamingConnection reborn = stan("zombie");
        reborn.subscribe("ch", m -> { }, new SubscriptionOptions.Builder().durableName("dur").build());
    }

    @Test
    void clientIsRemovedOnlyWhenFailedHeartbeatsExceedTheFailCount() throws Exception {
        // a dead client fails a heartbeat every 500 ms; with fail count 2 the third failure (~1.5 s) removes it
        startServer(b -> b.hbInterval(Duration.ofMillis(500)).hbTimeout(Duration.ofMillis(200)).hbFailCount(2));
        ManualStanClient wire = manual();
        long registered = System.nanoTime();
        assertThat(wire.connectDead("slow-death").getError()).isEmpty();
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(wire.subscribe(ManualStanClient.subRequest("slow-death", "ch",
                        ManualStanClient.newInbox()).build()).getError()).isEmpty());
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(wire.subscribe(ManualStanClient.subRequest("slow-death", "ch", ManualStanClient.newInbox())
                        .build()).getError()).isEqualTo("stan: unknown clientID"));
        assertThat(Duration.ofNanos(System.nanoTime() - registered)).isGreaterThanOrEqualTo(Duration.ofMillis(1400));
    }

    @Test
    void subscriptionsOfAClientMissingHeartbeatsGetNoRedeliveries() throws Exception {
        // heartbeats fail every ~200 ms but the client is tolerated for a long time (fail count 1000)
        startServer(b -> b.hbInterval(Duration.ofMillis(200)).hbTimeout(Duration.ofMillis(100)).hbFailCount(1000));
        ManualStanClient wire = manual();
        StreamingConnection pub = stan("publisher");
        // a heartbeat inbox that receives the heartbeats but never answers them
        Connection nc = raw();
        String hbInbox = ManualStanClient.newInbox();
        AtomicInteger heartbeats = new AtomicInteger();
        nc.createDispatcher(m -> heartbeats.incrementAndGet()).subscribe(hbInbox);
        nc.flush(Duration.ofSeconds(5));
        assertThat(wire.connect(ConnectRequest.newBuilder().setClientID("unwell").setHeartbeatInbox(hbInbox)
                .setProtocol(1).build()).getError()).isEmpty();
        String inbox = ManualStanClient.newInbox();
        ManualStanClient.Collector got = wire.collect(inbox, "ch");
        assertThat(wire.subscribe(ManualStanClient.subRequest("unwell", "ch", inbox).setAckWaitInSecs(1).build())
                .getError()).isEmpty();
        // a second heartbeat is only sent once the first one has failed
        await().atMost(Duration.ofSeconds(5)).until(() -> heartbeats.get() >= 2);
        pub.publish("ch", utf8("first delivery still happens"));
        await().atMost(Duration.ofSeconds(5)).until(() -> got.size() == 1);
        // AckWait 1 s: a healthy client would see a redelivery in this window
        await().during(Duration.ofMillis(2000)).atMost(Duration.ofSeconds(6)).until(() -> got.size() == 1);
    }

    /**
     * A queue member whose client misses heartbeats is avoided while a healthy member exists, but when every
     * member misses heartbeats the group still delivers new messages (the original falls back to its first member;
     * only redeliveries are skipped).
     */
    @Test
    void queueGroupAvoidsAMemberMissingHeartbeatsButNeverStopsDelivering() throws Exception {
        startServer(b -> b.hbInterval(Duration.ofMillis(200)).hbTimeout(Duration.ofMillis(100)).hbFailCount(1000));
        ManualStanClient wire = manual();
        StreamingConnection pub = stan("publisher");
        Connection nc = raw();
        String hbInbox = ManualStanClient.newInbox();
        AtomicInteger heartbeats = new AtomicInteger();
        nc.createDispatcher(m -> heartbeats.incrementAndGet()).subscribe(hbInbox);
        nc.flush(Duration.ofSeconds(5));
        assertThat(wire.connect(ConnectRequest.newBuilder().setClientID("unwell").setHeartbeatInbox(hbInbox)
                .setProtocol(1).build()).getError()).isEmpty();
        String inbox = ManualStanClient.newInbox();
        ManualStanClient.Collector unwell = wire.collect(inbox, "ch");
        assertThat(wire.subscribe(ManualStanClient.subRequest("unwell", "ch", inbox).setQGroup("grp").build())
                .getError()).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> heartbeats.get() >= 2);

        // the only member, heartbeats failing: it still gets new messages
        pub.publish("ch", utf8("1"));
        pub.publish("ch", utf8("2"));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(unwell.sequences())
                .containsExactly(1L, 2L));

        // a healthy member joins: new messages go to it only
        StreamingConnection healthy = stan("healthy");
        java.util.List<Long> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        healthy.subscribe("ch", "grp", m -> got.add(m.getSequence()), new SubscriptionOptions.Builder().build());
        for (int i = 3; i <= 6; i++) {
            pub.publish("ch", utf8(Integer.toString(i)));
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(got).containsExactly(3L, 4L, 5L, 6L));
        assertThat(unwell.sequences()).containsExactly(1L, 2L);
    }
}
