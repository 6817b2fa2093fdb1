package io.stanchion.e2e;

import io.nats.streaming.StreamingConnection;
import io.stanchion.monitor.Metrics;
import io.stanchion.protocol.pb.ConnectRequest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Prometheus {@code /metrics}: the text format, and values that match {@link MonitoringScenario} (server counters,
 * channel and subscription series, latency histograms, clients, heartbeat failures, JVM and process metrics).
 */
class MetricsTest extends StanchionE2E {
    private static final List<String> SUB_FAMILIES = List.of("stanchion_subscription_pending",
            "stanchion_subscription_last_sent", "stanchion_subscription_stalled", "stanchion_subscription_offline",
            "stanchion_subscription_redeliveries_total", "stanchion_subscription_lag");

    private static PromText scrape(MonitorHttp http) {
        MonitorHttp.Reply r = http.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/plain").contains("version=0.0.4");
        PromText p = PromText.parse(r.body());
        // well-formed: every sample belongs to a declared family, and no series appears twice
        Set<String> series = new HashSet<>();
        for (PromText.Sample s : p.samples) {
            assertThat(family(p, s.name())).as("TYPE of %s", s.name()).isNotNull();
            assertThat(series.add(s.name() + s.labels())).as("duplicate series %s%s", s.name(), s.labels()).isTrue();
        }
        return p;
    }

    private static String family(PromText p, String sample) {
        if (p.types.containsKey(sample)) {
            return sample;
        }
        for (String suffix : List.of("_bucket", "_count", "_sum")) {
            if (sample.endsWith(suffix)) {
                String base = sample.substring(0, sample.length() - suffix.length());
                if (p.types.containsKey(base)) {
                    return base;
                }
            }
        }
        return null;
    }

    private static int startMonitored(StanchionE2E t, java.util.function.UnaryOperator<io.stanchion.config.ServerConfig.Builder> tweak)
            throws Exception {
        int port = NatsServerProcess.freePort();
        t.startServer(b -> tweak.apply(b.httpPort(port)));
        return t.server.monitoringPort();
    }

    @Test
    void serverAndChannelSeriesMatchTheScenario() throws Exception {
        MonitoringScenario s = MonitoringScenario.run(this);
        PromText p = scrape(s.http);
        Map<String, Object> serverz = s.http.json("/streaming/serverz");

        assertThat(p.types).containsEntry("stanchion_server_in_msgs_total", "counter")
                .containsEntry("stanchion_channel_msgs", "gauge")
                .containsEntry("stanchion_pub_ack_latency_seconds", "histogram");
        assertThat(p.value("stanchion_server_in_msgs_total", "cluster_id", clusterId)).isEqualTo(10);
        assertThat(p.value("stanchion_server_out_msgs_total")).isEqualTo(15);
        assertThat(p.value("stanchion_server_in_bytes_total")).isEqualTo(((Long) serverz.get("in_bytes")).doubleValue());
        assertThat(p.value("stanchion_server_out_bytes_total")).isEqualTo(((Long) serverz.get("out_bytes")).doubleValue());
        assertThat(p.value("stanchion_server_redeliveries_total")).isZero();
        assertThat(p.value("stanchion_clients")).isEqualTo(2);
        assertThat(p.value("stanchion_channels")).isEqualTo(2);
        assertThat(p.value("stanchion_subscriptions")).isEqualTo(4);

        Map<String, Object> orders = s.http.json("/streaming/channelsz?channel=orders");
        assertThat(p.value("stanchion_channel_msgs", "channel", "orders")).isEqualTo(MonitoringScenario.ORDERS);
        assertThat(p.value("stanchion_channel_msgs", "channel", "events")).isEqualTo(MonitoringScenario.EVENTS);
        assertThat(p.value("stanchion_channel_bytes", "channel", "orders"))
                .isEqualTo(((Long) orders.get("bytes")).doubleValue()).isGreaterThan(s.ordersPayloadBytes);
        assertThat(p.value("stanchion_channel_first_seq", "channel", "orders")).isEqualTo(1);
        assertThat(p.value("stanchion_channel_last_seq", "channel", "orders")).isEqualTo(7);
        assertThat(p.value("stanchion_channel_published_total", "channel", "orders")).isEqualTo(7);
        assertThat(p.value("stanchion_channel_published_total", "channel", "events")).isEqualTo(3);
        assertThat(p.find("stanchion_channel_msgs")).hasSize(2);

        // more traffic moves the counters
        s.alpha.publish("orders", MonitoringScenario.utf8("one more"));
        PromText after = scrape(s.http);
        assertThat(after.value("stanchion_channel_published_total", "channel", "orders")).isEqualTo(8);
        assertThat(after.value("stanchion_server_in_msgs_total")).isEqualTo(11);
        assertThat(after.value("stanchion_subscription_lag", "channel", "orders", "client_id", "beta")).isEqualTo(3);
    }

