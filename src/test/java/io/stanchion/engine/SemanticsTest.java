package io.stanchion.engine;

import io.stanchion.codec.Errors;

import io.stanchion.protocol.pb.MsgProto;
import io.stanchion.protocol.pb.PubAck;
import io.stanchion.protocol.pb.StartPosition;
import io.stanchion.protocol.pb.SubscriptionResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The STAN semantics on the {@link StateMachine} with simulated time ({@link EngineHarness}): each test runs in
 * milliseconds whatever the AckWait, heartbeat interval or max_age it exercises. The wire itself (the real
 * nats-server and the Java STAN client) is covered by the e2e tests.
 */
class SemanticsTest {

    @Test
    void unackedMessagesAreRedeliveredFlaggedAfterTheAckWaitAndAckedOnesAreNot() throws Exception {
        EngineHarness h = new EngineHarness(EngineHarness.config().build());
        h.connect("c");
        SubscriptionResponse s = h.subscribe(EngineHarness.sub("c", "foo", "_INBOX.s").setAckWaitInSecs(30));
        for (int i = 1; i <= 3; i++) {
            assertThat(h.publish("c", "foo", "m" + i).getError()).isEmpty();
        }
        assertThat(h.delivered("_INBOX.s")).containsExactly("1", "2", "3");
        h.ack(s, "foo", 2);
        h.advance(Duration.ofSeconds(29));
        assertThat(h.delivered("_INBOX.s")).as("not before the AckWait").hasSize(3);
        h.advance(Duration.ofSeconds(2));
        assertThat(h.delivered("_INBOX.s")).containsExactly("1", "2", "3", "1r", "3r");
        MsgProto again = h.deliveries("_INBOX.s").get(3);
        assertThat(again.getData().toStringUtf8()).isEqualTo("m1");
        assertThat(again.getRedeliveryCount()).isEqualTo(1);
        h.ack(s, "foo", 1);
        h.ack(s, "foo", 3);
        h.advance(Duration.ofMinutes(5));
        assertThat(h.delivered("_INBOX.s")).as("nothing after the acks").hasSize(5);
    }

    @Test
    void maxInFlightHoldsBackDeliveryUntilAcksMakeRoom() throws Exception {
        EngineHarness h = new EngineHarness(EngineHarness.config().build());
        h.connect("c");
        SubscriptionResponse s = h.subscribe(EngineHarness.sub("c", "foo", "_INBOX.s").setMaxInFlight(2));
        for (int i = 1; i <= 5; i++) {
            h.publish("c", "foo", "m" + i);
        }
        assertThat(h.delivered("_INBOX.s")).containsExactly("1", "2");
        h.ack(s, "foo", 1);
        assertThat(h.delivered("_INBOX.s")).containsExactly("1", "2", "3");
        h.ack(s, "foo", 2);
        h.ack(s, "foo", 3);
        assertThat(h.delivered("_INBOX.s")).containsExactly("1", "2", "3", "4", "5");
    }

    @Test
    void aClientThatMissesMoreHeartbeatsThanAllowedIsClosedAndItsSubscriptionRemoved() throws Exception {
        EngineHarness h = new EngineHarness(EngineHarness.config().hbInterval(Duration.ofSeconds(10))
                .hbTimeout(Duration.ofSeconds(2)).hbFailCount(2).build());
        h.connect("c");
        h.subscribe(EngineHarness.sub("c", "foo", "_INBOX.s"));
        String hb = EngineHarness.heartbeatInbox("c");
        for (int beat = 1; beat <= 3; beat++) {
            h.advance(Duration.ofSeconds(10));
            assertThat(h.view().hasClient("c")).as("alive before failure %d", beat).isTrue();
            assertThat(h.answerProbes(hb, false)).isEqualTo(1);
        }
        assertThat(h.view().hasClient("c")).as("closed after the third failure (fail count 2)").isFalse();
        assertThat(h.view().channel("foo").subscriptions()).isEmpty();
        PubAck refused = h.publish("c", "foo", "x");
        assertThat(refused.getError()).isEqualTo(Errors.INVALID_PUBLISH);
    }

    @Test
    void aHeartbeatAnsweredInTimeResetsTheFailureCount() throws Exception {
        EngineHarness h = new EngineHarness(EngineHarness.config().hbInterval(Duration.ofSeconds(10))
                .hbFailCount(1).build());
        h.connect("c");
        String hb = EngineHarness.heartbeatInbox("c");
        for (int beat = 0; beat < 10; beat++) { // fail, answer, fail, answer ...: never two failures in a row
            h.advance(Duration.ofSeconds(10));
            h.answerProbes(hb, beat % 2 == 1);
        }
        assertThat(h.view().hasClient("c")).isTrue();
    }

    @Test
    void aQueueMemberThatLeavesHandsItsPendingMessagesToTheOtherMember() throws Exception {
        EngineHarness h = new EngineHarness(EngineHarness.config().build());
        h.connect("a");
        h.connect("b");
        SubscriptionResponse a = h.subscribe(EngineHarness.sub("a", "foo", "_INBOX.a").setQGroup("workers")
                .setMaxInFlight(10));
        SubscriptionResponse b = h.subscribe(EngineHarness.sub("b", "foo", "_INBOX.b").setQGroup("workers")
                .setMaxInFlight(10));
        for (int i = 1; i <= 6; i++) {
            h.publish("a", "foo", "m" + i);
        }
        List<String> toA = h.delivered("_INBOX.a");
        List<String> toB = h.delivered("_INBOX.b");
        assertThat(toA.size() + toB.size()).isEqualTo(6);
        assertThat(toA).isNotEmpty();
        for (String seq : toB) {
            h.ack(b, "foo", Long.parseLong(seq));
        }
        h.unsubscribe("a", "foo", a, "", false);
        // a's unacked messages go to b (flagged) right after, without waiting for their AckWait
        h.advance(Duration.ofMillis(100));
        List<String> handedOver = h.delivered("_INBOX.b").subList(toB.size(), h.delivered("_INBOX.b").size());
        assertThat(handedOver).containsExactlyInAnyOrderElementsOf(toA.stream().map(s -> s + "r").toList());
    }

