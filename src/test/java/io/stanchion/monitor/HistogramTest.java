package io.stanchion.monitor;

import io.stanchion.engine.EngineMetrics;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Histogram}: bucket bounds and lookup, the Prometheus text, the max's window, a reader beside the writer. */
class HistogramTest {
    private static final long SECOND = 1_000_000_000L;
    private static final Pattern SAMPLE = Pattern.compile("(\\w+)\\{cluster_id=\"c\"(?:,le=\"([^\"]+)\")?} (\\S+)");

    private static Histogram sizes() {
        return new Histogram("batch", "Batch sizes", 0, 4096, 0, 0);
    }

    private static String render(Histogram h, long now) {
        StringBuilder out = new StringBuilder();
        h.render(out, "cluster_id=\"c\"", now);
        return out.toString();
    }

    /** The {@code _bucket} samples of a rendering, by {@code le}, in order. */
    private static Map<String, Long> buckets(String text) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (m.matches() && m.group(1).endsWith("_bucket")) {
                out.put(m.group(2), Long.parseLong(m.group(3)));
            }
        }
        return out;
    }

    private static String value(String text, String sample) {
        for (String line : text.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (m.matches() && m.group(1).equals(sample)) {
                return m.group(3);
            }
        }
        throw new AssertionError("no " + sample + " in\n" + text);
    }

    @Test
    void boundsAreLogLinearAndTheLookupFindsTheFirstBoundAtOrAboveTheValue() {
        Histogram latency = Histogram.latency("l", "latency");
        long[] lb = latency.bounds();
        assertThat(lb).hasSize(97).startsWith(256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2560, 3072);
        assertThat(lb[lb.length - 1]).isEqualTo(10_737_418_240L).isGreaterThanOrEqualTo(10 * SECOND);
        long[] sb = sizes().bounds();
        assertThat(sb).hasSize(44).startsWith(1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20);
        assertThat(sb[sb.length - 1]).isEqualTo(4096);
        for (Histogram h : List.of(latency, sizes())) {
            long[] b = h.bounds();
            for (int i = 0; i < b.length; i++) {
                assertThat(h.index(b[i])).as("bound %d", b[i]).isEqualTo(i);
                assertThat(h.index(b[i] + 1)).as("above bound %d", b[i]).isEqualTo(i + 1);
                if (i >= 8) {
                    assertThat((double) b[i] / b[i - 1]).as("width at %d", b[i]).isLessThanOrEqualTo(1.25);
                }
            }
            assertThat(h.index(0)).isZero();
            assertThat(h.index(1)).isZero();
            assertThat(h.index(-7)).isZero();
            assertThat(h.index(Long.MAX_VALUE)).isEqualTo(b.length); // +Inf
        }
    }

    @Test
    void renderingIsCumulativeWithInfCountAndSum() {
        Histogram h = sizes();
        long[] values = {1, 1, 2, 3, 9, 10, 11, 100, 4096};
        for (long v : values) {
            h.record(v);
        }
        String text = render(h, 0);
        assertThat(text).startsWith("# HELP batch Batch sizes\n# TYPE batch histogram\nbatch_bucket{cluster_id=\"c\",le=\"1.0\"} 2\n");
        Map<String, Long> b = buckets(text);
        assertThat(b).hasSize(45).containsEntry("1.0", 2L).containsEntry("2.0", 3L).containsEntry("8.0", 4L)
                .containsEntry("10.0", 6L).containsEntry("12.0", 7L).containsEntry("96.0", 7L)
                .containsEntry("112.0", 8L).containsEntry("3584.0", 8L).containsEntry("4096.0", 9L)
                .containsEntry("+Inf", 9L);
        assertThat(new ArrayList<>(b.keySet())).endsWith("+Inf");
        long last = 0;
        for (long c : b.values()) {
            assertThat(c).isGreaterThanOrEqualTo(last);
            last = c;
        }
        assertThat(value(text, "batch_count")).isEqualTo("9");
        assertThat(value(text, "batch_sum")).isEqualTo("4233");
        assertThat(value(text, "batch_max")).isEqualTo("4096");
        assertThat(text).containsOnlyOnce("# TYPE batch histogram").containsOnlyOnce("# TYPE batch_max gauge");
    }

    @Test
    void aValueAboveTheLastBoundCountsInInfOnly() {
        Histogram h = sizes();
        h.record(5);
        Map<String, Long> before = buckets(render(h, 0));
        h.record(4097);
        String text = render(h, 0);
        Map<String, Long> after = buckets(text);
        before.forEach((le, c) -> assertThat(after.get(le)).as(le).isEqualTo(le.equals("+Inf") ? c + 1 : c));
        assertThat(value(text, "batch_count")).isEqualTo("2");
        assertThat(value(text, "batch_sum")).isEqualTo("4102");
    }

    @Test
    void latenciesAreRenderedInSeconds() {
        Histogram h = new Histogram("lat_seconds", "Latency", 8, 10 * SECOND, 9, 0);
        h.record(150_000);
        h.record(-3); // a clock step: counts as 0
        h.record(20 * SECOND);
        String text = render(h, 0);
        Map<String, Long> b = buckets(text);
        assertThat(b).containsEntry("0.000000256", 1L).containsEntry("0.000131072", 1L)
                .containsEntry("0.00016384", 2L).containsEntry("10.73741824", 2L).containsEntry("+Inf", 3L);
        assertThat(value(text, "lat_seconds_sum")).isEqualTo("20.00015");
        assertThat(value(text, "lat_seconds_max")).isEqualTo("20");
        for (String le : b.keySet()) {
            if (!le.equals("+Inf")) {
                assertThat(Double.parseDouble(le)).isPositive().isLessThan(11);
            }
        }
    }

    @Test
    void maxIsTheLargestOfTheLast80To120Seconds() {
        Histogram h = sizes();
        h.record(100);
        assertThat(value(render(h, 0), "batch_max")).isEqualTo("100");
        h.record(50);
        assertThat(value(render(h, 50 * SECOND), "batch_max")).isEqualTo("100");
        assertThat(value(render(h, 90 * SECOND), "batch_max")).isEqualTo("100");
        assertThat(value(render(h, 130 * SECOND), "batch_max")).isEqualTo("50"); // the 100's slot is reused
        h.record(7);
        assertThat(value(render(h, 131 * SECOND), "batch_max")).isEqualTo("50");
        assertThat(value(render(h, 1000 * SECOND), "batch_max")).isEqualTo("0"); // all slots expired
        assertThat(value(render(h, 1000 * SECOND), "batch_count")).isEqualTo("3"); // the buckets never reset
    }

    /**
     * The writer records a known sequence while a reader takes snapshots: whatever the sum a snapshot read includes
     * (a prefix of the sequence), its buckets count at least that prefix, and no bucket ever goes down.
     */
    @Test
    void aConcurrentReaderNeverSeesTheSumAheadOfTheBuckets() throws Exception {
        Histogram h = sizes();
        long[] cycle = {1, 2, 9, 100, 4096, 5000, 3};
        long cycleSum = 0;
        for (long v : cycle) {
            cycleSum += v;
        }
        int records = 20_000_000;
        Thread writer = new Thread(() -> {
            for (int i = 0; i < records; i++) {
                h.record(cycle[i % cycle.length]);
            }
        });
        long[] previous = new long[h.bounds().length + 1];
        int snapshots = 0;
        writer.start();
        while (writer.isAlive() || snapshots == 0) {
            Histogram.Snapshot s = h.snapshot();
            snapshots++;
            // the records the sum includes: whole cycles, then a partial one
            long full = s.sum() / cycleSum;
            long rest = s.sum() - full * cycleSum;
            long[] expected = new long[previous.length];
            for (long v : cycle) {
                expected[h.index(v)] += full;
            }
            for (int k = 0; rest > 0; k++) {
                rest -= cycle[k];
                expected[h.index(cycle[k])]++;
            }
            assertThat(rest).as("the sum is a prefix of the sequence").isZero();
            for (int i = 0; i < previous.length; i++) {
                assertThat(s.buckets()[i]).as("bucket %d", i).isGreaterThanOrEqualTo(expected[i])
                        .isGreaterThanOrEqualTo(previous[i]);
            }
            previous = s.buckets();
        }
        writer.join();
        long total = 0;
        for (int i = 0; i < records; i++) {
            total += cycle[i % cycle.length];
        }
        Histogram.Snapshot last = h.snapshot();
        assertThat(last.count()).isEqualTo(records);
        assertThat(last.sum()).isEqualTo(total);
        assertThat(snapshots).isPositive();
    }

    @Test
    void metricsRenderEachHotHistogramOnceAfterTheRegistry() {
        Metrics metrics = new Metrics("c\"1");
        EngineMetrics e = metrics.engineMetrics();
        e.pubAckLatency(2_000);
        e.appendLatency(1_000);
        e.flushLatency(50_000, false);
        e.batchCommitted(3);
        e.batchCommitted(0); // not a batch
        String text = metrics.render();
        for (String name : List.of("stanchion_pub_ack_latency_seconds", "stanchion_store_append_latency_seconds",
                "stanchion_store_flush_latency_seconds", "stanchion_store_fsync_latency_seconds",
                "stanchion_publish_batch_size")) {
            assertThat(text).containsOnlyOnce("# TYPE " + name + " histogram\n")
                    .containsOnlyOnce("# TYPE " + name + "_max gauge\n")
                    .contains(name + "_bucket{cluster_id=\"c\\\"1\",le=\"+Inf\"} ");
        }
        assertThat(text).contains("stanchion_pub_ack_latency_seconds_count{cluster_id=\"c\\\"1\"} 1\n")
                .contains("stanchion_store_fsync_latency_seconds_count{cluster_id=\"c\\\"1\"} 0\n")
                .contains("stanchion_publish_batch_size_sum{cluster_id=\"c\\\"1\"} 3\n")
                .contains("stanchion_publish_batch_size_count{cluster_id=\"c\\\"1\"} 1\n")
                .contains("# TYPE stanchion_heartbeat_failures_total counter\n");
        List<String> types = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                types.add(line.split(" ")[2]);
            }
        }
        assertThat(types).doesNotHaveDuplicates();
    }
}