    @Test
    void subscriptionSeriesMatchTheScenario() throws Exception {
        MonitoringScenario s = MonitoringScenario.run(this);
        PromText p = scrape(s.http);
        for (String f : SUB_FAMILIES) {
            assertThat(p.find(f)).as(f).hasSize(4);
            for (PromText.Sample x : p.find(f)) {
                assertThat(x.labels()).as("no inbox labels: cardinality").containsOnlyKeys("channel", "client_id",
                        "cluster_id", "durable_name", "queue_name", "subscription");
            }
        }
        String[] plain = {"channel", "orders", "client_id", "beta", "durable_name", ""};
        assertThat(p.value("stanchion_subscription_pending", plain)).isEqualTo(5);
        assertThat(p.value("stanchion_subscription_last_sent", plain)).isEqualTo(5);
        assertThat(p.value("stanchion_subscription_stalled", plain)).isEqualTo(1);
        assertThat(p.value("stanchion_subscription_offline", plain)).isZero();
        assertThat(p.value("stanchion_subscription_lag", plain)).isEqualTo(2);
        assertThat(p.value("stanchion_subscription_redeliveries_total", plain)).isZero();

        String[] audit = {"channel", "orders", "durable_name", "audit"};
        assertThat(p.value("stanchion_subscription_offline", audit)).isEqualTo(1);
        assertThat(p.value("stanchion_subscription_pending", audit)).isZero();
        assertThat(p.value("stanchion_subscription_lag", audit)).isZero();
        assertThat(p.first("stanchion_subscription_offline", audit).orElseThrow().labels())
                .containsEntry("client_id", "alpha");

        String[] dq = {"channel", "events", "queue_name", "dur:grp", "durable_name", "dur", "client_id", "beta"};
        assertThat(p.value("stanchion_subscription_pending", dq)).isEqualTo(3);
        assertThat(p.value("stanchion_subscription_stalled", dq)).isZero();
        assertThat(p.value("stanchion_subscription_last_sent", "queue_name", "workers")).isEqualTo(3);
        assertThat(p.value("stanchion_subscription_pending", "queue_name", "workers")).isZero();
    }

    @Test
    void seriesOfADeletedSubscriptionDisappearAtTheNextScrape() throws Exception {
        MonitoringScenario s = MonitoringScenario.run(this);
        PromText before = scrape(s.http);
        String id = before.first("stanchion_subscription_pending", "channel", "orders", "client_id", "beta")
                .orElseThrow().labels().get("subscription");
        s.plain.unsubscribe();
        await().atMost(MonitoringScenario.WAIT).until(() -> s.subsOf("orders").size() == 1);
        PromText after = scrape(s.http);
        for (String f : SUB_FAMILIES) {
            assertThat(after.find(f, "subscription", id)).as(f).isEmpty();
            assertThat(after.find(f)).as(f).hasSize(3);
        }
        assertThat(after.value("stanchion_subscriptions")).isEqualTo(3);

        // a whole client going away: its durable queue member leaves a shadow (offline), its plain queue member goes
        s.alpha.close();
        await().atMost(MonitoringScenario.WAIT).until(() -> scrape(s.http).value("stanchion_clients") == 1);
        PromText gone = scrape(s.http);
        assertThat(gone.find("stanchion_subscription_pending", "queue_name", "workers")).isEmpty();
        assertThat(gone.value("stanchion_subscription_offline", "durable_name", "audit")).isEqualTo(1);
    }

