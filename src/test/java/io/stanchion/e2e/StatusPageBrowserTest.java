package io.stanchion.e2e;

import io.nats.streaming.StreamingConnection;
import io.nats.streaming.SubscriptionOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code /streaming} status page rendered by a real headless Chromium (through chromedriver): the numbers it
 * shows match {@link MonitoringScenario}, rates and charts move with live traffic, an unreachable server shows
 * the error banner, and the page loads nothing but its own origin. Saves {@code target/status-page.png}.
 *
 * <p>Chromium and chromedriver must be installed ({@code apt-get install -y chromium chromium-driver}); without
 * them the tests are skipped with that reason. {@code -Dstanchion.docs.screenshot=docs/status-page.png} also renders
 * the README's screenshot from a richer, busier scenario ({@link #docsScreenshot}).
 */
class StatusPageBrowserTest extends StanchionE2E {
    private static final Duration PAGE_WAIT = Duration.ofSeconds(30);

    /** Everything a test reads from the page: stats, table rows with their data attributes and cells. */
    private static final String PAGE_STATE = """
            const val = (e) => e ? { value: e.dataset.value === undefined ? null : e.dataset.value,
                                     text: e.textContent.trim() } : null;
            const stats = {};
            document.querySelectorAll('[id^="stat-"]').forEach((e) => { stats[e.id] = val(e); });
            const rows = (id) => [...document.querySelectorAll('#' + id + ' tbody tr')]
              .filter((r) => Object.keys(r.dataset).length > 0)
              .map((r) => {
                const o = { attrs: Object.assign({}, r.dataset), fields: {} };
                r.querySelectorAll('[data-field]').forEach((c) => { o.fields[c.dataset.field] = val(c); });
                const sp = r.querySelector('svg.spark');
                if (sp) o.spark = Number(sp.dataset.points);
                return o;
              });
            const error = document.getElementById('error');
            return {
              polls: Number(document.body.dataset.polls),
              state: document.body.dataset.state,
              title: document.title,
              cluster: document.getElementById('cluster-id').textContent,
              uptime: document.getElementById('uptime').textContent,
              stats: stats,
              channels: rows('channels-table'),
              subs: rows('subs-table'),
              clients: rows('clients-table'),
              totalChart: [...document.querySelectorAll('#chart-total polyline')]
                .map((p) => ({ series: p.dataset.series, points: Number(p.dataset.points) })),
              channelChart: [...document.querySelectorAll('#chart-channels polyline')].map((p) => p.dataset.series),
              errorShown: getComputedStyle(error).display !== 'none',
              errorText: error.textContent,
              resources: performance.getEntriesByType('resource').map((e) => e.name),
              height: document.documentElement.scrollHeight
            };
            """;

    @SuppressWarnings("unchecked")
    private static Map<String, Object> state(HeadlessChromium chrome) {
        return (Map<String, Object>) chrome.script(PAGE_STATE);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rows(Map<String, Object> state, String table) {
        return (List<Map<String, Object>>) state.get(table);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> row(Map<String, Object> state, String table, String... attrs) {
        List<Map<String, Object>> found = rows(state, table).stream().filter(r -> {
            Map<String, Object> a = (Map<String, Object>) r.get("attrs");
            for (int i = 0; i < attrs.length; i += 2) {
                if (!attrs[i + 1].equals(a.get(attrs[i]))) {
                    return false;
                }
            }
            return true;
        }).toList();
        assertThat(found).as("%s rows with %s", table, List.of(attrs)).hasSize(1);
        return found.get(0);
    }

    /** The text shown in a cell and its raw data-value. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> cell(Map<String, Object> row, String field) {
        Map<String, Object> c = (Map<String, Object>) ((Map<String, Object>) row.get("fields")).get(field);
        assertThat(c).as("cell %s of %s", field, row.get("attrs")).isNotNull();
        return c;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stat(Map<String, Object> state, String id) {
        return (Map<String, Object>) ((Map<String, Object>) state.get("stats")).get(id);
    }

    private static double number(Map<String, Object> c) {
        Object v = c.get("value");
        return v == null || v.toString().isEmpty() ? Double.NaN : Double.parseDouble(v.toString());
    }

    private static void assertShown(Map<String, Object> c, long expected) {
        assertThat(c.get("value")).isEqualTo(Long.toString(expected));
        assertThat(c.get("text")).isEqualTo(String.format(java.util.Locale.US, "%,d", expected));
    }

    /** What a failed wait should show: the page's state, poll count and error text. */
    private static Map<String, Object> summary(Map<String, Object> state) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        for (String k : List.of("state", "polls", "errorShown", "errorText")) {
            out.put(k, state.get(k));
        }
        return out;
    }

    static Path targetDir() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir")), "target");
    }

