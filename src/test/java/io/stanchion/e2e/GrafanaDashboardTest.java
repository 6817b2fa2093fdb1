package io.stanchion.e2e;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code config/grafana/dashboards/stanchion.json}: every metric its PromQL uses exists in a live {@code /metrics}
 * scrape of a server with traffic; the dashboard is well-formed; the provisioning file, docker-compose mount and
 * datasource agree.
 */
class GrafanaDashboardTest extends StanchionE2E {
    private static final Path ROOT = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    private static final Path DASHBOARD = ROOT.resolve("config/grafana/dashboards/stanchion.json");

    private static final Set<String> PROMQL_WORDS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan", "le");

    /** The metric names a PromQL expression reads (functions, keywords, labels, strings and variables removed). */
    static Set<String> metricNames(String expr) {
        String e = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"") // string literals
                .replaceAll("\\{[^}]*}", " ") // label matchers
                .replaceAll("\\[[^]]*]", " ") // range selectors
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
                .replaceAll("\\boffset\\s+-?[$\\w]+", " ") // offset modifiers (durations)
                .replaceAll("\\$\\{[^}]*}|\\$\\w+", " ") // Grafana variables
                .replaceAll("\\b\\d+(\\.\\d+)?([eE][-+]?\\d+)?\\b", " "); // numbers
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?").matcher(e);
        while (m.find()) {
            if (m.group(2) == null && !PROMQL_WORDS.contains(m.group(1))) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void collect(Object node, List<String> exprs, List<Map<String, Object>> panels) {
        if (node instanceof Map<?, ?> m) {
            Map<String, Object> map = (Map<String, Object>) m;
            if (map.containsKey("gridPos") && map.containsKey("type")) {
                panels.add(map);
            }
            if (map.get("expr") instanceof String s) {
                exprs.add(s);
            }
            map.values().forEach(v -> collect(v, exprs, panels));
        } else if (node instanceof List<?> l) {
            l.forEach(v -> collect(v, exprs, panels));
        }
    }

    @Test
    void theExtractorFindsMetricsAndNothingElse() {
        assertThat(metricNames("histogram_quantile(0.99, sum by (le, channel) (rate(foo_seconds_bucket"
                + "{cluster_id=~\"$cluster_id\",a=\"x{y}\"}[$__rate_interval]))) / on(instance) group_left(job) "
                + "bar_total offset 5m > 1e3 or vector(0)"))
                .containsExactlyInAnyOrder("foo_seconds_bucket", "bar_total");
        assertThat(metricNames("sum(rate(a_total[5m])) / sum(rate(b_count[5m]))")).containsExactly("a_total", "b_count");
        assertThat(metricNames("topk(20, stanchion_subscription_lag{channel=~\"$channel\"})"))
                .containsExactly("stanchion_subscription_lag");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyMetricOfTheDashboardExistsInALiveScrape() throws Exception {
        Map<String, Object> dash = MiniJson.object(Files.readString(DASHBOARD));
        assertThat(dash).containsEntry("uid", "stanchion").containsEntry("title", "Stanchion");
        List<String> exprs = new ArrayList<>();
        List<Map<String, Object>> panels = new ArrayList<>();
        collect(dash.get("panels"), exprs, panels);
        // template variable queries: label_values(<metric>, label)
        for (Map<String, Object> v : (List<Map<String, Object>>) ((Map<String, Object>) dash.get("templating"))
                .get("list")) {
            if ("query".equals(v.get("type"))) {
                Object q = v.get("query");
                exprs.add((q instanceof Map<?, ?> qm ? (String) qm.get("query") : (String) q)
                        .replaceAll("^label_values\\((.*),\\s*\\w+\\)$", "$1"));
            }
        }

        Set<Object> ids = new HashSet<>();
        for (Map<String, Object> p : panels) {
            assertThat(ids.add(p.get("id"))).as("unique panel id %s", p.get("id")).isTrue();
            Map<String, Object> grid = (Map<String, Object>) p.get("gridPos");
            assertThat((Long) grid.get("x") + (Long) grid.get("w")).as("%s fits 24 columns", p.get("title"))
                    .isLessThanOrEqualTo(24);
            if (!"row".equals(p.get("type"))) {
                List<Map<String, Object>> targets = (List<Map<String, Object>>) p.get("targets");
                assertThat(targets).as("targets of %s", p.get("title")).isNotEmpty();
                for (Map<String, Object> t : targets) {
                    assertThat((String) t.get("expr")).isNotBlank();
                    assertThat(t).containsKey("refId");
                    assertThat((Map<String, Object>) t.get("datasource")).containsEntry("uid", "${datasource}");
                }
            }
        }

        Set<String> used = new TreeSet<>();
        exprs.forEach(e -> used.addAll(metricNames(e)));
        // the dashboard covers what it is meant to show
        assertThat(used).contains("stanchion_server_in_msgs_total", "stanchion_server_out_msgs_total",
                "stanchion_server_in_bytes_total", "stanchion_server_out_bytes_total",
                "stanchion_channel_published_total", "stanchion_channel_msgs", "stanchion_channel_bytes",
                "stanchion_subscription_pending", "stanchion_subscription_lag", "stanchion_subscription_stalled",
                "stanchion_subscription_redeliveries_total", "stanchion_pub_ack_latency_seconds_bucket",
                "stanchion_store_append_latency_seconds_bucket", "stanchion_store_flush_latency_seconds_bucket",
                "stanchion_store_fsync_latency_seconds_bucket", "stanchion_clients",
                "stanchion_heartbeat_failures_total", "jvm_memory_used_bytes", "jvm_gc_pause_seconds_sum",
                "jvm_gc_pause_seconds_count");

        MonitoringScenario s = MonitoringScenario.run(this);
        // GC pause series exist once a collection happened; the server runs in this JVM
        System.gc();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            PromText p = PromText.parse(s.http.get("/metrics").body());
            if (p.names().contains("jvm_gc_pause_seconds_count")) {
                return true;
            }
            System.gc();
            return false;
        });
        PromText scrape = PromText.parse(s.http.get("/metrics").body());
        Set<String> missing = new TreeSet<>();
        for (String name : used) {
            if (!exists(scrape, name)) {
                missing.add(name);
            }
        }
        assertThat(missing).as("metrics used by the dashboard but not exported").isEmpty();
    }

