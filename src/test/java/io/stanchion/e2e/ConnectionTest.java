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

/**
 * Connect, close, duplicate client IDs (alive, dead, silent) and heartbeat-based death detection (§1.3, §2.8)
 * through the real Java client (which answers its heartbeats) and nats-server (no responders, probe time-outs). What
 * a client's death does to its subscriptions, fail counts and clients missing heartbeats are in
 * {@code engine.HeartbeatSemanticsTest} and {@code engine.SemanticsTest}.
 */
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
        // The dead client holds a durable: replacing the client must take it offline, so the new one can resume it
        // (what else the replacement does to the old client's subscriptions: engine.HeartbeatSemanticsTest).
        SubscriptionResponse sr = wire.subscribe(ManualStanClient.subRequest("ghost", "ch", ManualStanClient.newInbox())
                .setDurableName("dur").build());
        assertThat(sr.getError()).isEmpty();

        StreamingConnection replacement = stan("ghost");
        replacement.publish("ch", utf8("hello"));
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

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(wire.subscribe(ManualStanClient.subRequest("zombie", "ch", ManualStanClient.newInbox())
                        .build()).getError()).isEqualTo("stan: unknown clientID"));

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
}