    @Test
    void latencyHistogramsAreCumulativeAndCountEveryPublish() throws Exception {
        MonitoringScenario s = MonitoringScenario.run(this);
        PromText p = scrape(s.http);
        List<PromText.Sample> buckets = p.find("stanchion_pub_ack_latency_seconds_bucket");
        assertThat(buckets.size()).isGreaterThan(10);
        double last = -1;
        for (PromText.Sample b : buckets) { // exposition order is by ascending le
            assertThat(b.labels()).containsKey("le");
            assertThat(b.value()).isGreaterThanOrEqualTo(last);
            last = b.value();
        }
        assertThat(p.value("stanchion_pub_ack_latency_seconds_bucket", "le", "+Inf")).isEqualTo(10);
        assertThat(p.value("stanchion_pub_ack_latency_seconds_count")).isEqualTo(10);
        assertThat(p.value("stanchion_pub_ack_latency_seconds_sum")).isPositive();
        assertThat(p.value("stanchion_store_append_latency_seconds_count")).isEqualTo(10);
        assertThat(p.find("stanchion_store_append_latency_seconds_bucket")).isNotEmpty();
        assertThat(p.value("stanchion_store_flush_latency_seconds_count")).isBetween(1.0, 10.0);
        // no --file_sync: the fsync histogram is exported, empty
        assertThat(p.find("stanchion_store_fsync_latency_seconds_bucket")).isNotEmpty();
        assertThat(p.value("stanchion_store_fsync_latency_seconds_count")).isZero();
        assertThat(p.value("stanchion_publish_batch_size_sum")).isEqualTo(10);
    }

    @Test
    void fileSyncFlushesAreTimedAsFsyncs() throws Exception {
        MonitorHttp http = new MonitorHttp(startMonitored(this, b -> b.fileSync(true)));
        StreamingConnection sc = stan("syncer");
        for (int i = 0; i < 3; i++) {
            sc.publish("synced", MonitoringScenario.utf8("m" + i));
        }
        PromText p = scrape(http);
        assertThat(p.value("stanchion_store_fsync_latency_seconds_count")).isBetween(1.0, 3.0);
        assertThat(p.value("stanchion_store_flush_latency_seconds_count")).isZero();
        assertThat(p.value("stanchion_channel_msgs", "channel", "synced")).isEqualTo(3);
    }

    @Test
    void heartbeatFailuresAreCountedAndTheClientGoes() throws Exception {
        MonitorHttp http = new MonitorHttp(startMonitored(this, b -> b.hbInterval(Duration.ofMillis(200))
                .hbTimeout(Duration.ofMillis(500)).hbFailCount(2)));
        stan("healthy"); // answers heartbeats
        RawStan raw = new RawStan(raw(), clusterId);
        // a heartbeat inbox nobody listens on: every heartbeat fails
        assertThat(raw.connect(ConnectRequest.newBuilder().setClientID("silent")
                .setHeartbeatInbox("_INBOX.silent." + RawStan.nuid()).setProtocol(1)
                .setConnID(RawStan.connId("silent")).setPingInterval(5).setPingMaxOut(3).build()).getError())
                .isEmpty();
        assertThat(scrape(http).value("stanchion_clients")).isEqualTo(2);
        await().atMost(MonitoringScenario.WAIT)
                .until(() -> scrape(http).value("stanchion_heartbeat_failures_total") >= 2);
        await().atMost(MonitoringScenario.WAIT).until(() -> scrape(http).value("stanchion_clients") == 1);
        assertThat(http.get("/streaming/clientsz?client=silent").status()).isEqualTo(404);
        assertThat(http.json("/streaming/clientsz?client=healthy")).containsEntry("id", "healthy");
    }

    @Test
    void jvmAndProcessMetrics() throws Exception {
        MonitorHttp http = new MonitorHttp(startMonitored(this, b -> b));
        PromText p = scrape(http);
        assertThat(p.find("jvm_memory_used_bytes", "area", "heap")).isNotEmpty()
                .allSatisfy(x -> assertThat(x.value()).isNotNegative());
        assertThat(p.find("jvm_memory_used_bytes", "area", "heap").stream().mapToDouble(PromText.Sample::value)
                .sum()).isPositive();
        assertThat(p.value("jvm_threads_live_threads")).isPositive();
        assertThat(p.value("process_uptime_seconds")).isPositive();
        assertThat(p.value("process_files_open_files")).isPositive();
        assertThat(p.names()).contains("process_cpu_usage", "process_start_time_seconds", "system_cpu_count",
                "jvm_classes_loaded_classes", "jvm_memory_max_bytes");
        assertThat(p.find("stanchion_server_in_msgs_total").get(0).labels()).containsEntry("cluster_id", clusterId);
        assertThat(Metrics.MAX_SUBSCRIPTION_SERIES).isPositive();
    }
}