    @Test
    @SuppressWarnings("unchecked")
    void statusPageShowsTheScenarioAndLiveRates() throws Exception {
        HeadlessChromium.assumeInstalled();
        MonitoringScenario s = MonitoringScenario.run(this);
        MonitorHttp.Reply page = s.http.get("/streaming");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(s.http.get("/streaming/").body()).isEqualTo(page.body());
        // self-contained: no stylesheet, script or image from anywhere (the favicon is a data: URI)
        assertThat(page.body()).doesNotContain("<script src", "<link rel=\"stylesheet", "src=\"http", "href=\"http",
                "@import", "url(");

        try (HeadlessChromium chrome = HeadlessChromium.start(1280, 900)) {
            chrome.open(s.http.url("/streaming"));
            await().atMost(PAGE_WAIT).untilAsserted(() -> assertThat(((Number) summary(state(chrome)).get("polls"))
                    .intValue()).isGreaterThanOrEqualTo(2));
            Map<String, Object> st = state(chrome);
            assertThat(st.get("state")).isEqualTo("ok");
            assertThat(st.get("cluster")).isEqualTo(clusterId);
            assertThat(st.get("title")).isEqualTo("Stanchion · " + clusterId);
            assertThat((String) st.get("uptime")).matches("(\\d+[ydhm])*\\d+s");
            assertShown(stat(st, "stat-clients"), 2);
            assertShown(stat(st, "stat-channels"), 2);
            assertShown(stat(st, "stat-subscriptions"), 4);
            assertShown(stat(st, "stat-total-msgs"), 10);
            assertShown(stat(st, "stat-in-msgs"), 10);
            assertShown(stat(st, "stat-out-msgs"), 15);
            assertShown(stat(st, "stat-pending"), 8); // 5 (plain) + 3 (durable queue)

            Map<String, Object> orders = row(st, "channels", "channel", "orders");
            assertShown(cell(orders, "msgs"), 7);
            assertShown(cell(orders, "first_seq"), 1);
            assertShown(cell(orders, "last_seq"), 7);
            assertShown(cell(orders, "subs"), 2);
            assertThat(cell(orders, "bytes").get("value"))
                    .isEqualTo(s.http.json("/streaming/channelsz?channel=orders").get("bytes").toString());
            assertShown(cell(row(st, "channels", "channel", "events"), "msgs"), 3);

            Map<String, Object> plain = row(st, "subs", "channel", "orders", "client", "beta");
            assertShown(cell(plain, "pending"), 5);
            assertShown(cell(plain, "last_sent"), 5);
            assertShown(cell(plain, "lag"), 2); // last_seq 7 - last_sent 5
            assertShown(cell(plain, "max_inflight"), 5);
            assertThat(cell(plain, "stalled")).containsEntry("value", "true").containsEntry("text", "stalled");
            assertThat(cell(plain, "offline")).containsEntry("value", "false");
            Map<String, Object> audit = row(st, "subs", "durable", "audit");
            assertThat(cell(audit, "offline")).containsEntry("value", "true").containsEntry("text", "offline");
            assertShown(cell(audit, "pending"), 0);
            assertShown(cell(audit, "lag"), 0);
            Map<String, Object> dq = row(st, "subs", "queue", "dur:grp");
            // As in the original's JSON: a durable queue member has no durable_name, its queue_name is "dur:grp".
            assertThat(((Map<?, ?>) dq.get("attrs")).get("durable")).isEqualTo("");
            assertShown(cell(dq, "pending"), 3);
            assertThat(cell(dq, "queue").get("text")).isEqualTo("dur:grp");
            assertShown(cell(row(st, "subs", "queue", "workers"), "pending"), 0);
            assertThat(rows(st, "subs")).hasSize(4);

            assertShown(cell(row(st, "clients", "client", "alpha"), "subs_count"), 1);
            Map<String, Object> beta = row(st, "clients", "client", "beta");
            assertShown(cell(beta, "subs_count"), 2);
            assertThat(cell(beta, "channels").get("text")).isEqualTo("events, orders");

            // live traffic on a new channel: rates, sparkline and charts move
            AtomicLong published = new AtomicLong();
            ScheduledExecutorService traffic = Executors.newSingleThreadScheduledExecutor();
            StreamingConnection alpha = s.alpha;
            traffic.scheduleAtFixedRate(() -> {
                try {
                    alpha.publish("ticks", MonitoringScenario.utf8("tick " + published.incrementAndGet()));
                } catch (Exception e) {
                    published.set(Long.MIN_VALUE); // visible in the assertion below
                }
            }, 0, 50, TimeUnit.MILLISECONDS);
            try {
                await().atMost(PAGE_WAIT).untilAsserted(() -> {
                    Map<String, Object> live = state(chrome);
                    Map<String, Object> ticks = row(live, "channels", "channel", "ticks");
                    assertThat(number(cell(ticks, "rate"))).isPositive();
                    assertThat(cell(ticks, "rate").get("text").toString()).endsWith("msg/s");
                    assertThat((Number) ticks.get("spark")).satisfies(n -> assertThat(n.intValue()).isGreaterThanOrEqualTo(2));
                    assertThat(number(stat(live, "stat-in-rate"))).isPositive();
                    assertThat(number(stat(live, "stat-out-rate"))).isZero(); // nobody subscribes to ticks
                    assertThat((List<Object>) live.get("channelChart")).contains("ticks");
                    assertThat((List<?>) live.get("totalChart")).allSatisfy(p -> assertThat(
                            ((Number) ((Map<?, ?>) p).get("points")).intValue()).isGreaterThanOrEqualTo(3));
                });
                assertThat(published.get()).isPositive();
                Path png = targetDir().resolve("status-page.png");
                Files.createDirectories(png.getParent());
                Files.write(png, chrome.screenshot());
                assertPng(png, 1280);
            } finally {
                traffic.shutdownNow();
                traffic.awaitTermination(5, TimeUnit.SECONDS);
            }

            Map<String, Object> last = state(chrome);
            assertThat((List<?>) last.get("resources")).isNotEmpty().allSatisfy(u ->
                    assertThat(u.toString()).startsWith("http://127.0.0.1:" + server.monitoringPort() + "/streaming/"));
            assertThat(last.get("errorShown")).isEqualTo(false);

            // the server goes away: the page says so and keeps retrying
            server.close();
            server = null;
            // (untilAsserted: a time-out reports what the page showed last)
            await().atMost(PAGE_WAIT).untilAsserted(() -> assertThat(summary(state(chrome)))
                    .containsEntry("state", "error"));
            Map<String, Object> down = state(chrome);
            assertThat(down.get("errorShown")).isEqualTo(true);
            assertThat(down.get("errorText").toString()).startsWith("Cannot read the monitoring endpoints");
        }
    }