    /** A sample with this name, or a histogram/summary family it is the _bucket/_count/_sum of. */
    private static boolean exists(PromText scrape, String name) {
        if (scrape.names().contains(name)) {
            return true;
        }
        for (String suffix : List.of("_bucket", "_count", "_sum")) {
            if (name.endsWith(suffix)) {
                String type = scrape.types.get(name.substring(0, name.length() - suffix.length()));
                if ("histogram".equals(type) || ("summary".equals(type) && !suffix.equals("_bucket"))) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void provisioningComposeMountAndDatasourceAgree() throws Exception {
        String provisioning = Files.readString(ROOT.resolve("config/grafana/provisioning/dashboards/stanchion.yml"));
        Matcher path = Pattern.compile("(?m)^\\s*path:\\s*(\\S+)\\s*$").matcher(provisioning);
        assertThat(path.find()).as("options.path in the provisioning file").isTrue();
        String compose = Files.readString(ROOT.resolve("docker-compose.yml"));
        Matcher mount = Pattern.compile("(?m)^\\s*-\\s*\\./config/grafana/dashboards:([^:\\s]+)(:ro)?").matcher(compose);
        assertThat(mount.find()).as("docker-compose mounts config/grafana/dashboards").isTrue();
        assertThat(mount.group(1)).isEqualTo(path.group(1));
        assertThat(compose).contains("./config/grafana/provisioning:/etc/grafana/provisioning");

        String datasource = Files.readString(ROOT.resolve("config/grafana/provisioning/datasources/prometheus.yml"));
        Matcher uid = Pattern.compile("(?m)^\\s*uid:\\s*(\\S+)\\s*$").matcher(datasource);
        assertThat(uid.find()).isTrue();
        Map<String, Object> dash = MiniJson.object(Files.readString(DASHBOARD));
        @SuppressWarnings("unchecked")
        Map<String, Object> dsVar = ((List<Map<String, Object>>) ((Map<String, Object>) dash.get("templating"))
                .get("list")).stream().filter(v -> "datasource".equals(v.get("name"))).findFirst().orElseThrow();
        assertThat(dsVar).containsEntry("type", "datasource").containsEntry("query", "prometheus");
        assertThat(((Map<?, ?>) dsVar.get("current")).get("value")).isEqualTo(uid.group(1));
    }
}
