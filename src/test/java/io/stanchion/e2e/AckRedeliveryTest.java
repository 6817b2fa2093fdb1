package io.stanchion.e2e;

import io.nats.streaming.Message;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.Subscription;
import io.nats.streaming.SubscriptionOptions;
import io.stanchion.protocol.pb.Ack;
import io.stanchion.protocol.pb.MsgProto;
import io.stanchion.protocol.pb.StartPosition;
import io.stanchion.protocol.pb.SubscriptionResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Acks, AckWait redelivery with counts, MaxInFlight, and that unsubscribe / close stop delivery (§2.4, §2.5). */
class AckRedeliveryTest extends StanchionE2E {
    private static final Duration QUIET = Duration.ofMillis(1200);
    private static final Duration WAIT = Duration.ofSeconds(15);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<Long> seqs(List<Message> msgs) {
        return msgs.stream().map(Message::getSequence).toList();
    }

    @Test
    void unackedMessageIsRedeliveredFlaggedWithIncreasingCount() throws Exception {
        startServer();
        StreamingConnection sc = stan("redeliver");
        ManualStanClient wire = new ManualStanClient(raw(), clusterId);
        String inbox = ManualStanClient.newInbox();
        ManualStanClient.Collector got = wire.collect(inbox, "ch");
        SubscriptionResponse r = wire.subscribe(ManualStanClient.subRequest("redeliver", "ch", inbox)
                .setAckWaitInSecs(1).build());
        assertThat(r.getError()).isEmpty();

        sc.publish("ch", utf8("again and again"));
        await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> got.size() >= 3);
        List<MsgProto> m = got.messages;
        assertThat(m.get(0).getSequence()).isEqualTo(1);
        assertThat(m.get(0).getRedelivered()).isFalse();
        assertThat(m.get(0).getRedeliveryCount()).isZero();
        for (int i = 1; i < 3; i++) {
            assertThat(m.get(i).getSequence()).isEqualTo(1);
            assertThat(m.get(i).getRedelivered()).as("delivery %d flagged", i).isTrue();
            assertThat(m.get(i).getRedeliveryCount()).as("delivery %d count", i).isEqualTo(i);
            assertThat(m.get(i).getData().toStringUtf8()).isEqualTo("again and again");
            assertThat(m.get(i).getTimestamp()).isEqualTo(m.get(0).getTimestamp());
        }

