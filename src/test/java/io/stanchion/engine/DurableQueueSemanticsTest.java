package io.stanchion.engine;

import io.stanchion.protocol.pb.StartPosition;
import io.stanchion.protocol.pb.SubscriptionRequest;
import io.stanchion.protocol.pb.SubscriptionResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Durable and queue subscriptions on the {@link StateMachine} with simulated time: fresh starts after unsubscribe,
 * durable keys, hand-over of a leaving member's messages, queue group lifetime, MaxInFlight of resumed durables and
 * queue members, redelivery to the best member. The e2e {@code DurableAndQueueTest} keeps a durable resume, a
 * duplicate durable, queue distribution and a durable queue group through the real Java client.
 */
class DurableQueueSemanticsTest {
    private final EngineHarness h = new EngineHarness(EngineHarness.config().build());

    private static SubscriptionRequest.Builder durable(String clientId, String inbox) {
        return EngineHarness.sub(clientId, "ch", inbox).setDurableName("dur");
    }

    private static SubscriptionRequest.Builder member(String clientId, String channel, String inbox) {
        return EngineHarness.sub(clientId, channel, inbox).setQGroup("grp");
    }

    @Test
    void anUnsubscribedDurableStartsAfreshPerTheNewStartPosition() throws Exception {
        h.connect("c");
        h.publish("c", "ch", 1, 3);
        SubscriptionResponse first = h.subscribe(durable("c", "_INBOX.1").setStartPosition(StartPosition.First));
        assertThat(h.delivered("_INBOX.1")).containsExactly("1", "2", "3");
        h.unsubscribe("c", "ch", first, "dur", false);

        // a brand-new durable: everything again, none flagged
        SubscriptionResponse all = h.subscribe(durable("c", "_INBOX.2").setStartPosition(StartPosition.First));
        assertThat(h.delivered("_INBOX.2")).containsExactly("1", "2", "3");
        h.unsubscribe("c", "ch", all, "dur", false);

        SubscriptionResponse fromTwo = h.subscribe(durable("c", "_INBOX.3")
                .setStartPosition(StartPosition.SequenceStart).setStartSequence(2));
        assertThat(h.delivered("_INBOX.3")).containsExactly("2", "3");
        h.unsubscribe("c", "ch", fromTwo, "dur", false);

        h.subscribe(durable("c", "_INBOX.4").setStartPosition(StartPosition.NewOnly));
        assertThat(h.delivered("_INBOX.4")).isEmpty();
        h.publish("c", "ch", 4, 4);
        assertThat(h.delivered("_INBOX.4")).containsExactly("4");
    }

    @Test
    void theSameDurableNameOfAnotherClientIsAnotherDurable() throws Exception {
        h.connect("client-a");
        h.connect("client-b");
        h.publish("client-a", "ch", 1, 2);
        for (String c : List.of("client-a", "client-b")) {
            SubscriptionResponse r = h.subscribe(durable(c, "_INBOX." + c).setStartPosition(StartPosition.First));
            assertThat(r.getError()).isEmpty();
            assertThat(h.delivered("_INBOX." + c)).containsExactly("1", "2");
        }
    }

    /** The member's messages reach the other member long before their AckWait, whether it unsubscribes, closes or its client closes. */
    @Test
    void unackedMessagesOfALeavingMemberGoToTheRemainingMemberFlagged() throws Exception {
        h.connect("pub");
        int round = 0;
        for (String how : List.of("unsubscribe", "close", "connection close")) {
            round++;
            String channel = "q" + round;
            String leaver = "leaver-" + round;
            String stayer = "stayer-" + round;
            h.connect(leaver);
            SubscriptionResponse l = h.subscribe(member(leaver, channel, "_INBOX." + leaver)); // never acks
            h.publish("pub", channel, 1, 3); // the only member gets all three
            h.connect(stayer);
            h.subscribe(member(stayer, channel, "_INBOX." + stayer));
            assertThat(h.delivered("_INBOX." + stayer)).as(how).isEmpty();

            switch (how) {
                case "unsubscribe" -> h.unsubscribe(leaver, channel, l, "", false);
                case "close" -> h.unsubscribe(leaver, channel, l, "", true);
                default -> h.close(leaver);
            }
            h.advance(Duration.ofSeconds(1)); // handed over, not timed out: AckWait is 30 s
            assertThat(h.delivered("_INBOX." + stayer)).as(how).containsExactlyInAnyOrder("1r", "2r", "3r");

            h.publish("pub", channel, 4, 4); // the group goes on with the remaining member
            assertThat(h.delivered("_INBOX." + stayer)).as(how).hasSize(4).endsWith("4");
            assertThat(h.delivered("_INBOX." + leaver)).as(how).containsExactly("1", "2", "3");
        }
    }

    @Test
    void aQueueGroupIsGoneWithItsLastMemberAndTheNextOneStartsAfresh() throws Exception {
        h.connect("c");
        h.publish("c", "ch", 1, 2);
        SubscriptionResponse first = h.subscribe(member("c", "ch", "_INBOX.1").setStartPosition(StartPosition.First));
        assertThat(h.delivered("_INBOX.1")).containsExactly("1", "2");
        h.unsubscribe("c", "ch", first, "", true);
        h.subscribe(member("c", "ch", "_INBOX.2").setStartPosition(StartPosition.First));
        assertThat(h.delivered("_INBOX.2")).containsExactly("1", "2");
    }

