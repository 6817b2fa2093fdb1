package io.stanchion.monitor;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The monitoring server's pure helpers: uptime format, query validation, JSON escaping, JSONP, status page. */
class MonitorUnitTest {
    @Test
    void uptimeIsFormattedAsTheOriginal() {
        assertThat(StreamingEndpoints.uptime(Duration.ZERO)).isEqualTo("0s");
        assertThat(StreamingEndpoints.uptime(Duration.ofSeconds(59))).isEqualTo("59s");
        assertThat(StreamingEndpoints.uptime(Duration.ofSeconds(60))).isEqualTo("1m0s");
        assertThat(StreamingEndpoints.uptime(Duration.ofSeconds(3 * 3600 + 5))).isEqualTo("3h0m5s");
        assertThat(StreamingEndpoints.uptime(Duration.ofSeconds(86_400 + 2 * 3600 + 3 * 60 + 4)))
                .isEqualTo("1d2h3m4s");
        assertThat(StreamingEndpoints.uptime(Duration.ofDays(367).plusSeconds(7))).isEqualTo("1y2d0h0m7s");
        assertThat(StreamingEndpoints.uptime(Duration.ofSeconds(-5))).isEqualTo("0s");
    }

    @Test
    void queryParametersAreValidated() {
        Query q = Query.of(Map.of("offset", List.of("-1"), "limit", List.of("abc"), "big", List.of("99999999999"),
                "subs", List.of("maybe"), "ok", List.of("1"), "empty", List.of("")));
        assertThatThrownBy(() -> q.nonNegative("offset", 0)).isInstanceOf(Query.BadParameter.class)
                .hasMessage("offset must be >= 0, got -1");
        assertThatThrownBy(() -> q.nonNegative("limit", 0)).hasMessage("invalid limit \"abc\": not an integer");
        assertThatThrownBy(() -> q.nonNegative("big", 0)).hasMessage("invalid big \"99999999999\": out of range");
        assertThatThrownBy(() -> q.flag("subs")).hasMessage("invalid subs \"maybe\": expected 0 or 1");
        assertThat(q.flag("ok")).isTrue();
        assertThat(q.flag("absent")).isFalse();
        assertThat(q.nonNegative("empty", 7)).isEqualTo(7);
    }

    @Test
    void jsonEscapesStrings() {
        String s = new Json().begin().field("k", "a\"b\\c\nd\u0001").end().toString();
        assertThat(s).isEqualTo("{\n  \"k\": \"a\\\"b\\\\c\\nd\\u0001\"\n}");
    }

    @Test
    void jsonpOnlyWrapsJsonAndOnlyWithSafeCallbacks() throws Exception {
        CompletableFuture<Response> json = CompletableFuture.completedFuture(Response.json("{}\n"));
        assertThat(Monitoring.jsonp(json, Map.of("callback", List.of("cb.x_1"))).get())
                .isEqualTo(new Response(200, "application/javascript", "cb.x_1({})"));
        assertThat(Monitoring.jsonp(json, Map.of()).get()).isSameAs(json.get());
        assertThat(Monitoring.jsonp(json, Map.of("callback", List.of("x</script>"))).get().status()).isEqualTo(400);
        Response notFound = Response.notFound("Client x not found");
        assertThat(Monitoring.jsonp(CompletableFuture.completedFuture(notFound),
                Map.of("callback", List.of("cb"))).get()).isSameAs(notFound);
    }

    @Test
    void statusPageIsSelfContainedHtml() {
        Response r = StatusPage.response();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/html");
        assertThat(r.body()).startsWith("<!doctype html>").contains("</html>")
                .contains("/streaming/serverz", "/streaming/channelsz?subs=1", "/streaming/clientsz?subs=1")
                .doesNotContain("innerHTML", "<script src", "https://");
    }
}
