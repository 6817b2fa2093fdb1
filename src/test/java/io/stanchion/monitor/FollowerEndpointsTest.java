package io.stanchion.monitor;

import io.stanchion.config.ServerConfig;
import io.stanchion.e2e.MiniJson;
import io.stanchion.engine.Engine;
import io.stanchion.engine.FailStop;
import io.stanchion.engine.StateView;
import io.stanchion.engine.StoredView;
import io.stanchion.store.ClientRecord;
import io.stanchion.store.RecoveredState;
import io.stanchion.store.RecoveredState.RecoveredSubscription;
import io.stanchion.store.SubscriptionRecord;
import io.stanchion.store.memory.MemoryMessageStore;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cluster follower's endpoints, answered from a {@link StoredView} of its stores with the leader's JSON shapes;
 * and what a follower whose stores stay busy answers.
 */
class FollowerEndpointsTest {
    private static final ServerConfig CONFIG = ServerConfig.builder().clusterId("cid").build();

    private static Served follower(CompletableFuture<StateView> state) {
        FailStop failStop = new FailStop();
        return new Served() {
            @Override
            public Engine engine() {
                return null;
            }

            @Override
            public CompletableFuture<StateView> storedState(Duration maxWait) {
                return state;
            }

            @Override
            public FailStop failStop() {
                return failStop;
            }

            @Override
            public String nodeId() {
                return "b";
            }

            @Override
            public String role() {
                return "Follower";
            }
        };
    }

    private static SubscriptionRecord sub(long id, String channel, String client, String group, String durable,
                                          int maxInFlight, boolean offline) {
        return new SubscriptionRecord(id, channel, client, "_INBOX." + id, "_STAN.ack.t." + id, group, durable,
                maxInFlight, 30_000_000_000L, 0, offline);
    }

    private static StoredView view() {
        MemoryMessageStore messages = new MemoryMessageStore();
        for (int i = 0; i < 3; i++) {
            messages.channel("orders").append(1_000 + i, new byte[10]);
        }
        messages.channel("empty");
        RecoveredState state = new RecoveredState("cid", "tok",
                List.of(new ClientRecord("zed", "_INBOX.hb.zed", null, 1, 5, 3),
                        new ClientRecord("amy", "_INBOX.hb.amy", null, 1, 5, 3)),
                List.of(new RecoveredSubscription(sub(1, "orders", "amy", "", "dur", 2, false), 3, new long[] {2, 3}),
                        new RecoveredSubscription(sub(2, "orders", "amy", "dur:grp", "dur", 5, false), 1,
                                new long[] {1}),
                        new RecoveredSubscription(sub(3, "orders", "zed", "dur:grp", "dur", 5, false), 3,
                                new long[0]),
                        new RecoveredSubscription(sub(4, "orders", "gone", "", "old", 5, true), 2, new long[0])),
                4);
        return StoredView.of(state, messages.channels());
    }

    private static Map<String, Object> json(StreamingEndpoints e, String path, Map<String, List<String>> q)
            throws Exception {
        Response r = e.handle(path, q).get();
        assertThat(r.status()).as(path + ": " + r.body()).isEqualTo(200);
        return MiniJson.object(r.body());
    }

    @Test
    @SuppressWarnings("unchecked")
    void aFollowerAnswersFromItsStoresWithTheLeadersShapes() throws Exception {
        StreamingEndpoints e = new StreamingEndpoints(CONFIG, follower(CompletableFuture.completedFuture(view())),
                "sid", "FILE");
        Map<String, Object> serverz = json(e, "/streaming/serverz", Map.of());
        assertThat(serverz).containsEntry("state", "CLUSTERED").containsEntry("role", "Follower")
                .containsEntry("clients", 2L).containsEntry("subscriptions", 4L).containsEntry("channels", 2L)
                .containsEntry("total_msgs", 3L).containsEntry("total_bytes", 30L).containsEntry("in_msgs", 0L);

        Map<String, Object> clients = json(e, "/streaming/clientsz", Map.of("subs", List.of("1")));
        List<Map<String, Object>> list = (List<Map<String, Object>>) clients.get("clients");
        assertThat(list).extracting(c -> c.get("id")).containsExactly("amy", "zed"); // sorted by ID
        assertThat(list.get(0)).containsEntry("subs_count", 2L);
        assertThat(json(e, "/streaming/clientsz", Map.of("client", List.of("zed")))).containsEntry("subs_count", 1L);
        assertThat(e.handle("/streaming/clientsz", Map.of("client", List.of("gone"))).get().status()).isEqualTo(404);

        Map<String, Object> orders = json(e, "/streaming/channelsz",
                Map.of("channel", List.of("orders"), "subs", List.of("1")));
        assertThat(orders).containsEntry("msgs", 3L).containsEntry("bytes", 30L).containsEntry("first_seq", 1L)
                .containsEntry("last_seq", 3L).containsEntry("subs_count", 4L);
        Map<Long, Map<String, Object>> byInbox = new java.util.HashMap<>();
        for (Map<String, Object> s : (List<Map<String, Object>>) orders.get("subscriptions")) {
            byInbox.put(Long.parseLong(((String) s.get("inbox")).substring("_INBOX.".length())), s);
        }
        assertThat(byInbox.get(1L)).containsEntry("durable_name", "dur").containsEntry("pending_count", 2L)
                .containsEntry("is_stalled", true).containsEntry("last_sent", 3L);
        // a durable queue member: queue_name dur:grp, no durable_name, its group's last sent
        assertThat(byInbox.get(2L)).doesNotContainKey("durable_name").containsEntry("queue_name", "dur:grp")
                .containsEntry("last_sent", 3L).containsEntry("is_durable", true).containsEntry("is_stalled", false);
        assertThat(byInbox.get(4L)).containsEntry("is_offline", true);
        Map<String, Object> empty = json(e, "/streaming/channelsz", Map.of("channel", List.of("empty")));
        assertThat(empty).containsEntry("msgs", 0L).containsEntry("first_seq", 0L).containsEntry("last_seq", 0L);
        assertThat((List<Object>) json(e, "/streaming/channelsz", Map.of()).get("names"))
                .containsExactly("empty", "orders");
        assertThat(json(e, "/streaming/storez", Map.of())).containsEntry("type", "FILE")
                .containsEntry("total_msgs", 3L);
    }

    @Test
    void aFollowerWhoseStoresStayBusyAnswersServerzWithoutCountsAndTheOthersWith503() throws Exception {
        StreamingEndpoints e = new StreamingEndpoints(CONFIG, follower(CompletableFuture.failedFuture(
                new IllegalStateException("server busy"))), "sid", "FILE");
        Map<String, Object> serverz = json(e, "/streaming/serverz", Map.of());
        assertThat(serverz).containsEntry("role", "Follower").containsEntry("node_id", "b")
                .doesNotContainKey("clients");
        CompletableFuture<Response> channels = e.handle("/streaming/channelsz", Map.of());
        // MonitorServer answers a query failing with IllegalStateException with 503 and its message
        assertThat(channels).isCompletedExceptionally();
        assertThat(channels.handle((r, x) -> x).get()).hasRootCauseInstanceOf(IllegalStateException.class);
    }
}
