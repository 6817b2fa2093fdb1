package io.stanchion.e2e;

import io.nats.streaming.Message;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.SubscriptionOptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Durable and queue subscriptions through the real Java client and nats-server (§2.3, §2.6): a durable resumed on a
 * new connection, a duplicate durable refused, distribution over a queue group, plain and durable queue groups of the
 * same name. The rest of their semantics (fresh starts, hand-over of a leaving member's messages, group lifetime,
 * MaxInFlight, redelivery to the best member) is in {@code engine.DurableQueueSemanticsTest}.
 */
class DurableAndQueueTest extends StanchionE2E {
    private static final Duration QUIET = Duration.ofMillis(1000);
    private static final Duration WAIT = Duration.ofSeconds(15);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void publish(StreamingConnection sc, String channel, int from, int to) throws Exception {
        for (int i = from; i <= to; i++) {
            sc.publish(channel, utf8("m" + i));
        }
    }

    private static List<Long> seqs(List<Message> msgs) {
        return msgs.stream().map(Message::getSequence).toList();
    }

    /** "4r" for a redelivered 4, "6" for a first delivery of 6. */
    private static List<String> tagged(List<Message> msgs) {
        return msgs.stream().map(m -> m.getSequence() + (m.isRedelivered() ? "r" : "")).toList();
    }

    private static SubscriptionOptions.Builder manual() {
        return new SubscriptionOptions.Builder().manualAcks().ackWait(Duration.ofSeconds(30));
    }

    // ---------------------------------------------------------------- durables

    @Test
    void durableResumedOnANewConnectionContinuesAfterLastSentAndRedeliversUnackedFirst() throws Exception {
        startServer();
        StreamingConnection pub = stan("pub");
        publish(pub, "ch", 1, 5);

        StreamingConnection first = stan("durable-owner");
        List<Message> before = new CopyOnWriteArrayList<>();
        first.subscribe("ch", before::add, manual().durableName("dur").deliverAllAvailable().build());
        await().atMost(WAIT).untilAsserted(() -> assertThat(seqs(before)).containsExactly(1L, 2L, 3L, 4L, 5L));
        for (int i = 0; i < 3; i++) {
            before.get(i).ack();
        }
        first.close(); // durable goes offline with 4 and 5 unacked

        publish(pub, "ch", 6, 7);

        StreamingConnection second = stan("durable-owner");
        List<Message> after = new CopyOnWriteArrayList<>();
        // the start position of a resumed durable is ignored
        second.subscribe("ch", after::add, manual().durableName("dur").deliverAllAvailable().build());
        await().atMost(WAIT).untilAsserted(() -> assertThat(tagged(after)).containsExactly("4r", "5r", "6", "7"));
        await().during(QUIET).atMost(QUIET.plusSeconds(5))
                .untilAsserted(() -> assertThat(after).hasSize(4));
        assertThat(new String(after.get(0).getData(), StandardCharsets.UTF_8)).isEqualTo("m4");
    }

    @Test
    void secondActiveCopyOfADurableIsRefused() throws Exception {
        startServer();
        StreamingConnection sc = stan("dup-dur");
        List<Message> got = new CopyOnWriteArrayList<>();
        sc.subscribe("ch", got::add, new SubscriptionOptions.Builder().durableName("dur").build());
        assertThatThrownBy(() -> sc.subscribe("ch", m -> { },
                new SubscriptionOptions.Builder().durableName("dur").build()))
                .hasMessageContaining("stan: duplicate durable registration");

        // the first copy is unaffected; the same durable name on another channel is another durable
        sc.subscribe("other", m -> { }, new SubscriptionOptions.Builder().durableName("dur").build());
        sc.publish("ch", utf8("x"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(seqs(got)).containsExactly(1L));
    }

    // ---------------------------------------------------------------- queue groups

    @Test
    void queueGroupDeliversEachMessageToExactlyOneMember() throws Exception {
        startServer();
        int n = 300;
        List<List<Message>> members = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            StreamingConnection sc = stan("member-" + i);
            List<Message> got = new CopyOnWriteArrayList<>();
            sc.subscribe("work", "workers", got::add, new SubscriptionOptions.Builder().build());
            members.add(got);
        }
        StreamingConnection pub = stan("producer");
        publish(pub, "work", 1, n);

        await().atMost(Duration.ofSeconds(20))
                .until(() -> members.stream().mapToInt(List::size).sum() >= n);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .until(() -> members.stream().mapToInt(List::size).sum() == n);
        Set<Long> seen = new HashSet<>();
        for (List<Message> got : members) {
            assertThat(got).as("every member gets some").isNotEmpty();
            for (Message m : got) {
                assertThat(seen.add(m.getSequence())).as("sequence %d delivered once", m.getSequence()).isTrue();
                assertThat(m.isRedelivered()).isFalse();
            }
        }
        assertThat(seen).hasSize(n);
        assertThat(seen).allMatch(s -> s >= 1 && s <= n);
    }

    @Test
    void plainQueueAndDurableQueueOfTheSameNameAreSeparateStreams() throws Exception {
        startServer();
        StreamingConnection sc = stan("mixed");
        List<Message> plain = new CopyOnWriteArrayList<>();
        List<Message> queue = new CopyOnWriteArrayList<>();
        List<Message> durableQueue = new CopyOnWriteArrayList<>();
        List<Message> otherQueue = new CopyOnWriteArrayList<>();
        sc.subscribe("ch", plain::add);
        sc.subscribe("ch", "grp", queue::add, new SubscriptionOptions.Builder().build());
        sc.subscribe("ch", "grp", durableQueue::add, new SubscriptionOptions.Builder().durableName("dq").build());
        sc.subscribe("ch", "other", otherQueue::add, new SubscriptionOptions.Builder().build());
        publish(sc, "ch", 1, 5);
        await().atMost(WAIT).untilAsserted(() -> {
            for (List<Message> l : List.of(plain, queue, durableQueue, otherQueue)) {
                assertThat(seqs(l)).containsExactly(1L, 2L, 3L, 4L, 5L);
            }
        });
    }
}
