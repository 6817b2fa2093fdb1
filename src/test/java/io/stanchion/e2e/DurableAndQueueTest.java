package io.stanchion.e2e;

import io.nats.streaming.Message;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.Subscription;
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

/** Durable and queue subscriptions in memory: resume, unsubscribe, duplicates, distribution, hand-over (§2.3, §2.6). */
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
    void durableClosedAndResumedOnTheSameConnection() throws Exception {
        startServer();
        StreamingConnection sc = stan("same-conn");
        publish(sc, "ch", 1, 3);
        List<Message> before = new CopyOnWriteArrayList<>();
        Subscription sub = sc.subscribe("ch", before::add,
                manual().durableName("dur").deliverAllAvailable().build());
        await().atMost(WAIT).untilAsserted(() -> assertThat(seqs(before)).containsExactly(1L, 2L, 3L));
        before.get(0).ack();
        sub.close();

        publish(sc, "ch", 4, 4);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(before).hasSize(3));

        List<Message> after = new CopyOnWriteArrayList<>();
        sc.subscribe("ch", after::add, manual().durableName("dur").build());
        await().atMost(WAIT).untilAsserted(() -> assertThat(tagged(after)).containsExactly("2r", "3r", "4"));
    }

    @Test
    void durableUnsubscribedThenResubscribedStartsFreshPerItsStartPosition() throws Exception {
        startServer();
        StreamingConnection sc = stan("unsub-dur");
        publish(sc, "ch", 1, 3);
        List<Message> first = new CopyOnWriteArrayList<>();
        Subscription sub = sc.subscribe("ch", first::add,
                new SubscriptionOptions.Builder().durableName("dur").deliverAllAvailable().build());
        await().atMost(WAIT).untilAsserted(() -> assertThat(seqs(first)).containsExactly(1L, 2L, 3L));
        sub.unsubscribe();

        // fresh with "all available": everything again, none flagged (it is a brand-new durable)
        List<Message> again = new CopyOnWriteArrayList<>();
        Subscription sub2 = sc.subscribe("ch", again::add,
                new SubscriptionOptions.Builder().durableName("dur").deliverAllAvailable().build());
        await().atMost(WAIT).untilAsserted(() -> assertThat(tagged(again)).containsExactly("1", "2", "3"));
        sub2.unsubscribe();

        // fresh with "sequence 2"
        List<Message> fromTwo = new CopyOnWriteArrayList<>();
        Subscription sub3 = sc.subscribe("ch", fromTwo::add,
                new SubscriptionOptions.Builder().durableName("dur").startAtSequence(2).build());
        await().atMost(WAIT).untilAsserted(() -> assertThat(tagged(fromTwo)).containsExactly("2", "3"));
        sub3.unsubscribe();

        // fresh with "new only": nothing old
        List<Message> newOnly = new CopyOnWriteArrayList<>();
        sc.subscribe("ch", newOnly::add, new SubscriptionOptions.Builder().durableName("dur").build());
        await().during(QUIET).atMost(QUIET.plusSeconds(5)).untilAsserted(() -> assertThat(newOnly).isEmpty());
        publish(sc, "ch", 4, 4);
        await().atMost(WAIT).untilAsserted(() -> assertThat(tagged(newOnly)).containsExactly("4"));
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

    @Test
    void durableOfAnotherClientIdIsADifferentDurable() throws Exception {
        startServer();
        StreamingConnection a = stan("client-a");
        StreamingConnection b = stan("client-b");
        publish(a, "ch", 1, 2);
        List<Message> gotA = new CopyOnWriteArrayList<>();
        List<Message> gotB = new CopyOnWriteArrayList<>();
        a.subscribe("ch", gotA::add, new SubscriptionOptions.Builder().durableName("dur").deliverAllAvailable()
                .build());
        b.subscribe("ch", gotB::add, new SubscriptionOptions.Builder().durableName("dur").deliverAllAvailable()
                .build());
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(seqs(gotA)).containsExactly(1L, 2L);
            assertThat(seqs(gotB)).containsExactly(1L, 2L);
        });
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
    void unackedMessagesOfALeavingMemberGoToAnotherMemberFlagged() throws Exception {
        startServer();
        StreamingConnection pub = stan("pub");
        int round = 0;
        for (String how : List.of("unsubscribe", "close", "connection close")) {
            round++;
            String channel = "q" + round;
            StreamingConnection leaverConn = stan("leaver-" + round);
            Subscription leaver = leaverConn.subscribe(channel, "grp", m -> { }, manual().build()); // never acks
            publish(pub, channel, 1, 3); // the only member gets all three
            StreamingConnection stayerConn = stan("stayer-" + round);
            List<Message> stayer = new CopyOnWriteArrayList<>();
            stayerConn.subscribe(channel, "grp", stayer::add, new SubscriptionOptions.Builder().build());
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(stayer).as(how).isEmpty());

            switch (how) {
                case "unsubscribe" -> leaver.unsubscribe();
                case "close" -> leaver.close();
                default -> leaverConn.close();
            }
            // AckWait is 30 s: arriving now means they were handed over, not timed out
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(tagged(stayer)).as(how).containsExactlyInAnyOrder("1r", "2r", "3r"));

            // and the group goes on with the remaining member
            publish(pub, channel, 4, 4);
            await().atMost(WAIT).untilAsserted(() -> assertThat(tagged(stayer)).as(how).contains("4"));
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(stayer).as(how).hasSize(4));
        }
    }

    @Test
    void queueGroupIsGoneWhenItsLastMemberLeavesAndTheNextOneStartsAfresh() throws Exception {
        startServer();
        StreamingConnection sc = stan("q-fresh");
        publish(sc, "ch", 1, 2);
        List<Message> first = new CopyOnWriteArrayList<>();
        Subscription sub = sc.subscribe("ch", "grp", first::add,
                new SubscriptionOptions.Builder().deliverAllAvailable().build());
        await().atMost(WAIT).untilAsserted(() -> assertThat(seqs(first)).containsExactly(1L, 2L));
        sub.close();

        // a new group of the same name uses its own start position (all available again)
        List<Message> second = new CopyOnWriteArrayList<>();
        sc.subscribe("ch", "grp", second::add, new SubscriptionOptions.Builder().deliverAllAvailable().build());
        await().atMost(WAIT).untilAsserted(() -> assertThat(tagged(second)).containsExactly("1", "2"));
    }

    @Test
    void laterMembersStartPositionIsIgnored() throws Exception {
        startServer();
        StreamingConnection sc = stan("q-join");
        publish(sc, "ch", 1, 2);
        List<Message> a = new CopyOnWriteArrayList<>();
        sc.subscribe("ch", "grp", a::add, new SubscriptionOptions.Builder().build()); // new only
        List<Message> b = new CopyOnWriteArrayList<>();
        sc.subscribe("ch", "grp", b::add, new SubscriptionOptions.Builder().deliverAllAvailable().build());
        await().during(QUIET).atMost(QUIET.plusSeconds(5))
                .untilAsserted(() -> assertThat(a.size() + b.size()).isZero());
        publish(sc, "ch", 3, 4);
        await().atMost(WAIT).untilAsserted(() -> {
            List<Long> all = new ArrayList<>(seqs(a));
            all.addAll(seqs(b));
            assertThat(all).containsExactlyInAnyOrder(3L, 4L);
        });
    }

    @Test
    void durableQueueGroupSurvivesAllMembersLeaving() throws Exception {
        startServer();
        StreamingConnection pub = stan("pub");
        publish(pub, "ch", 1, 3);

        StreamingConnection m1 = stan("dq-member-1");
        List<Message> got1 = new CopyOnWriteArrayList<>();
        m1.subscribe("ch", "grp", got1::add, manual().durableName("dq").deliverAllAvailable().build());
        await().atMost(WAIT).untilAsserted(() -> assertThat(seqs(got1)).containsExactly(1L, 2L, 3L));
        got1.get(0).ack();
        got1.get(2).ack();
        m1.close(); // last member gone: the group stays, with 2 pending

        publish(pub, "ch", 4, 5); // published while the group has no member

        // another client ID may rejoin (the durable queue key has no client ID); its start position is ignored
        StreamingConnection m2 = stan("dq-member-2");
        List<Message> got2 = new CopyOnWriteArrayList<>();
        Subscription s2 = m2.subscribe("ch", "grp", got2::add,
                manual().durableName("dq").deliverAllAvailable().build());
        await().atMost(WAIT).untilAsserted(() -> assertThat(tagged(got2)).containsExactly("2r", "4", "5"));
        for (Message m : got2) {
            m.ack();
        }

        // a subscription close of the last member also keeps the group
        s2.close();
        publish(pub, "ch", 6, 6);
        List<Message> got3 = new CopyOnWriteArrayList<>();
        Subscription s3 = m2.subscribe("ch", "grp", got3::add, manual().durableName("dq").build());
        await().atMost(WAIT).untilAsserted(() -> assertThat(tagged(got3)).containsExactly("6"));
        got3.get(0).ack();

        // while the last member's unsubscribe deletes it: rejoining starts afresh per the start position
        s3.unsubscribe();
        List<Message> got4 = new CopyOnWriteArrayList<>();
        m2.subscribe("ch", "grp", got4::add, manual().durableName("dq").startAtSequence(5).build());
        await().atMost(WAIT).untilAsserted(() -> assertThat(tagged(got4)).containsExactly("5", "6"));
    }

    @Test
    void resumedDurableRedeliversAllPendingDespiteASmallerMaxInFlightThenHoldsNewOnes() throws Exception {
        startServer();
        StreamingConnection sc = stan("mif-resume");
        publish(sc, "ch", 1, 3);
        List<Message> before = new CopyOnWriteArrayList<>();
        Subscription sub = sc.subscribe("ch", before::add,
                manual().durableName("dur").maxInFlight(10).deliverAllAvailable().build());
        await().atMost(WAIT).untilAsserted(() -> assertThat(seqs(before)).containsExactly(1L, 2L, 3L));
        sub.close();
        publish(sc, "ch", 4, 4);

        List<Message> after = new CopyOnWriteArrayList<>();
        sc.subscribe("ch", after::add, manual().durableName("dur").maxInFlight(1).build());
        // redelivery is forced (all three despite MaxInFlight 1); the new message waits for room
        await().atMost(WAIT).untilAsserted(() -> assertThat(tagged(after)).containsExactly("1r", "2r", "3r"));
        await().during(QUIET).atMost(QUIET.plusSeconds(5))
                .untilAsserted(() -> assertThat(after).hasSize(3));
        after.get(0).ack();
        after.get(1).ack();
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(after).hasSize(3));
        after.get(2).ack();
        await().atMost(WAIT).untilAsserted(() -> assertThat(tagged(after)).containsExactly("1r", "2r", "3r", "4"));
    }

    @Test
    void expiredQueueMessageIsRedeliveredToTheBestMemberAndNotToTheSlowOneAgain() throws Exception {
        startServer();
        StreamingConnection sc = stan("q-redeliver");
        List<Message> slow = new CopyOnWriteArrayList<>();
        // joins first, so it gets the first message; never acks, AckWait 1 s
        sc.subscribe("ch", "grp", slow::add, new SubscriptionOptions.Builder().manualAcks()
                .ackWait(Duration.ofSeconds(1)).build());
        List<Message> fast = new CopyOnWriteArrayList<>();
        sc.subscribe("ch", "grp", fast::add, new SubscriptionOptions.Builder().build()); // auto ack
        sc.publish("ch", utf8("job"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(seqs(slow)).containsExactly(1L));
        // on expiry the message goes to the member with fewest pending (the fast one), flagged
        await().atMost(WAIT).untilAsserted(() -> assertThat(tagged(fast)).containsExactly("1r"));
        // acked there: the slow member never gets it back (its AckWait would have fired by now)
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(6)).untilAsserted(() -> {
            assertThat(slow).hasSize(1);
            assertThat(fast).hasSize(1);
        });
    }

    @Test
    void queueMembersRespectTheirMaxInFlight() throws Exception {
        startServer();
        StreamingConnection sc = stan("q-mif");
        List<Message> a = new CopyOnWriteArrayList<>();
        List<Message> b = new CopyOnWriteArrayList<>();
        sc.subscribe("ch", "grp", a::add, manual().maxInFlight(1).build());
        sc.subscribe("ch", "grp", b::add, manual().maxInFlight(1).build());
        publish(sc, "ch", 1, 3);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(a).hasSize(1);
            assertThat(b).hasSize(1);
        });
        // both stalled: 3 waits
        await().during(QUIET).atMost(QUIET.plusSeconds(5)).until(() -> a.size() + b.size() == 2);
        List<Long> firstTwo = new ArrayList<>(seqs(a));
        firstTwo.addAll(seqs(b));
        assertThat(firstTwo).containsExactlyInAnyOrder(1L, 2L);
        b.get(0).ack();
        await().atMost(WAIT).untilAsserted(() -> assertThat(seqs(b)).hasSize(2).endsWith(3L));
        assertThat(a).hasSize(1);
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
