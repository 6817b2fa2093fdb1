package io.stanchion.e2e;

import io.stanchion.StanchionServer;
import io.stanchion.config.ServerConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The original's monitoring endpoints (reference §4) against {@link MonitoringScenario}: field names, values,
 * paging, single-object queries, 404 texts and HTTP 400 for bad parameters.
 */
class MonitoringTest extends StanchionE2E {
    private static final List<String> SUB_FIELDS = List.of("client_id", "inbox", "ack_inbox", "is_durable",
            "is_offline", "max_inflight", "ack_wait", "last_sent", "pending_count", "is_stalled");

    private MonitoringScenario s;
    private MonitorHttp http;

    @BeforeEach
    void scenario() throws Exception {
        s = MonitoringScenario.run(this);
        http = s.http;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        return (List<Map<String, Object>>) o;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    private static Map<String, Object> only(List<Map<String, Object>> subs, String key, Object value) {
        List<Map<String, Object>> found = subs.stream().filter(x -> value.equals(x.get(key))).toList();
        assertThat(found).as("subscriptions with %s=%s in %s", key, value, subs).hasSize(1);
        return found.get(0);
    }

    private void assertHeader(Map<String, Object> j) {
        assertThat(j.get("cluster_id")).isEqualTo(clusterId);
        assertThat((String) j.get("server_id")).isNotBlank();
        OffsetDateTime.parse((String) j.get("now"));
    }

    @Test
    void serverzReportsTheScenario() {
        Map<String, Object> z = http.json("/streaming/serverz");
        assertThat(z).containsKeys("cluster_id", "server_id", "version", "go", "state", "now", "start_time",
                "uptime", "clients", "subscriptions", "channels", "total_msgs", "total_bytes", "in_msgs",
                "in_bytes", "out_msgs", "out_bytes");
        assertThat(z).doesNotContainKeys("role", "node_id");
        assertThat(z.get("cluster_id")).isEqualTo(clusterId);
        assertThat(z.get("state")).isEqualTo("STANDALONE");
        assertThat(z.get("clients")).isEqualTo(2L);
        // plain + offline durable + durable queue member + queue member
        assertThat(z.get("subscriptions")).isEqualTo(4L);
        assertThat(z.get("channels")).isEqualTo(2L);
        long total = MonitoringScenario.ORDERS + MonitoringScenario.EVENTS;
        assertThat(z.get("total_msgs")).isEqualTo(total);
        assertThat(z.get("in_msgs")).isEqualTo(total);
        assertThat((Long) z.get("total_bytes")).isGreaterThan(s.ordersPayloadBytes + s.eventsPayloadBytes);
        assertThat((Long) z.get("in_bytes")).isGreaterThanOrEqualTo(s.ordersPayloadBytes + s.eventsPayloadBytes);
        // plain 5 + durable 7 + durable queue 3; nothing redelivered (AckWait 120 s / 30 s)
        assertThat(z.get("out_msgs")).isEqualTo(15L);
        assertThat((Long) z.get("out_bytes")).isGreaterThan(0L);
        assertThat((String) z.get("uptime")).matches("(\\d+y)?(\\d+d)?(\\d+h)?(\\d+m)?\\d+s");
        OffsetDateTime start = OffsetDateTime.parse((String) z.get("start_time"));
        OffsetDateTime now = OffsetDateTime.parse((String) z.get("now"));
        assertThat(start).isBefore(now);
        assertThat(Duration.between(start, now)).isLessThan(Duration.ofMinutes(10));
        if (z.containsKey("open_fds")) {
            assertThat((Long) z.get("open_fds")).isPositive().isLessThanOrEqualTo((Long) z.get("max_fds"));
        }
    }

    @Test
    void storezReportsTypeLimitsAndTotals() {
        Map<String, Object> z = http.json("/streaming/storez");
        assertHeader(z);
        assertThat(z.get("type")).isEqualTo("MEMORY");
        Map<String, Object> limits = map(z.get("limits"));
        assertThat(limits).containsEntry("max_channels", 100L).containsEntry("max_msgs", 1_000_000L)
                .containsEntry("max_bytes", 1_024_000_000L).containsEntry("max_age", 0L)
                .containsEntry("max_subscriptions", 1000L).containsEntry("max_inactivity", 0L);
        assertThat(z.get("total_msgs")).isEqualTo(10L);
        assertThat(z.get("total_bytes")).isEqualTo(http.json("/streaming/serverz").get("total_bytes"));
    }

    @Test
    void clientszListsClientsSortedWithAndWithoutSubscriptions() {
        Map<String, Object> z = http.json("/streaming/clientsz");
        assertHeader(z);
        assertThat(z).containsEntry("offset", 0L).containsEntry("limit", 1024L).containsEntry("count", 2L)
                .containsEntry("total", 2L);
        List<Map<String, Object>> clients = list(z.get("clients"));
        assertThat(clients).extracting(c -> c.get("id")).containsExactly("alpha", "beta");
        assertThat(clients).allSatisfy(c -> {
            assertThat((String) c.get("hb_inbox")).startsWith("_INBOX.");
            assertThat(c).doesNotContainKey("subscriptions");
        });
        // alpha: the queue member (its durable is offline); beta: the plain sub and the durable queue member
        assertThat(clients).extracting(c -> c.get("subs_count")).containsExactly(1L, 2L);

        List<Map<String, Object>> withSubs = list(http.json("/streaming/clientsz?subs=1").get("clients"));
        Map<String, Object> beta = map(withSubs.get(1).get("subscriptions"));
        assertThat(beta).containsOnlyKeys("orders", "events");
        Map<String, Object> plain = list(beta.get("orders")).get(0);
        assertThat(plain).containsKeys(SUB_FIELDS.toArray(String[]::new))
                .doesNotContainKeys("durable_name", "queue_name");
        assertThat(plain).containsEntry("client_id", "beta").containsEntry("is_durable", false)
                .containsEntry("is_offline", false).containsEntry("max_inflight", 5L).containsEntry("ack_wait", 120L)
                .containsEntry("last_sent", 5L).containsEntry("pending_count", 5L).containsEntry("is_stalled", true);
        Map<String, Object> durableQueue = list(beta.get("events")).get(0);
        // as the original: a durable queue member's durable name is only in queue_name ("durable:group")
        assertThat(durableQueue).containsEntry("queue_name", "dur:grp").doesNotContainKey("durable_name")
                .containsEntry("is_durable", true).containsEntry("pending_count", 3L).containsEntry("last_sent", 3L)
                .containsEntry("is_stalled", false);
        Map<String, Object> alpha = map(withSubs.get(0).get("subscriptions"));
        assertThat(alpha).containsOnlyKeys("events");
        assertThat(list(alpha.get("events")).get(0)).containsEntry("queue_name", "workers")
                .containsEntry("is_durable", false).containsEntry("last_sent", 3L)
                .containsEntry("pending_count", 0L).doesNotContainKey("durable_name");
    }

    @Test
    void clientszSingleClientAndUnknownClient() {
        Map<String, Object> beta = http.json("/streaming/clientsz?client=beta");
        assertThat(beta).containsEntry("id", "beta").containsEntry("subs_count", 2L)
                .doesNotContainKey("subscriptions").doesNotContainKey("clients");
        Map<String, Object> betaSubs = http.json("/streaming/clientsz?client=beta&subs=1");
        assertThat(map(betaSubs.get("subscriptions"))).containsOnlyKeys("orders", "events");

        MonitorHttp.Reply missing = http.get("/streaming/clientsz?client=nobody");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body().trim()).isEqualTo("Client nobody not found");
    }

