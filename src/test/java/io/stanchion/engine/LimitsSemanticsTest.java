package io.stanchion.engine;

import io.stanchion.config.StoreLimits;
import io.stanchion.protocol.pb.StartPosition;
import io.stanchion.protocol.pb.SubscriptionResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Channel limits on the {@link StateMachine} with simulated time: max_msgs and max_bytes drop the oldest messages
 * (keeping the newest), max_age expires them, max_inactivity deletes idle channels with their offline durables,
 * per-channel wildcard entries inherit as the original's. The e2e {@code LimitsTest} keeps the FILE store's
 * disk-space return with a real server.
 */
class LimitsSemanticsTest {

    @Test
    void maxMsgsKeepsTheNewestMessagesAndAReplayStartsAtTheFirstKept() throws Exception {
        EngineHarness h = new EngineHarness(EngineHarness.config().maxMsgs(10).build());
        h.connect("c");
        h.publish("c", "capped", 1, 25);
        Snapshot.Channel ch = h.view().channel("capped");
        assertThat(ch.msgs()).isEqualTo(10);
        assertThat(ch.firstSeq()).isEqualTo(16);
        assertThat(ch.lastSeq()).isEqualTo(25);
        h.subscribe(EngineHarness.sub("c", "capped", "_INBOX.all").setStartPosition(StartPosition.First));
        assertThat(h.delivered("_INBOX.all"))
                .containsExactly("16", "17", "18", "19", "20", "21", "22", "23", "24", "25");
    }

    @Test
    void maxBytesDropsTheOldestButAlwaysKeepsTheNewest() throws Exception {
        EngineHarness h = new EngineHarness(EngineHarness.config().maxBytes(1000).build());
        h.connect("c");
        for (int i = 1; i <= 50; i++) {
            h.publish("c", "bytes", "x".repeat(100));
        }
        Snapshot.Channel ch = h.view().channel("bytes");
        assertThat(ch.bytes()).isLessThanOrEqualTo(1000).isGreaterThan(0);
        assertThat(ch.lastSeq()).isEqualTo(50);
        assertThat(ch.msgs()).isEqualTo(50 - ch.firstSeq() + 1).isLessThan(10);
        // a single message larger than the limit is still kept: the newest message always stays
        h.publish("c", "bytes", "x".repeat(5000));
        Snapshot.Channel after = h.view().channel("bytes");
        assertThat(after.msgs()).isEqualTo(1);
        assertThat(after.firstSeq()).isEqualTo(51);
    }

    @Test
    void maxAgeExpiresMessagesWithTimeAndSubscribersSkipThem() throws Exception {
        EngineHarness h = new EngineHarness(EngineHarness.config().maxAge(Duration.ofSeconds(1)).build());
        h.connect("c");
        h.publish("c", "aging", 1, 5);
        h.advance(Duration.ofMillis(500));
        assertThat(h.view().channel("aging").msgs()).isEqualTo(5);
        h.advance(Duration.ofMillis(1600));
        assertThat(h.view().channel("aging").msgs()).isZero();
        h.publish("c", "aging", 6, 6);
        h.subscribe(EngineHarness.sub("c", "aging", "_INBOX.all").setStartPosition(StartPosition.First));
        assertThat(h.delivered("_INBOX.all")).containsExactly("6");
    }

    @Test
    void anInactiveChannelIsDeletedWithItsOfflineDurableButNotWhileSubscribed() throws Exception {
        EngineHarness h = new EngineHarness(EngineHarness.config().maxInactivity(Duration.ofSeconds(1)).build());
        h.connect("c");
        h.publish("c", "idle", 1, 1);
        SubscriptionResponse durable = h.subscribe(EngineHarness.sub("c", "idle", "_INBOX.gone").setDurableName("gone"));
        h.publish("c", "busy", 1, 1);
        h.subscribe(EngineHarness.sub("c", "busy", "_INBOX.busy"));
        h.unsubscribe("c", "idle", durable, "gone", true); // offline durables do not keep a channel alive
        h.advance(Duration.ofMillis(2100));
        assertThat(h.view().channel("idle")).isNull();
        h.advance(Duration.ofSeconds(3)); // the active subscription keeps "busy" well past its max_inactivity
        assertThat(h.view().channel("busy")).isNotNull();
        // the deleted channel starts over, and the durable's state went with it
        h.publish("c", "idle", 2, 2);
        h.subscribe(EngineHarness.sub("c", "idle", "_INBOX.again").setDurableName("gone")
                .setStartPosition(StartPosition.First));
        assertThat(h.delivered("_INBOX.again")).containsExactly("1");
    }

    @Test
    void perChannelWildcardEntriesInheritAsTheOriginal() throws Exception {
        StoreLimits limits = StoreLimits.builder()
                .maxMsgs(100)
                .channel("orders.>", StoreLimits.Overrides.NONE.withMaxMsgs(7))
                .channel("orders.*", StoreLimits.Overrides.NONE.withMaxMsgs(5))
                .channel("orders.eu", StoreLimits.Overrides.NONE.withMaxMsgs(3))
                .channel("audit", StoreLimits.Overrides.NONE.withMaxMsgs(0))
                .build();
        EngineHarness h = new EngineHarness(EngineHarness.config().storeLimits(limits).build());
        h.connect("c");
        for (String name : List.of("orders.eu", "orders.us", "orders.us.west", "misc", "audit")) {
            h.publish("c", name, 1, 150);
        }
        assertThat(h.view().channel("orders.eu").msgs()).as("literal entry").isEqualTo(3);
        assertThat(h.view().channel("orders.us").msgs()).as("orders.* beats orders.>").isEqualTo(5);
        assertThat(h.view().channel("orders.us.west").msgs()).as("only orders.> matches").isEqualTo(7);
        assertThat(h.view().channel("misc").msgs()).as("global").isEqualTo(100);
        assertThat(h.view().channel("audit").msgs()).as("explicit 0 = unlimited for that field").isEqualTo(150);
    }
}
