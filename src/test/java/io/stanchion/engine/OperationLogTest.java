package io.stanchion.engine;

import io.stanchion.config.ServerConfig;
import io.stanchion.protocol.pb.StartPosition;
import io.stanchion.protocol.pb.SubscriptionResponse;
import io.stanchion.store.ChannelLog;
import io.stanchion.store.StoredMessage;
import io.stanchion.store.chronicle.ChronicleMessageStore;
import io.stanchion.store.chronicle.ChronicleStateStore;
import io.stanchion.store.oplog.Operation;
import io.stanchion.store.oplog.OperationApplier;
import io.stanchion.store.oplog.OperationCodec;
import io.stanchion.store.oplog.RecordingStores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every state change as an operation: a leader's state machine runs over {@link RecordingStores}; its operations,
 * serialised and read back batch by batch, are applied to a follower's empty stores by {@link OperationApplier};
 * a server recovered from the follower's stores has the same clients, channels, messages and subscriptions (sent,
 * pending, offline durables) as one recovered from the leader's.
 */
class OperationLogTest {
    @TempDir
    Path dir;

    @Test
    void aFollowerFedTheLeadersOperationsRecoversTheSameState() throws Exception {
        ServerConfig config = EngineHarness.config().storeType(ServerConfig.StoreType.FILE).dir(dir).maxMsgs(20)
                .maxInactivity(Duration.ofHours(1)).build();
        List<byte[]> log = new ArrayList<>();
        RecordingStores leaderStores = new RecordingStores(new ChronicleMessageStore(dir.resolve("leader/msgs")),
                new ChronicleStateStore(dir.resolve("leader/state")), b -> log.add(OperationCodec.encode(b)));
        EngineHarness leader = new EngineHarness(config, leaderStores.messages(), leaderStores.state());
        workload(leader);
        leader.state.close();
        leader.store.close();

        ChronicleMessageStore followerMessages = new ChronicleMessageStore(dir.resolve("follower/msgs"));
        ChronicleStateStore followerState = new ChronicleStateStore(dir.resolve("follower/state"));
        OperationApplier applier = new OperationApplier(followerMessages, followerState, false);
        List<Class<?>> kinds = new ArrayList<>();
        for (byte[] entry : log) {
            Operation op = OperationCodec.decode(entry);
            ((Operation.Batch) op).operations().forEach(o -> kinds.add(o.getClass()));
            applier.apply(op);
        }
        followerState.close();
        followerMessages.close();
        assertThat(kinds).as("the workload makes every kind of change").contains(Operation.CreateChannel.class,
                Operation.Append.class, Operation.RemoveBefore.class, Operation.DeleteChannel.class,
                Operation.AddClient.class, Operation.DeleteClient.class, Operation.PutSubscription.class,
                Operation.DeleteSubscription.class, Operation.Sent.class, Operation.Acked.class);

        EngineHarness a = reopen(config, "leader");
        EngineHarness b = reopen(config, "follower");
        assertThat(describe(b)).isEqualTo(describe(a)).isNotEmpty();
        for (ChannelLog la : a.store.channels()) {
            ChannelLog lb = b.store.existing(la.name());
            assertThat(lb.firstSequence()).isEqualTo(la.firstSequence());
            for (long s = la.firstSequence(); s <= la.lastSequence(); s++) {
                StoredMessage ma = la.read(s);
                StoredMessage mb = lb.read(s);
                assertThat(mb.timestampNanos()).isEqualTo(ma.timestampNanos());
                assertThat(mb.record()).isEqualTo(ma.record());
            }
        }
        for (EngineHarness h : List.of(a, b)) {
            h.state.close();
            h.store.close();
        }
    }

    private EngineHarness reopen(ServerConfig config, String who) {
        return new EngineHarness(config, new ChronicleMessageStore(dir.resolve(who + "/msgs")),
                new ChronicleStateStore(dir.resolve(who + "/state")));
    }

    /** Connects, publishes past max_msgs, subscribes in every way, acks some, redelivers, closes and deletes. */
    private static void workload(EngineHarness h) throws Exception {
        h.connect("a");
        h.connect("b");
        h.connect("gone");
        SubscriptionResponse dur = h.subscribe(EngineHarness.sub("a", "orders", "_INBOX.dur").setDurableName("d")
                .setStartPosition(StartPosition.First).setMaxInFlight(5));
        SubscriptionResponse q1 = h.subscribe(EngineHarness.sub("a", "orders", "_INBOX.q1").setQGroup("g")
                .setDurableName("qd"));
        h.subscribe(EngineHarness.sub("b", "orders", "_INBOX.q2").setQGroup("g").setDurableName("qd"));
        h.subscribe(EngineHarness.sub("gone", "orders", "_INBOX.gone"));
        for (int i = 0; i < 30; i++) {
            h.publish(i % 2 == 0 ? "a" : "b", "orders", "order-" + i);
        }
        h.publish("b", "idle", "x");
        for (int s = 11; s <= 13; s++) {
            h.ack(dur, "orders", s);
        }
        h.ack(q1, "orders", h.deliveries("_INBOX.q1").get(0).getSequence());
        h.advance(Duration.ofSeconds(31)); // AckWait: redeliveries are sent again
        h.unsubscribe("a", "orders", dur, "d", true); // the durable goes offline with its pending
        h.close("gone");
        h.advance(Duration.ofHours(2)); // "idle" has no subscription: deleted by max_inactivity
        assertThat(h.view().channel("idle")).isNull();
    }