    @Test
    void clientszPaging() {
        Map<String, Object> second = http.json("/streaming/clientsz?offset=1&limit=1");
        assertThat(second).containsEntry("offset", 1L).containsEntry("limit", 1L).containsEntry("count", 1L)
                .containsEntry("total", 2L);
        assertThat(list(second.get("clients"))).extracting(c -> c.get("id")).containsExactly("beta");
        Map<String, Object> first = http.json("/streaming/clientsz?limit=1");
        assertThat(list(first.get("clients"))).extracting(c -> c.get("id")).containsExactly("alpha");
        Map<String, Object> past = http.json("/streaming/clientsz?offset=5");
        assertThat(past).containsEntry("count", 0L).containsEntry("total", 2L);
        assertThat(list(past.get("clients"))).isEmpty();
        assertThat(http.json("/streaming/clientsz?limit=0")).containsEntry("count", 0L);
    }

    @Test
    @SuppressWarnings("unchecked")
    void channelszNamesSubsAndSingleChannel() {
        Map<String, Object> names = http.json("/streaming/channelsz");
        assertHeader(names);
        assertThat(names).containsEntry("count", 2L).containsEntry("total", 2L).doesNotContainKey("channels");
        assertThat((List<Object>) names.get("names")).containsExactly("events", "orders");

        Map<String, Object> z = http.json("/streaming/channelsz?subs=1");
        assertThat(z).doesNotContainKey("names");
        List<Map<String, Object>> channels = list(z.get("channels"));
        assertThat(channels).extracting(c -> c.get("name")).containsExactly("events", "orders");

        Map<String, Object> orders = channels.get(1);
        assertThat(orders).containsEntry("msgs", 7L).containsEntry("first_seq", 1L).containsEntry("last_seq", 7L)
                .containsEntry("subs_count", 2L);
        assertThat((Long) orders.get("bytes")).isGreaterThan(s.ordersPayloadBytes);
        List<Map<String, Object>> orderSubs = list(orders.get("subscriptions"));
        Map<String, Object> offline = only(orderSubs, "durable_name", "audit");
        assertThat(offline).containsEntry("is_durable", true).containsEntry("is_offline", true)
                .containsEntry("client_id", "alpha").containsEntry("last_sent", 7L)
                .containsEntry("pending_count", 0L).containsEntry("is_stalled", false)
                .containsEntry("ack_wait", 30L).doesNotContainKey("queue_name");
        assertThat(only(orderSubs, "client_id", "beta")).containsEntry("pending_count", 5L)
                .containsEntry("is_stalled", true).containsEntry("last_sent", 5L);

        Map<String, Object> events = channels.get(0);
        assertThat(events).containsEntry("msgs", 3L).containsEntry("first_seq", 1L).containsEntry("last_seq", 3L);
        assertThat((Long) events.get("bytes")).isGreaterThan(s.eventsPayloadBytes);
        List<Map<String, Object>> eventSubs = list(events.get("subscriptions"));
        assertThat(only(eventSubs, "queue_name", "dur:grp")).doesNotContainKey("durable_name")
                .containsEntry("is_durable", true).containsEntry("is_offline", false)
                .containsEntry("pending_count", 3L).containsEntry("client_id", "beta");
        assertThat(only(eventSubs, "queue_name", "workers")).containsEntry("client_id", "alpha")
                .containsEntry("max_inflight", 1024L).containsEntry("last_sent", 3L);
        assertThat(eventSubs).allSatisfy(x -> assertThat(x).containsKeys(SUB_FIELDS.toArray(String[]::new)));

        long totalBytes = (Long) http.json("/streaming/serverz").get("total_bytes");
        assertThat((Long) orders.get("bytes") + (Long) events.get("bytes")).isEqualTo(totalBytes);

        Map<String, Object> one = http.json("/streaming/channelsz?channel=orders");
        assertThat(one).containsEntry("name", "orders").containsEntry("msgs", 7L)
                .doesNotContainKeys("subscriptions", "cluster_id");
        assertThat(list(http.json("/streaming/channelsz?channel=orders&subs=1").get("subscriptions"))).hasSize(2);

        MonitorHttp.Reply missing = http.get("/streaming/channelsz?channel=nope.nope");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body().trim()).isEqualTo("Channel nope.nope not found");
    }

    @Test
    @SuppressWarnings("unchecked")
    void channelszPaging() {
        Map<String, Object> second = http.json("/streaming/channelsz?offset=1&limit=1");
        assertThat(second).containsEntry("count", 1L).containsEntry("total", 2L);
        assertThat((List<Object>) second.get("names")).containsExactly("orders");
        Map<String, Object> subs = http.json("/streaming/channelsz?subs=1&limit=1");
        assertThat(list(subs.get("channels"))).extracting(c -> c.get("name")).containsExactly("events");
        assertThat((List<Object>) http.json("/streaming/channelsz?offset=2").get("names")).isEmpty();
    }

    @Test
    void subscriptionChangesShowUp() throws Exception {
        s.plain.unsubscribe();
        await().atMost(MonitoringScenario.WAIT).until(() -> s.subsOf("orders").size() == 1);
        assertThat(http.json("/streaming/serverz").get("subscriptions")).isEqualTo(3L);
        assertThat(http.json("/streaming/clientsz?client=beta")).containsEntry("subs_count", 1L);
    }

    @Test
    void badParametersAreHttp400WithAReason() {
        for (String q : List.of("/streaming/clientsz?offset=-1", "/streaming/clientsz?limit=abc",
                "/streaming/clientsz?subs=maybe", "/streaming/clientsz?client=alpha&subs=maybe",
                "/streaming/channelsz?offset=-1", "/streaming/channelsz?limit=abc",
                "/streaming/channelsz?subs=maybe", "/streaming/channelsz?channel=orders&subs=2",
                "/streaming/channelsz?limit=99999999999")) {
            MonitorHttp.Reply r = http.get(q);
            assertThat(r.status()).as(q + " -> " + r.body()).isEqualTo(400);
            assertThat(r.body()).as(q).containsAnyOf("offset", "limit", "subs").doesNotContain("Exception");
        }
        assertThat(http.get("/streaming/clientsz?offset=-1").body()).contains("offset").contains("-1");
        assertThat(http.get("/streaming/clientsz?limit=abc").body()).contains("limit").contains("abc");
        assertThat(http.get("/streaming/channelsz?subs=maybe").body()).contains("subs").contains("maybe");
    }

    @Test
    void unknownPathsAre404AndHealthzIs200() {
        for (String p : List.of("/streaming/nope", "/nope", "/streaming/serverz/x", "/metricsz")) {
            MonitorHttp.Reply r = http.get(p);
            assertThat(r.status()).as(p).isEqualTo(404);
        }
        MonitorHttp.Reply health = http.get("/healthz");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json()).containsEntry("status", "ok");
    }

    /** One raw HTTP/1.1 exchange (java.net.http refuses to send a malformed URI). */
    private String rawHttp(String requestLine) throws Exception {
        try (java.net.Socket sock = new java.net.Socket("127.0.0.1", server.monitoringPort())) {
            sock.setSoTimeout(15_000);
            sock.getOutputStream().write((requestLine + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(sock.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void malformedRequestsHeadAndPagingOverflow() throws Exception {
        assertThat(rawHttp("GET /streaming/channelsz?channel=%zz HTTP/1.1")).startsWith("HTTP/1.1 400");
        assertThat(rawHttp("POST /streaming/serverz HTTP/1.1")).startsWith("HTTP/1.1 405");
        String head = rawHttp("HEAD /streaming/serverz HTTP/1.1");
        assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length:");
        assertThat(head.substring(head.indexOf("\r\n\r\n") + 4)).isEmpty();
        // offset + limit beyond Integer.MAX_VALUE must not overflow into a failure
        Map<String, Object> page = http.json("/streaming/clientsz?offset=1&limit=2147483647");
        assertThat(page).containsEntry("count", 1L).containsEntry("limit", 2147483647L);
    }

    @Test
    void callbackIsIgnoredUnlessJsonpIsEnabled() {
        for (String q : List.of("/streaming/serverz?callback=show", "/streaming/serverz?callback=alert(1)//")) {
            MonitorHttp.Reply r = http.get(q);
            assertThat(r.status()).as(q).isEqualTo(200);
            assertThat(r.contentType()).as(q).startsWith("application/json");
            assertThat(r.json().get("cluster_id")).isEqualTo(clusterId);
        }
    }

    @Test
    void jsonpCallbackWrapsTheJsonWhenEnabled() throws Exception {
        int port = NatsServerProcess.freePort();
        try (StanchionServer jsonp = StanchionServer.start(ServerConfig.builder().clusterId(clusterId + "-jsonp")
                .natsUrl(nats.url()).httpPort(port).httpJsonp(true).build())) {
            MonitorHttp h = new MonitorHttp(port);
            MonitorHttp.Reply r = h.get("/streaming/serverz?callback=show");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.contentType()).startsWith("application/javascript");
            assertThat(r.body()).startsWith("show(").endsWith(")");
            Map<String, Object> inner = MiniJson.object(r.body().substring(5, r.body().length() - 1));
            assertThat(inner.get("cluster_id")).isEqualTo(clusterId + "-jsonp");
            assertThat(h.get("/streaming/serverz?callback=alert(1)//").status()).isEqualTo(400);
        }
    }

    @Test
    void foreignHostHeadersAreRefused() throws Exception {
        String ok = rawHttp("GET /streaming/serverz HTTP/1.1");
        assertThat(ok).startsWith("HTTP/1.1 200");
        try (java.net.Socket sock = new java.net.Socket("127.0.0.1", server.monitoringPort())) {
            sock.setSoTimeout(15_000);
            sock.getOutputStream().write(("GET /streaming/clientsz HTTP/1.1\r\nHost: rebound.example.com:"
                    + server.monitoringPort() + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String r = new String(sock.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(r).startsWith("HTTP/1.1 403").endsWith("Host not allowed\n").doesNotContain("alpha");
        }
    }
}
