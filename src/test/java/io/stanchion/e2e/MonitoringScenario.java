package io.stanchion.e2e;

import io.nats.streaming.Message;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.Subscription;
import io.nats.streaming.SubscriptionOptions;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The traffic the monitoring tests look at, built with the real Java STAN client on a server started with a
 * monitoring port:
 * <ul>
 * <li>clients {@code alpha} and {@code beta};</li>
 * <li>{@code orders}: 7 messages from alpha; beta's plain subscription (manual acks, MaxInFlight 5, never acks:
 *     5 pending, stalled, last_sent 5); alpha's durable {@code audit} (received and acked all 7, then closed:
 *     offline);</li>
 * <li>{@code events}: 3 messages from beta; beta's durable queue member {@code dur:grp} (durable "dur", queue
 *     "grp", manual acks, never acks: 3 pending); alpha's plain queue member {@code workers} (new only: nothing
 *     delivered, last_sent 3).</li>
 * </ul>
 */
final class MonitoringScenario {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final Duration ACK_WAIT = Duration.ofSeconds(120);

    static final int ORDERS = 7;
    static final int EVENTS = 3;
    static final int PLAIN_MAX_INFLIGHT = 5;

    final StanchionE2E test;
    final MonitorHttp http;
    StreamingConnection alpha;
    StreamingConnection beta;
    long ordersPayloadBytes;
    long eventsPayloadBytes;
    final List<Message> plainReceived = new CopyOnWriteArrayList<>();
    final List<Message> durableReceived = new CopyOnWriteArrayList<>();
    final List<Message> durableQueueReceived = new CopyOnWriteArrayList<>();
    final List<Message> workersReceived = new CopyOnWriteArrayList<>();
    Subscription plain;
    Subscription durable;
    Subscription durableQueue;
    Subscription workers;

    private MonitoringScenario(StanchionE2E test, MonitorHttp http) {
        this.test = test;
        this.http = http;
    }

    /** Starts a server with a free monitoring port and builds the scenario. */
    static MonitoringScenario run(StanchionE2E test) throws Exception {
        test.startServer(b -> {
            try {
                // without fsync: MetricsTest checks that the fsync histogram then stays empty
                return b.httpPort(NatsServerProcess.freePort()).fileSync(false);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        MonitoringScenario s = new MonitoringScenario(test, new MonitorHttp(test.server.monitoringPort()));
        s.build();
        return s;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void build() throws Exception {
        alpha = test.stan("alpha");
        beta = test.stan("beta");
        for (int i = 1; i <= ORDERS; i++) {
            byte[] data = utf8("order-" + i + "-" + "x".repeat(i * 10));
            ordersPayloadBytes += data.length;
            alpha.publish("orders", data);
        }
        for (int i = 1; i <= EVENTS; i++) {
            byte[] data = utf8("event-" + i);
            eventsPayloadBytes += data.length;
            beta.publish("events", data);
        }

        plain = beta.subscribe("orders", plainReceived::add, new SubscriptionOptions.Builder()
                .deliverAllAvailable().manualAcks().maxInFlight(PLAIN_MAX_INFLIGHT).ackWait(ACK_WAIT).build());
        await().atMost(WAIT).until(() -> plainReceived.size() == PLAIN_MAX_INFLIGHT);

        durable = alpha.subscribe("orders", durableReceived::add, new SubscriptionOptions.Builder()
                .durableName("audit").deliverAllAvailable().build()); // auto acks
        await().atMost(WAIT).until(() -> durableReceived.size() == ORDERS);
        // every auto ack processed before the close, so the offline durable has nothing pending
        await().atMost(WAIT).until(() -> subsOf("orders").stream()
                .anyMatch(s -> "audit".equals(s.get("durable_name")) && ((Long) s.get("pending_count")) == 0));
        durable.close();
        await().atMost(WAIT).until(() -> subsOf("orders").stream()
                .anyMatch(s -> "audit".equals(s.get("durable_name")) && Boolean.TRUE.equals(s.get("is_offline"))));

        durableQueue = beta.subscribe("events", "grp", durableQueueReceived::add, new SubscriptionOptions.Builder()
                .durableName("dur").deliverAllAvailable().manualAcks().ackWait(ACK_WAIT).build());
        await().atMost(WAIT).until(() -> durableQueueReceived.size() == EVENTS);

        workers = alpha.subscribe("events", "workers", workersReceived::add,
                new SubscriptionOptions.Builder().manualAcks().ackWait(ACK_WAIT).build());
        await().atMost(WAIT).until(() -> subsOf("events").size() == 2);
        assertThat(workersReceived).isEmpty();
    }

    /** The subscription objects of a channel from /streaming/channelsz?channel=&lt;name&gt;&amp;subs=1. */
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> subsOf(String channel) {
        Map<String, Object> ch = http.json("/streaming/channelsz?subs=1&channel=" + channel);
        return (List<Map<String, Object>>) ch.getOrDefault("subscriptions", List.of());
    }
}
