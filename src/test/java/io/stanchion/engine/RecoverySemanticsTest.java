package io.stanchion.engine;

import io.stanchion.codec.Errors;

import io.stanchion.config.ServerConfig;
import io.stanchion.protocol.pb.StartPosition;
import io.stanchion.protocol.pb.SubscriptionResponse;
import io.stanchion.store.chronicle.ChronicleMessageStore;
import io.stanchion.store.chronicle.ChronicleStateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Restart recovery on the {@link StateMachine} over the FILE stores, with simulated time: what one machine leaves
 * in the stores, a new machine over the reopened stores takes up (the server process itself is restarted by the
 * e2e tests, kill -9 included).
 */
class RecoverySemanticsTest {
    @TempDir
    Path dir;

    /** The machine over the stores now open; its stores are closed after each test. */
    private EngineHarness running;

    private EngineHarness open() {
        ServerConfig config = EngineHarness.config().storeType(ServerConfig.StoreType.FILE).dir(dir).build();
        running = new EngineHarness(config, new ChronicleMessageStore(dir.resolve("msgs")),
                new ChronicleStateStore(dir.resolve("state")));
        return running;
    }

    @AfterEach
    void closeStores() {
        if (running != null) {
            running.state.close();
            running.store.close();
            running = null;
        }
    }

    /** The first start, on an empty directory, with client "c" connected. */
    private EngineHarness firstStart() throws Exception {
        EngineHarness h = open();
        h.connect("c");
        return h;
    }

    /** Closes the running machine's stores and opens a new machine over them: a restart on the same directory. */
    private EngineHarness restart() {
        closeStores();
        return open();
    }

    @Test
    void pendingMessagesAreRedeliveredFlaggedAfterARestartAndDeliveryGoesOn() throws Exception {
        EngineHarness first = firstStart();
        SubscriptionResponse d = first.subscribe(EngineHarness.sub("c", "foo", "_INBOX.d").setDurableName("dur")
                .setStartPosition(StartPosition.First));
        SubscriptionResponse plain = first.subscribe(EngineHarness.sub("c", "foo", "_INBOX.p"));
        for (int i = 1; i <= 3; i++) {
            first.publish("c", "foo", "m" + i);
        }
        first.ack(d, "foo", 1);
        first.ack(plain, "foo", 1);
        first.ack(plain, "foo", 2);
        assertThat(first.delivered("_INBOX.d")).containsExactly("1", "2", "3");
        EngineHarness second = restart();
        assertThat(second.view().hasClient("c")).as("the client is recovered").isTrue();
        assertThat(second.delivered("_INBOX.d")).as("pending first, flagged").containsExactly("2r", "3r");
        assertThat(second.delivered("_INBOX.p")).containsExactly("3r");
        assertThat(second.publish("c", "foo", "m4").getError()).isEmpty();
        assertThat(second.delivered("_INBOX.d")).containsExactly("2r", "3r", "4");
        assertThat(second.view().channel("foo").lastSeq()).isEqualTo(4);
        SubscriptionResponse resumed = second.view().channel("foo").subscriptions().stream()
                .filter(s -> "dur".equals(s.durableName())).findFirst()
                .map(s -> SubscriptionResponse.newBuilder().setAckInbox(s.ackInbox()).build()).orElseThrow();
        second.ack(resumed, "foo", 2);
        second.ack(resumed, "foo", 3);
        second.ack(resumed, "foo", 4);
        second.advance(Duration.ofMinutes(1));
        assertThat(second.delivered("_INBOX.d")).as("acked after the restart: not redelivered again")
                .containsExactly("2r", "3r", "4");
    }

    @Test
    void aClientClosedBeforeTheRestartIsGoneWithItsSubscriptionsButADurableStays() throws Exception {
        EngineHarness first = firstStart();
        first.subscribe(EngineHarness.sub("c", "foo", "_INBOX.d").setDurableName("dur"));
        first.subscribe(EngineHarness.sub("c", "foo", "_INBOX.p"));
        first.publish("c", "foo", "m1");
        first.close("c");
        EngineHarness second = restart();
        assertThat(second.view().hasClient("c")).isFalse();
        assertThat(second.view().channel("foo").subscriptions()).singleElement()
                .satisfies(s -> assertThat(s.durableName()).isEqualTo("dur"))
                .satisfies(s -> assertThat(s.offline()).isTrue());
        second.connect("c");
        second.subscribe(EngineHarness.sub("c", "foo", "_INBOX.d2").setDurableName("dur"));
        assertThat(second.delivered("_INBOX.d2")).as("m1 was sent but never acked").containsExactly("1r");
    }

    @Test
    void anOfflineDurableStaysOfflineAcrossARestartAndResumesAfterItsLastSent() throws Exception {
        EngineHarness first = firstStart();
        SubscriptionResponse d = first.subscribe(EngineHarness.sub("c", "resume", "_INBOX.d1").setDurableName("dur")
                .setStartPosition(StartPosition.First));
        first.publish("c", "resume", 1, 5);
        first.ack(d, "resume", 1, 2, 3, 4, 5);
        first.unsubscribe("c", "resume", d, "dur", true); // offline: state kept
        first.publish("c", "resume", 6, 8);

        EngineHarness second = restart();
        second.advance(Duration.ofMinutes(1));
        assertThat(second.delivered("_INBOX.d1")).as("still offline").isEmpty();
        second.subscribe(EngineHarness.sub("c", "resume", "_INBOX.d2").setDurableName("dur")
                .setStartPosition(StartPosition.First));
        assertThat(second.delivered("_INBOX.d2")).containsExactly("6", "7", "8");
    }

    @Test
    void aDurableQueueGroupWithoutMembersSurvivesARestart() throws Exception {
        EngineHarness first = firstStart();
        SubscriptionResponse member = first.subscribe(EngineHarness.sub("c", "jobs", "_INBOX.m1")
                .setQGroup("workers").setDurableName("qd").setStartPosition(StartPosition.First));
        first.publish("c", "jobs", 1, 2);
        first.ack(member, "jobs", 1, 2);
        first.unsubscribe("c", "jobs", member, "qd", true); // the last member leaves: the group keeps its position
        first.publish("c", "jobs", 3, 3);

        EngineHarness second = restart();
        second.publish("c", "jobs", 4, 4);
        second.subscribe(EngineHarness.sub("c", "jobs", "_INBOX.m2").setQGroup("workers").setDurableName("qd")
                .setStartPosition(StartPosition.First));
        assertThat(second.delivered("_INBOX.m2")).containsExactly("3", "4");
    }

    @Test
    void aRecoveredActiveDurableStillOwnsItsNameAndGoesOnDelivering() throws Exception {
        EngineHarness first = firstStart();
        first.subscribe(EngineHarness.sub("c", "dupe", "_INBOX.only").setDurableName("only"));

        EngineHarness second = restart();
        assertThat(second.subscribe(EngineHarness.sub("c", "dupe", "_INBOX.copy").setDurableName("only"))
                .getError()).isEqualTo(Errors.DUPLICATE_DURABLE);
        second.publish("c", "dupe", "9");
        assertThat(second.delivered("_INBOX.only")).containsExactly("1");
        assertThat(second.delivered("_INBOX.copy")).isEmpty();
    }
}
