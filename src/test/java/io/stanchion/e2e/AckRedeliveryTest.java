package io.stanchion.e2e;

import io.nats.streaming.Message;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.Subscription;
import io.nats.streaming.SubscriptionOptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Acks, AckWait redelivery, MaxInFlight, and that unsubscribe / close stop delivery (§2.4, §2.5), through the real
 * Java client and nats-server: the wire side (the client's acks, options, unsubscribe and close requests, the
 * redelivered flag as the client reads it). Their semantics in detail (redelivery counts, acked messages never
 * redelivered, stale acks, redelivery stopped by an unsubscribe) are in {@code engine.AckSemanticsTest}.
 */
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
    void maxInFlightOneHoldsTheSecondMessageUntilTheFirstIsAcked() throws Exception {
        startServer();
        StreamingConnection sc = stan("mif");
        List<Message> got = new CopyOnWriteArrayList<>();
        sc.subscribe("ch", got::add, new SubscriptionOptions.Builder().manualAcks().maxInFlight(1)
                .ackWait(Duration.ofSeconds(30)).deliverAllAvailable().build());
        sc.publish("ch", utf8("first"));
        sc.publish("ch", utf8("second"));
        await().atMost(WAIT).until(() -> got.size() >= 1);
        await().during(QUIET).atMost(QUIET.plusSeconds(5))
                .untilAsserted(() -> assertThat(seqs(got)).containsExactly(1L));

        got.get(0).ack(); // the client's manual ack makes room
        await().atMost(WAIT).untilAsserted(() -> assertThat(seqs(got)).containsExactly(1L, 2L));
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
}
