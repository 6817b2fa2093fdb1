package io.stanchion.engine;

import io.stanchion.config.ServerConfig;
import io.stanchion.protocol.pb.StartPosition;
import io.stanchion.protocol.pb.SubscriptionResponse;
import io.stanchion.store.chronicle.ChronicleMessageStore;
import io.stanchion.store.chronicle.ChronicleStateStore;
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

    private EngineHarness open(ServerConfig config) {
        return new EngineHarness(config, new ChronicleMessageStore(dir.resolve("msgs")),
                new ChronicleStateStore(dir.resolve("state")));
    }

    private static void close(EngineHarness h) {
        h.state.close();
        h.store.close();
    }

    @Test
    void pendingMessagesAreRedeliveredFlaggedAfterARestartAndDeliveryGoesOn() throws Exception {
        ServerConfig config = EngineHarness.config().storeType(ServerConfig.StoreType.FILE).dir(dir).build();
        EngineHarness first = open(config);
        first.connect("c");
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
        close(first);

        EngineHarness second = open(config);
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
        close(second);
    }

    @Test
    void aClientClosedBeforeTheRestartIsGoneWithItsSubscriptionsButADurableStays() throws Exception {
        ServerConfig config = EngineHarness.config().storeType(ServerConfig.StoreType.FILE).dir(dir).build();
        EngineHarness first = open(config);
        first.connect("c");
        first.subscribe(EngineHarness.sub("c", "foo", "_INBOX.d").setDurableName("dur"));
        first.subscribe(EngineHarness.sub("c", "foo", "_INBOX.p"));
        first.publish("c", "foo", "m1");
        first.close("c");
        close(first);

        EngineHarness second = open(config);
        assertThat(second.view().hasClient("c")).isFalse();
        assertThat(second.view().channel("foo").subscriptions()).singleElement()
                .satisfies(s -> assertThat(s.durableName()).isEqualTo("dur"))
                .satisfies(s -> assertThat(s.offline()).isTrue());
        second.connect("c");
        second.subscribe(EngineHarness.sub("c", "foo", "_INBOX.d2").setDurableName("dur"));
        assertThat(second.delivered("_INBOX.d2")).as("m1 was sent but never acked").containsExactly("1r");
        close(second);
    }
}
