package io.stanchion.engine;

import io.stanchion.protocol.pb.StartPosition;
import io.stanchion.protocol.pb.SubscriptionRequest;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The edges of every start position (reference §2.2) on the {@link StateMachine}: empty channels, sequences below,
 * at and beyond the stored ones, times before and after every message. The e2e {@code StartPositionTest} keeps one
 * case per kind through the real Java client (which encodes each kind, and turns a start time into a delta).
 */
class StartPositionSemanticsTest {
    private final EngineHarness h = new EngineHarness(EngineHarness.config().build());

    private SubscriptionRequest.Builder sub(String channel, String inbox, StartPosition position) {
        return EngineHarness.sub("c", channel, inbox).setStartPosition(position);
    }

    private SubscriptionRequest.Builder atSequence(String channel, String inbox, long sequence) {
        return sub(channel, inbox, StartPosition.SequenceStart).setStartSequence(sequence);
    }

    /** Start at the wall-clock time {@code wallNanos}, sent as the Java client sends it: a delta from its now. */
    private SubscriptionRequest.Builder atTime(String channel, String inbox, long wallNanos) {
        return sub(channel, inbox, StartPosition.TimeDeltaStart).setStartTimeDelta(h.clock.wallNanos() - wallNanos);
    }

    private long lastTimestamp(String inbox) throws Exception {
        return h.deliveries(inbox).get(h.deliveries(inbox).size() - 1).getTimestamp();
    }

    @Test
    void onAnEmptyChannelEveryStartPositionGetsTheMessagesPublishedLater() throws Exception {
        h.connect("c");
        h.subscribe(sub("last", "_INBOX.last", StartPosition.LastReceived));
        h.subscribe(atSequence("seq", "_INBOX.seq", 3));
        h.subscribe(sub("time", "_INBOX.time", StartPosition.TimeDeltaStart)
                .setStartTimeDelta(Duration.ofHours(1).toNanos()));
        h.subscribe(sub("first", "_INBOX.first", StartPosition.First));
        h.advance(Duration.ofSeconds(5));
        for (String kind : new String[]{"last", "seq", "time", "first"}) {
            assertThat(h.delivered("_INBOX." + kind)).as(kind).isEmpty();
        }
        h.publish("c", "last", 1, 2);
        h.publish("c", "seq", 1, 1);
        h.publish("c", "time", 1, 1);
        h.publish("c", "first", 1, 3);
        assertThat(h.delivered("_INBOX.last")).containsExactly("1", "2");
        assertThat(h.delivered("_INBOX.seq")).containsExactly("1");
        assertThat(h.delivered("_INBOX.time")).containsExactly("1");
        assertThat(h.delivered("_INBOX.first")).containsExactly("1", "2", "3");
    }

    @Test
    void sequenceStartBelowTheFirstAtTheEdgesAndBeyondTheLast() throws Exception {
        h.connect("c");
        h.publish("c", "ch", 1, 5);
        h.subscribe(atSequence("ch", "_INBOX.exact", 3));
        h.subscribe(atSequence("ch", "_INBOX.below", 0));
        h.subscribe(atSequence("ch", "_INBOX.first", 1));
        h.subscribe(atSequence("ch", "_INBOX.last", 5));
        h.subscribe(atSequence("ch", "_INBOX.above", 99));
        assertThat(h.delivered("_INBOX.exact")).containsExactly("3", "4", "5");
        assertThat(h.delivered("_INBOX.below")).containsExactly("1", "2", "3", "4", "5");
        assertThat(h.delivered("_INBOX.first")).containsExactly("1", "2", "3", "4", "5");
        assertThat(h.delivered("_INBOX.last")).containsExactly("5");
        assertThat(h.delivered("_INBOX.above")).isEmpty();
        h.publish("c", "ch", 6, 7);
        assertThat(h.delivered("_INBOX.above")).containsExactly("6", "7");
        assertThat(h.delivered("_INBOX.exact")).containsExactly("3", "4", "5", "6", "7");
    }

    @Test
    void timeStartBeforeEverythingGetsAll() throws Exception {
        h.connect("c");
        h.publish("c", "ch", 1, 4);
        h.advance(Duration.ofSeconds(1));
        h.subscribe(atTime("ch", "_INBOX.instant", h.clock.wallNanos() - Duration.ofHours(1).toNanos()));
        h.subscribe(sub("ch", "_INBOX.delta", StartPosition.TimeDeltaStart)
                .setStartTimeDelta(Duration.ofDays(365).toNanos()));
        assertThat(h.delivered("_INBOX.instant")).containsExactly("1", "2", "3", "4");
        assertThat(h.delivered("_INBOX.delta")).containsExactly("1", "2", "3", "4");
    }

    @Test
    void timeStartAfterEverythingIsNewOnly() throws Exception {
        h.connect("c");
        h.publish("c", "ch", 1, 4);
        h.subscribe(sub("ch", "_INBOX.all", StartPosition.First));
        h.advance(Duration.ofSeconds(1));
        h.subscribe(atTime("ch", "_INBOX.after-last", lastTimestamp("_INBOX.all") + 1));
        h.subscribe(atTime("ch", "_INBOX.future", h.clock.wallNanos() + Duration.ofHours(1).toNanos()));
        h.advance(Duration.ofSeconds(5));
        assertThat(h.delivered("_INBOX.after-last")).isEmpty();
        assertThat(h.delivered("_INBOX.future")).isEmpty();
        h.publish("c", "ch", 5, 6);
        assertThat(h.delivered("_INBOX.after-last")).containsExactly("5", "6");
        assertThat(h.delivered("_INBOX.future")).containsExactly("5", "6");
    }
}