    @Test
    void aClosedDurableResumesWhereItStoppedAndAnUnsubscribedOneStartsAfresh() throws Exception {
        EngineHarness h = new EngineHarness(EngineHarness.config().build());
        h.connect("c");
        for (int i = 1; i <= 3; i++) {
            h.publish("c", "foo", "m" + i);
        }
        SubscriptionResponse d = h.subscribe(EngineHarness.sub("c", "foo", "_INBOX.d1").setDurableName("dur")
                .setStartPosition(StartPosition.First));
        assertThat(h.delivered("_INBOX.d1")).containsExactly("1", "2", "3");
        h.ack(d, "foo", 1);
        h.ack(d, "foo", 2);
        h.unsubscribe("c", "foo", d, "dur", true); // close: the durable stays, 3 still pending
        h.publish("c", "foo", "m4");
        assertThat(h.delivered("_INBOX.d1")).as("nothing to a closed durable").hasSize(3);
        SubscriptionResponse again = h.subscribe(EngineHarness.sub("c", "foo", "_INBOX.d2").setDurableName("dur")
                .setStartPosition(StartPosition.First));
        assertThat(h.delivered("_INBOX.d2")).as("3 redelivered, then 4; the start position is ignored")
                .containsExactly("3r", "4");
        h.unsubscribe("c", "foo", again, "dur", false); // unsubscribe: the durable is gone
        SubscriptionResponse fresh = h.subscribe(EngineHarness.sub("c", "foo", "_INBOX.d3").setDurableName("dur")
                .setStartPosition(StartPosition.NewOnly));
        h.publish("c", "foo", "m5");
        assertThat(h.delivered("_INBOX.d3")).containsExactly("5");
        assertThat(fresh.getError()).isEmpty();
    }

    @Test
    void maxMsgsDropsTheOldestAndMaxAgeExpiresMessagesWithTime() throws Exception {
        EngineHarness h = new EngineHarness(EngineHarness.config().maxMsgs(3).maxAge(Duration.ofSeconds(60))
                .build());
        h.connect("c");
        for (int i = 1; i <= 5; i++) {
            h.publish("c", "foo", "m" + i);
        }
        assertThat(h.view().channel("foo").firstSeq()).isEqualTo(3);
        assertThat(h.view().channel("foo").msgs()).isEqualTo(3);
        h.advance(Duration.ofSeconds(30));
        h.publish("c", "foo", "m6");
        h.advance(Duration.ofSeconds(31)); // 3-5 are 61 s old, 6 is 31 s old
        assertThat(h.view().channel("foo").firstSeq()).isEqualTo(6);
        h.advance(Duration.ofSeconds(30));
        assertThat(h.view().channel("foo").msgs()).isZero();
        assertThat(h.view().channel("foo").lastSeq()).isEqualTo(6);
    }

    @Test
    void anInactiveChannelIsDeletedOnlyWithoutOnlineSubscriptions() throws Exception {
        EngineHarness h = new EngineHarness(EngineHarness.config().maxInactivity(Duration.ofSeconds(20)).build());
        h.connect("c");
        h.publish("c", "idle", "x");
        h.publish("c", "watched", "x");
        h.subscribe(EngineHarness.sub("c", "watched", "_INBOX.w"));
        h.advance(Duration.ofSeconds(19));
        assertThat(h.view().channel("idle")).isNotNull();
        h.advance(Duration.ofSeconds(2));
        assertThat(h.view().channel("idle")).isNull();
        assertThat(h.view().channel("watched")).isNotNull();
    }

    @Test
    void startPositionsPickTheFirstSequenceDelivered() throws Exception {
        EngineHarness h = new EngineHarness(EngineHarness.config().build());
        h.connect("c");
        h.publish("c", "foo", "m1");
        h.advance(Duration.ofSeconds(10));
        h.publish("c", "foo", "m2");
        h.publish("c", "foo", "m3");
        h.subscribe(EngineHarness.sub("c", "foo", "_INBOX.last").setStartPosition(StartPosition.LastReceived));
        h.subscribe(EngineHarness.sub("c", "foo", "_INBOX.seq").setStartPosition(StartPosition.SequenceStart)
                .setStartSequence(2));
        h.subscribe(EngineHarness.sub("c", "foo", "_INBOX.delta").setStartPosition(StartPosition.TimeDeltaStart)
                .setStartTimeDelta(Duration.ofSeconds(5).toNanos()));
        h.subscribe(EngineHarness.sub("c", "foo", "_INBOX.new").setStartPosition(StartPosition.NewOnly));
        h.publish("c", "foo", "m4");
        assertThat(h.delivered("_INBOX.last")).containsExactly("3", "4");
        assertThat(h.delivered("_INBOX.seq")).containsExactly("2", "3", "4");
        assertThat(h.delivered("_INBOX.delta")).containsExactly("2", "3", "4");
        assertThat(h.delivered("_INBOX.new")).containsExactly("4");
    }
}
