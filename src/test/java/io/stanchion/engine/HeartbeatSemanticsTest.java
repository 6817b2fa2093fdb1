package io.stanchion.engine;

import io.stanchion.codec.Errors;

import io.stanchion.protocol.pb.SubscriptionResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a client's death does, on the {@link StateMachine} with the heartbeat and duplicate-ID probes answered by the
 * test: a client replaced or dead by heartbeats loses its plain subscriptions while its durable goes offline,
 * resumable; a client missing heartbeats gets no redeliveries and is avoided by its queue group. The e2e
 * {@code ConnectionTest} keeps the probes themselves over the wire (answered, unanswered, timed out) with the real
 * Java client answering its heartbeats.
 */
class HeartbeatSemanticsTest {
    private static final Duration HB = Duration.ofSeconds(1);

    /** Heartbeats every second; a client is closed at its {@code failCount + 1}-th failure in a row. */
    private static EngineHarness harness(int failCount) {
        return new EngineHarness(EngineHarness.config().hbInterval(HB).hbFailCount(failCount).build());
    }

    /** One heartbeat interval passes; the heartbeat it sends to {@code clientId} gets {@code alive} as outcome. */
    private static void beat(EngineHarness h, String clientId, boolean alive) {
        h.advance(HB);
        assertThat(h.answerProbes(EngineHarness.heartbeatInbox(clientId), alive)).as("heartbeat to %s", clientId)
                .isEqualTo(1);
    }

    private static String subscribeError(EngineHarness h, String clientId) throws Exception {
        return h.subscribe(EngineHarness.sub(clientId, "ch", "_INBOX.probe-" + clientId)).getError();
    }

    @Test
    void aClientReplacedByANewcomerLosesItsPlainSubscriptionAndItsDurableGoesOfflineForTheNewcomer()
            throws Exception {
        EngineHarness h = harness(1);
        h.connect("ghost");
        h.subscribe(EngineHarness.sub("ghost", "ch", "_INBOX.durable").setDurableName("dur"));
        h.subscribe(EngineHarness.sub("ghost", "ch", "_INBOX.plain"));
        assertThat(h.connectAgain("ghost", false).getError()).as("the old owner did not answer").isEmpty();
        h.publish("ghost", "ch", "hello");
        assertThat(h.delivered("_INBOX.plain")).isEmpty();
        assertThat(h.delivered("_INBOX.durable")).isEmpty();
        h.subscribe(EngineHarness.sub("ghost", "ch", "_INBOX.resumed").setDurableName("dur"));
        assertThat(h.delivered("_INBOX.resumed")).containsExactly("1");
    }

    @Test
    void aClientDeadByHeartbeatsLosesItsPlainSubscriptionAndItsDurableGoesOfflineWhileALiveClientStays()
            throws Exception {
        EngineHarness h = harness(1);
        h.connect("alive");
        h.connect("zombie");
        h.subscribe(EngineHarness.sub("zombie", "ch", "_INBOX.durable").setDurableName("dur"));
        h.subscribe(EngineHarness.sub("zombie", "ch", "_INBOX.plain"));
        h.publish("alive", "ch", "while registered");
        assertThat(h.delivered("_INBOX.plain")).containsExactly("1");

        beat(h, "zombie", false); // the live client's heartbeat is due at the same time
        assertThat(h.answerProbes(EngineHarness.heartbeatInbox("alive"), true)).isEqualTo(1);
        assertThat(subscribeError(h, "zombie")).as("one failure tolerated").isEmpty();
        beat(h, "zombie", false);
        assertThat(subscribeError(h, "zombie")).isEqualTo(Errors.UNKNOWN_CLIENT);

        h.publish("alive", "ch", "after removal");
        assertThat(h.delivered("_INBOX.plain")).as("its plain subscription went with it").containsExactly("1");
        for (int i = 0; i < 10; i++) {
            beat(h, "alive", true);
        }
        assertThat(subscribeError(h, "alive")).isEmpty();

        h.connect("zombie"); // a new "zombie" resumes the offline durable
        h.subscribe(EngineHarness.sub("zombie", "ch", "_INBOX.resumed").setDurableName("dur"));
        assertThat(h.delivered("_INBOX.durable")).containsExactly("1");
        assertThat(h.delivered("_INBOX.resumed")).containsExactly("1r", "2");
    }

    @Test
    void subscriptionsOfAClientMissingHeartbeatsGetNoRedeliveries() throws Exception {
        EngineHarness h = harness(1000);
        h.connect("unwell");
        h.subscribe(EngineHarness.sub("unwell", "ch", "_INBOX.s").setAckWaitInSecs(1));
        beat(h, "unwell", false);
        h.publish("unwell", "ch", "first delivery still happens");
        assertThat(h.delivered("_INBOX.s")).containsExactly("1");
        for (int i = 0; i < 5; i++) { // every heartbeat fails; AckWait 1 s: a healthy client would get redeliveries
            beat(h, "unwell", false);
        }
        assertThat(h.view().hasClient("unwell")).isTrue();
        assertThat(h.delivered("_INBOX.s")).containsExactly("1");
    }

    /**
     * A queue member whose client misses heartbeats is avoided while a healthy member exists, but when every member
     * misses heartbeats the group still delivers new messages (the original falls back to its first member).
     */
    @Test
    void aQueueGroupAvoidsAMemberMissingHeartbeatsButNeverStopsDelivering() throws Exception {
        EngineHarness h = harness(1000);
        h.connect("unwell");
        h.subscribe(EngineHarness.sub("unwell", "ch", "_INBOX.unwell").setQGroup("grp"));
        beat(h, "unwell", false);
        h.publish("unwell", "ch", 1, 2); // the only member, heartbeats failing: it still gets them
        assertThat(h.delivered("_INBOX.unwell")).containsExactly("1", "2");

        h.connect("healthy");
        h.subscribe(EngineHarness.sub("healthy", "ch", "_INBOX.healthy").setQGroup("grp"));
        h.publish("healthy", "ch", 3, 6);
        assertThat(h.delivered("_INBOX.healthy")).containsExactly("3", "4", "5", "6");
        assertThat(h.delivered("_INBOX.unwell")).containsExactly("1", "2");
    }
}