        // acked right after the second redelivery (the next one is an AckWait away): nothing more comes
        wire.nc().publish(r.getAckInbox(), Ack.newBuilder().setSubject("ch").setSequence(1).build().toByteArray());
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(6)).until(() -> got.size() == 3);
    }

    @Test
    void realClientSeesRedeliveredFlag() throws Exception {
        startServer();
        StreamingConnection sc = stan("flagged");
        List<Message> got = new CopyOnWriteArrayList<>();
        sc.subscribe("ch", got::add, new SubscriptionOptions.Builder().manualAcks()
                .ackWait(Duration.ofSeconds(1)).build());
        sc.publish("ch", utf8("x"));
        await().atMost(WAIT).until(() -> got.size() >= 2);
        assertThat(got.get(0).isRedelivered()).isFalse();
        assertThat(got.get(1).isRedelivered()).isTrue();
        assertThat(got.get(1).getSequence()).isEqualTo(1);
        got.get(1).ack();
    }

    @Test
    void ackedMessagesAreNotRedeliveredButUnackedOnesAre() throws Exception {
        startServer();
        StreamingConnection sc = stan("acker");
        List<Message> got = new CopyOnWriteArrayList<>();
        sc.subscribe("ch", m -> {
            got.add(m);
            if (m.getSequence() % 2 == 1) { // ack the odd ones only
                try {
                    m.ack();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }, new SubscriptionOptions.Builder().manualAcks().ackWait(Duration.ofSeconds(1)).build());
        for (int i = 1; i <= 4; i++) {
            sc.publish("ch", utf8("m" + i));
        }
        // 2 and 4 come back at least twice each (two AckWait periods), 1 and 3 never
        await().atMost(WAIT).untilAsserted(() -> {
            List<Long> redelivered = got.stream().filter(Message::isRedelivered).map(Message::getSequence).toList();
            assertThat(redelivered.stream().filter(s -> s == 2).count()).isGreaterThanOrEqualTo(2);
            assertThat(redelivered.stream().filter(s -> s == 4).count()).isGreaterThanOrEqualTo(2);
        });
        assertThat(got.stream().filter(m -> !m.isRedelivered()).map(Message::getSequence).toList())
                .containsExactly(1L, 2L, 3L, 4L);
        assertThat(got.stream().filter(Message::isRedelivered).map(Message::getSequence).toList())
                .doesNotContain(1L, 3L);
    }

    @Test
    void autoAckedMessagesAreNeverRedelivered() throws Exception {
        startServer();
        StreamingConnection sc = stan("auto");
        List<Message> got = new CopyOnWriteArrayList<>();
        sc.subscribe("ch", got::add, new SubscriptionOptions.Builder().ackWait(Duration.ofSeconds(1)).build());
        for (int i = 1; i <= 3; i++) {
            sc.publish("ch", utf8("m" + i));
        }
        await().atMost(WAIT).until(() -> got.size() >= 3);
        // one and a half AckWait periods: an unacked message would have come back
        await().during(Duration.ofMillis(1600)).atMost(Duration.ofSeconds(6))
                .untilAsserted(() -> assertThat(seqs(got)).containsExactly(1L, 2L, 3L));
    }

    @Test
    void maxInFlightOneHoldsTheSecondMessageUntilTheFirstIsAcked() throws Exception {
        startServer();
        StreamingConnection sc = stan("mif");
        List<Message> got = new CopyOnWriteArrayList<>();
        sc.subscribe("ch", got::add, new SubscriptionOptions.Builder().manualAcks().maxInFlight(1)
                .ackWait(Duration.ofSeconds(30)).deliverAllAvailable().build());
        sc.publish("ch", utf8("first"));
        sc.publish("ch", utf8("second"));
        sc.publish("ch", utf8("third"));
        await().atMost(WAIT).until(() -> got.size() >= 1);
        await().during(QUIET).atMost(QUIET.plusSeconds(5))
                .untilAsserted(() -> assertThat(seqs(got)).containsExactly(1L));

        got.get(0).ack();
        await().atMost(WAIT).untilAsserted(() -> assertThat(seqs(got)).containsExactly(1L, 2L));
        await().during(QUIET).atMost(QUIET.plusSeconds(5))
                .untilAsserted(() -> assertThat(seqs(got)).containsExactly(1L, 2L));

        // acking an old sequence again changes nothing
        got.get(0).ack();
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(seqs(got)).containsExactly(1L, 2L));

        got.get(1).ack();
        await().atMost(WAIT).untilAsserted(() -> assertThat(seqs(got)).containsExactly(1L, 2L, 3L));
        assertThat(got).noneMatch(Message::isRedelivered);
    }

    @Test
    void unsubscribeStopsDelivery() throws Exception {
        startServer();
        StreamingConnection sc = stan("unsub");
        // Watches every inbox: the client drops its own NATS subscription, so only this shows what the server sends.
        ManualStanClient.Collector wire = new ManualStanClient(raw(), clusterId).collect("_INBOX.>", "ch");
        List<Message> got = new CopyOnWriteArrayList<>();
        Subscription sub = sc.subscribe("ch", got::add, new SubscriptionOptions.Builder().build());
        sc.publish("ch", utf8("before"));
        await().atMost(WAIT).until(() -> got.size() == 1 && wire.size() == 1);

        sub.unsubscribe();
        sc.publish("ch", utf8("after 1"));
        sc.publish("ch", utf8("after 2"));
        await().during(QUIET).atMost(QUIET.plusSeconds(5)).until(() -> wire.size() == 1 && got.size() == 1);
    }

    @Test
    void unsubscribeOfAManualAckSubscriptionWithPendingStopsRedelivery() throws Exception {
        startServer();
        StreamingConnection sc = stan("unsub-pending");
        ManualStanClient.Collector wire = new ManualStanClient(raw(), clusterId).collect("_INBOX.>", "ch");
        Subscription sub = sc.subscribe("ch", m -> { }, new SubscriptionOptions.Builder().manualAcks()
                .ackWait(Duration.ofSeconds(1)).build());
        sc.publish("ch", utf8("never acked"));
        await().atMost(WAIT).until(() -> wire.size() == 1);
        sub.unsubscribe();
        // AckWait 1 s: a redelivery would show within this window
        await().during(Duration.ofMillis(1800)).atMost(Duration.ofSeconds(6)).until(() -> wire.size() == 1);
    }

    @Test
    void closingAPlainSubscriptionStopsDelivery() throws Exception {
        startServer();
        StreamingConnection sc = stan("subclose");
        ManualStanClient.Collector wire = new ManualStanClient(raw(), clusterId).collect("_INBOX.>", "ch");
        List<Message> got = new CopyOnWriteArrayList<>();
        Subscription sub = sc.subscribe("ch", got::add, new SubscriptionOptions.Builder().build());
        sc.publish("ch", utf8("before"));
        await().atMost(WAIT).until(() -> got.size() == 1 && wire.size() == 1);

        sub.close();
        sc.publish("ch", utf8("after"));
        await().during(QUIET).atMost(QUIET.plusSeconds(5)).until(() -> wire.size() == 1 && got.size() == 1);

        // a new plain subscription on the same connection starts afresh (new only), unaffected by the closed one
        List<Message> again = new CopyOnWriteArrayList<>();
        sc.subscribe("ch", again::add);
        sc.publish("ch", utf8("later"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(seqs(again)).containsExactly(3L));
    }

    @Test
    void rawUnsubscribeStopsDeliveryToTheInbox() throws Exception {
        startServer();
        StreamingConnection sc = stan("raw-unsub");
        ManualStanClient wire = new ManualStanClient(raw(), clusterId);
        for (boolean close : new boolean[]{false, true}) {
            String inbox = ManualStanClient.newInbox();
            ManualStanClient.Collector got = wire.collect(inbox, "ch");
            SubscriptionResponse r = wire.subscribe(ManualStanClient.subRequest("raw-unsub", "ch", inbox)
                    .setStartPosition(StartPosition.NewOnly).build());
            assertThat(r.getError()).isEmpty();
            sc.publish("ch", utf8("before"));
            await().atMost(WAIT).until(() -> got.size() == 1);
            assertThat(wire.unsubscribe("raw-unsub", "ch", r.getAckInbox(), close).getError()).isEmpty();
            sc.publish("ch", utf8("after"));
            await().during(QUIET).atMost(QUIET.plusSeconds(5)).until(() -> got.size() == 1);
        }
    }
}