    /** A PNG of the given width: signature and IHDR checked, not just a non-empty file. */
    static void assertPng(Path png, int width) throws Exception {
        byte[] b = Files.readAllBytes(png);
        assertThat(b.length).isGreaterThan(20_000);
        assertThat(java.util.Arrays.copyOf(b, 8))
                .containsExactly(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
        assertThat(new String(b, 12, 4, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("IHDR");
        assertThat(ByteBuffer.wrap(b, 16, 4).getInt()).isEqualTo(width);
    }

    /**
     * Renders the README's screenshot from a busy, realistic scenario (five channels at different rates, durables,
     * a queue group, a stalled and an offline subscription). Enabled by {@code -Dstanchion.docs.screenshot=<png>}.
     */
    @Test
    @EnabledIfSystemProperty(named = "stanchion.docs.screenshot", matches = ".+")
    void docsScreenshot() throws Exception {
        HeadlessChromium.assumeInstalled();
        int port = NatsServerProcess.freePort();
        startServer(b -> b.clusterId("prod-east").httpPort(port));
        clusterId = "prod-east";
        MonitorHttp http = new MonitorHttp(server.monitoringPort());

        StreamingConnection orders = stan("order-service");
        StreamingConnection payments = stan("payment-gateway");
        StreamingConnection inventoryA = stan("inventory-sync-1");
        StreamingConnection inventoryB = stan("inventory-sync-2");
        StreamingConnection mailer = stan("mailer");
        StreamingConnection audit = stan("audit-archiver");
        StreamingConnection analytics = stan("analytics");

        payments.subscribe("orders", m -> { }, new SubscriptionOptions.Builder().durableName("payments")
                .deliverAllAvailable().build());
        inventoryA.subscribe("inventory.updates", "inventory", m -> { }, new SubscriptionOptions.Builder().build());
        inventoryB.subscribe("inventory.updates", "inventory", m -> { }, new SubscriptionOptions.Builder().build());
        mailer.subscribe("notifications.email", m -> { }, new SubscriptionOptions.Builder().manualAcks()
                .maxInFlight(25).ackWait(Duration.ofMinutes(10)).build()); // never acks: stalls at 25
        AtomicLong seen = new AtomicLong();
        analytics.subscribe("orders", "etl", m -> {
            if (seen.incrementAndGet() % 7 != 0) { // leaves every 7th unacked: pending grows
                try {
                    m.ack();
                } catch (java.io.IOException ignored) {
                    // best effort in a demo
                }
            }
        }, new SubscriptionOptions.Builder().durableName("reports").manualAcks().maxInFlight(512)
                .ackWait(Duration.ofMinutes(10)).build());
        audit.subscribe("audit.log", m -> { }, new SubscriptionOptions.Builder().durableName("archive")
                .deliverAllAvailable().build()).close(); // offline: lag grows
        payments.subscribe("payments", m -> { }, new SubscriptionOptions.Builder().deliverAllAvailable().build());

        record Flow(StreamingConnection sc, String channel, double rate, int size, double wave) {
        }
        List<Flow> flows = List.of(new Flow(orders, "orders", 24, 420, 0.5), new Flow(payments, "payments", 11, 260, 1.3),
                new Flow(inventoryA, "inventory.updates", 38, 180, 0.8), new Flow(orders, "notifications.email", 5, 900, 2.1),
                new Flow(orders, "audit.log", 9, 300, 1.7));
        double[] due = new double[flows.size()];
        long t0 = System.nanoTime();
        ScheduledExecutorService traffic = Executors.newSingleThreadScheduledExecutor();
        traffic.scheduleAtFixedRate(() -> {
            double t = (System.nanoTime() - t0) / 1e9;
            for (int i = 0; i < flows.size(); i++) {
                Flow f = flows.get(i);
                due[i] += f.rate() * (1 + 0.45 * Math.sin(t / 6.0 * f.wave() + i)) * 0.05;
                for (; due[i] >= 1; due[i]--) {
                    try {
                        f.sc().publish(f.channel(), new byte[f.size()], (guid, err) -> { });
                    } catch (Exception ignored) {
                        // best effort in a demo
                    }
                }
            }
        }, 0, 50, TimeUnit.MILLISECONDS);
        try (HeadlessChromium chrome = HeadlessChromium.start(1280, 900)) {
            chrome.open(http.url("/streaming"));
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> ((Number) state(chrome).get("polls")).intValue() >= 62); // a full minute of history
            // the whole page: the window's height is the document's plus the browser's own frame
            int height = ((Number) state(chrome).get("height")).intValue()
                    + ((Number) chrome.script("return window.outerHeight - window.innerHeight;")).intValue();
            chrome.resize(1280, height);
            await().atMost(PAGE_WAIT).until(() -> ((Number) state(chrome).get("polls")).intValue() >= 64);
            Path png = Path.of(System.getProperty("basedir", "."))
                    .resolve(System.getProperty("stanchion.docs.screenshot"));
            Files.createDirectories(png.toAbsolutePath().getParent());
            Files.write(png, chrome.screenshot());
            assertPng(png, 1280);
        } finally {
            traffic.shutdownNow();
            traffic.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