    /** Everything a recovered server exposes about its state, in a stable order. */
    private static List<String> describe(EngineHarness h) {
        List<String> out = new ArrayList<>();
        EngineView v = h.view();
        v.clients().stream().sorted(Comparator.comparing(Snapshot.Client::id))
                .forEach(c -> out.add("client " + c.id() + " " + c.heartbeatInbox()));
        v.channels().stream().sorted(Comparator.comparing(Snapshot.Channel::name)).forEach(c -> {
            out.add("channel " + c.name() + " " + c.msgs() + " " + c.bytes() + " " + c.firstSeq() + ".." + c.lastSeq());
            c.subscriptions().stream().sorted(Comparator.comparingLong(Snapshot.Sub::id))
                    .forEach(s -> out.add("  " + s));
        });
        return out;
    }

    @Test
    void theCodecRoundTripsEveryOperationAndRefusesDamagedInput() throws Exception {
        Operation.Batch b = new Operation.Batch(List.of(
                new Operation.ServerInfo("c", "tok"),
                new Operation.AddClient(new io.stanchion.store.ClientRecord("id", "_INBOX.hb", new byte[] {1, 2},
                        1, 5, 3)),
                new Operation.DeleteClient("id"),
                new Operation.PutSubscription(new io.stanchion.store.SubscriptionRecord(7, "ch", "id", "_INBOX.x",
                        "_STAN.ack.x", "", "dur", 10, 30_000_000_000L, 42, true)),
                new Operation.DeleteSubscription(7),
                new Operation.Sent(7, 43), new Operation.Acked(7, 43),
                new Operation.CreateChannel("ch.\u00e9"), new Operation.Append("ch.\u00e9", 1, 99, new byte[] {9, 8}),
                new Operation.RemoveBefore("ch.\u00e9", 2), new Operation.DeleteChannel("ch.\u00e9")));
        byte[] bytes = OperationCodec.encode(b);
        Operation back = OperationCodec.decode(bytes);
        assertThat(OperationCodec.encode(back)).isEqualTo(bytes);
        assertThat(((Operation.Batch) back).operations()).hasSize(11);
        assertThat(((Operation.Batch) back).operations().get(3)).isEqualTo(b.operations().get(3));
        for (int cut = 0; cut < bytes.length; cut++) {
            byte[] truncated = java.util.Arrays.copyOf(bytes, cut);
            assertThatThrownBy(() -> OperationCodec.decode(truncated)).isInstanceOf(IOException.class);
        }
        byte[] trailing = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> OperationCodec.decode(trailing)).isInstanceOf(IOException.class);
        byte[] unknown = bytes.clone();
        unknown[1] = 99;
        assertThatThrownBy(() -> OperationCodec.decode(unknown)).hasMessageContaining("unknown operation type");
    }

    @Test
    void anAppendThatDoesNotFollowTheFollowersLogIsRefusedAsDivergence() {
        ChronicleMessageStore messages = new ChronicleMessageStore(dir.resolve("m"));
        ChronicleStateStore state = new ChronicleStateStore(dir.resolve("s"));
        try {
            OperationApplier applier = new OperationApplier(messages, state, false);
            applier.apply(new Operation.Batch(List.of(new Operation.CreateChannel("c"),
                    new Operation.Append("c", 1, 10, new byte[] {1}))));
            assertThatThrownBy(() -> applier.apply(new Operation.Append("c", 3, 11, new byte[] {2})))
                    .hasMessageContaining("diverged");
            assertThatThrownBy(() -> applier.apply(new Operation.Append("nope", 1, 11, new byte[] {2})))
                    .hasMessageContaining("diverged");
            assertThat(messages.existing("c").lastSequence()).isEqualTo(1);
            // A batch applied again (after a crash between its writes and the note that it was applied): no change.
            applier.apply(new Operation.Batch(List.of(new Operation.CreateChannel("c"),
                    new Operation.Append("c", 1, 10, new byte[] {1}))));
            assertThat(messages.existing("c").lastSequence()).isEqualTo(1);
            assertThat(messages.existing("c").read(1).record()).containsExactly(1);
            assertThatThrownBy(() -> applier.apply(new Operation.Append("c", 1, 10, new byte[] {7})))
                    .as("another message at a held sequence").hasMessageContaining("diverged");
            // Retention trims a channel and deletes it for inactivity in one batch; applied twice (a replay).
            Operation.Batch trimAndDelete = new Operation.Batch(List.of(new Operation.RemoveBefore("c", 2),
                    new Operation.DeleteChannel("c")));
            applier.apply(trimAndDelete);
            assertThat(messages.existing("c")).isNull();
            applier.apply(trimAndDelete);
            assertThat(messages.existing("c")).isNull();
        } finally {
            state.close();
            messages.close();
        }
    }
}
