package io.stanchion.engine;

import io.stanchion.protocol.pb.MsgProto;
import io.stanchion.protocol.pb.StartPosition;
import io.stanchion.protocol.pb.SubscriptionResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Acks, AckWait redelivery with counts, MaxInFlight, and unsubscribe / close stopping delivery and redelivery, on
 * the {@link StateMachine} with simulated time. The e2e {@code AckRedeliveryTest} keeps the same behaviours through
 * the real Java client and nats-server (a redelivery, MaxInFlight with a manual ack, unsubscribe, close).
 */
class AckSemanticsTest {
    private final EngineHarness h = new EngineHarness(EngineHarness.config().build());

    @Test
    void eachAckWaitRedeliversTheSameRecordFlaggedWithAGrowingCountUntilItIsAcked() throws Exception {
        h.connect("c");
        SubscriptionResponse s = h.subscribe(EngineHarness.sub("c", "ch", "_INBOX.s").setAckWaitInSecs(1));
        assertThat(s.getError()).isEmpty();
        h.publish("c", "ch", "again and again");
        h.advance(Duration.ofSeconds(2));
        List<MsgProto> m = h.deliveries("_INBOX.s");
        assertThat(h.delivered("_INBOX.s")).containsExactly("1", "1r", "1r");
        assertThat(m.get(0).getRedeliveryCount()).isZero();
        for (int i = 1; i < 3; i++) {
            assertThat(m.get(i).getRedeliveryCount()).as("delivery %d count", i).isEqualTo(i);
            assertThat(m.get(i).getData().toStringUtf8()).isEqualTo("again and again");
            assertThat(m.get(i).getTimestamp()).isEqualTo(m.get(0).getTimestamp());
        }
        h.ack(s, "ch", 1); // right after the second redelivery: nothing more comes
        h.advance(Duration.ofSeconds(10));
        assertThat(h.delivered("_INBOX.s")).hasSize(3);
    }

    /** With auto-ack (every message acked on receipt) nothing is ever redelivered: the acked half here. */
    @Test
    void ackedMessagesAreNeverRedeliveredWhileUnackedOnesComeBackEveryAckWait() throws Exception {
        h.connect("c");
        SubscriptionResponse s = h.subscribe(EngineHarness.sub("c", "ch", "_INBOX.s").setAckWaitInSecs(1));
        h.publish("c", "ch", 1, 4);
        h.ack(s, "ch", 1, 3); // the odd ones only
        h.advance(Duration.ofSeconds(2));
        assertThat(h.delivered("_INBOX.s")).containsExactly("1", "2", "3", "4", "2r", "4r", "2r", "4r");
    }

    @Test
    void maxInFlightOneSendsTheNextMessageOnlyWhenTheOutstandingOneIsAckedAndAStaleAckChangesNothing()
            throws Exception {
        h.connect("c");
        SubscriptionResponse s = h.subscribe(EngineHarness.sub("c", "ch", "_INBOX.s").setMaxInFlight(1)
                .setStartPosition(StartPosition.First));
        h.publish("c", "ch", 1, 3);
        assertThat(h.delivered("_INBOX.s")).containsExactly("1");
        h.ack(s, "ch", 1);
        assertThat(h.delivered("_INBOX.s")).containsExactly("1", "2");
        h.ack(s, "ch", 1); // acking an old sequence again
        assertThat(h.delivered("_INBOX.s")).containsExactly("1", "2");
        h.ack(s, "ch", 2);
        assertThat(h.delivered("_INBOX.s")).as("none flagged").containsExactly("1", "2", "3");
    }

    @Test
    void unsubscribingASubscriptionWithAPendingMessageStopsItsRedelivery() throws Exception {
        h.connect("c");
        SubscriptionResponse s = h.subscribe(EngineHarness.sub("c", "ch", "_INBOX.s").setAckWaitInSecs(1));
        h.publish("c", "ch", "never acked");
        h.unsubscribe("c", "ch", s, "", false);
        h.advance(Duration.ofSeconds(10));
        assertThat(h.delivered("_INBOX.s")).containsExactly("1");
    }

    @Test
    void unsubscribeAndSubscriptionCloseBothStopDeliveryToTheInbox() throws Exception {
        h.connect("c");
        for (boolean close : new boolean[]{false, true}) {
            String inbox = "_INBOX.close-" + close;
            SubscriptionResponse s = h.subscribe(EngineHarness.sub("c", "ch", inbox)
                    .setStartPosition(StartPosition.NewOnly));
            assertThat(s.getError()).isEmpty();
            h.publish("c", "ch", "before");
            assertThat(h.delivered(inbox)).hasSize(1);
            assertThat(h.unsubscribe("c", "ch", s, "", close).getError()).isEmpty();
            h.publish("c", "ch", "after");
            h.advance(Duration.ofMinutes(1));
            assertThat(h.delivered(inbox)).as("close=%s", close).hasSize(1);
        }
    }

    /** Acks that arrive right before the durable's close, in the same batch, are applied before it. */
    @Test
    void acksArrivingRightBeforeADurablesCloseAreHonoured() throws Exception {
        int n = 100;
        h.connect("c");
        h.publish("c", "ch", 1, n);
        SubscriptionResponse s = h.subscribe(EngineHarness.sub("c", "ch", "_INBOX.d1").setDurableName("dur")
                .setMaxInFlight(n).setStartPosition(StartPosition.First));
        assertThat(h.delivered("_INBOX.d1")).hasSize(n);
        h.together();
        for (int seq = 1; seq < n; seq++) { // all but the last
            h.ack(s, "ch", seq);
        }
        assertThat(h.unsubscribe("c", "ch", s, "dur", true).getError()).isEmpty();
        h.subscribe(EngineHarness.sub("c", "ch", "_INBOX.d2").setDurableName("dur"));
        h.advance(Duration.ofSeconds(10));
        assertThat(h.delivered("_INBOX.d2")).containsExactly(n + "r");
    }
}