    @Test
    void aLaterMembersStartPositionIsIgnored() throws Exception {
        h.connect("c");
        h.publish("c", "ch", 1, 2);
        h.subscribe(member("c", "ch", "_INBOX.a")); // new only
        h.subscribe(member("c", "ch", "_INBOX.b").setStartPosition(StartPosition.First));
        assertThat(h.delivered("_INBOX.a")).isEmpty();
        assertThat(h.delivered("_INBOX.b")).isEmpty();
        h.publish("c", "ch", 3, 4);
        List<String> all = new ArrayList<>(h.delivered("_INBOX.a"));
        all.addAll(h.delivered("_INBOX.b"));
        assertThat(all).containsExactlyInAnyOrder("3", "4");
    }

    @Test
    void aDurableQueueGroupSurvivesItsMembersLeavingUntilTheLastOneUnsubscribes() throws Exception {
        h.connect("pub");
        h.publish("pub", "ch", 1, 3);
        h.connect("dq-member-1");
        SubscriptionResponse m1 = h.subscribe(member("dq-member-1", "ch", "_INBOX.1").setDurableName("dq")
                .setStartPosition(StartPosition.First));
        assertThat(h.delivered("_INBOX.1")).containsExactly("1", "2", "3");
        h.ack(m1, "ch", 1, 3);
        h.close("dq-member-1"); // last member gone: the group stays, with 2 pending

        h.publish("pub", "ch", 4, 5); // while the group has no member
        // another client ID may rejoin (the durable queue key has no client ID); its start position is ignored
        h.connect("dq-member-2");
        SubscriptionResponse s2 = h.subscribe(member("dq-member-2", "ch", "_INBOX.2").setDurableName("dq")
                .setStartPosition(StartPosition.First));
        assertThat(h.delivered("_INBOX.2")).containsExactly("2r", "4", "5");
        h.ack(s2, "ch", 2, 4, 5);

        h.unsubscribe("dq-member-2", "ch", s2, "dq", true); // a subscription close also keeps the group
        h.publish("pub", "ch", 6, 6);
        SubscriptionResponse s3 = h.subscribe(member("dq-member-2", "ch", "_INBOX.3").setDurableName("dq"));
        assertThat(h.delivered("_INBOX.3")).containsExactly("6");
        h.ack(s3, "ch", 6);

        h.unsubscribe("dq-member-2", "ch", s3, "dq", false); // the last member's unsubscribe deletes it
        h.subscribe(member("dq-member-2", "ch", "_INBOX.4").setDurableName("dq")
                .setStartPosition(StartPosition.SequenceStart).setStartSequence(5));
        assertThat(h.delivered("_INBOX.4")).containsExactly("5", "6");
    }

    @Test
    void aResumedDurableGetsAllItsPendingDespiteASmallerMaxInFlightThenNewOnesWaitForRoom() throws Exception {
        h.connect("c");
        h.publish("c", "ch", 1, 3);
        SubscriptionResponse before = h.subscribe(durable("c", "_INBOX.1").setMaxInFlight(10)
                .setStartPosition(StartPosition.First));
        assertThat(h.delivered("_INBOX.1")).containsExactly("1", "2", "3");
        h.unsubscribe("c", "ch", before, "dur", true);
        h.publish("c", "ch", 4, 4);

        SubscriptionResponse after = h.subscribe(durable("c", "_INBOX.2").setMaxInFlight(1));
        assertThat(h.delivered("_INBOX.2")).as("redelivery is forced").containsExactly("1r", "2r", "3r");
        h.ack(after, "ch", 1, 2);
        assertThat(h.delivered("_INBOX.2")).hasSize(3);
        h.ack(after, "ch", 3);
        assertThat(h.delivered("_INBOX.2")).containsExactly("1r", "2r", "3r", "4");
    }

    @Test
    void anExpiredQueueMessageGoesToTheBestMemberAndNotBackToTheSlowOne() throws Exception {
        h.connect("c");
        // joins first, so it gets the first message; never acks, AckWait 1 s
        h.subscribe(member("c", "ch", "_INBOX.slow").setAckWaitInSecs(1));
        SubscriptionResponse fast = h.subscribe(member("c", "ch", "_INBOX.fast"));
        h.publish("c", "ch", "job");
        assertThat(h.delivered("_INBOX.slow")).containsExactly("1");
        h.advance(Duration.ofSeconds(1));
        assertThat(h.delivered("_INBOX.fast")).as("the member with fewest pending").containsExactly("1r");
        h.ack(fast, "ch", 1);
        h.advance(Duration.ofMinutes(1));
        assertThat(h.delivered("_INBOX.slow")).containsExactly("1");
        assertThat(h.delivered("_INBOX.fast")).containsExactly("1r");
    }

    @Test
    void queueMembersRespectTheirMaxInFlight() throws Exception {
        h.connect("c");
        h.subscribe(member("c", "ch", "_INBOX.a").setMaxInFlight(1));
        SubscriptionResponse b = h.subscribe(member("c", "ch", "_INBOX.b").setMaxInFlight(1));
        h.publish("c", "ch", 1, 3);
        List<String> firstTwo = new ArrayList<>(h.delivered("_INBOX.a"));
        firstTwo.addAll(h.delivered("_INBOX.b"));
        assertThat(h.delivered("_INBOX.a")).hasSize(1);
        assertThat(firstTwo).as("both stalled: 3 waits").containsExactlyInAnyOrder("1", "2");
        h.ack(b, "ch", Long.parseLong(h.delivered("_INBOX.b").get(0)));
        assertThat(h.delivered("_INBOX.b")).hasSize(2).endsWith("3");
        assertThat(h.delivered("_INBOX.a")).hasSize(1);
    }
}
