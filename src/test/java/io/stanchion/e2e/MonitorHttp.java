package io.stanchion.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** GETs on a Stanchion monitoring port with java.net.http (loopback only). */
public final class MonitorHttp {
    public record Reply(int status, String contentType, String body) {
        public Map<String, Object> json() {
            return MiniJson.object(body);
        }
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    public MonitorHttp(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    String url(String pathAndQuery) {
        return base + pathAndQuery;
    }

    public Reply get(String pathAndQuery) {
        try {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                    .timeout(Duration.ofSeconds(15)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** GET that must answer 200 with a JSON object. */
    public Map<String, Object> json(String pathAndQuery) {
        Reply r = get(pathAndQuery);
        if (r.status() != 200) {
            throw new AssertionError("GET " + pathAndQuery + " -> " + r.status() + ": " + r.body());
        }
        if (!r.contentType().startsWith("application/json")) {
            throw new AssertionError("GET " + pathAndQuery + " content-type " + r.contentType());
        }
        return r.json();
    }
}
