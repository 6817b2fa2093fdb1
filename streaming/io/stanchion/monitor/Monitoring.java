package io.stanchion.monitor;

import io.stanchion.config.ServerConfig;
import io.stanchion.engine.Engine;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * Everything served on the monitoring port: the original's JSON endpoints ({@code /streaming/serverz|storez|
 * clientsz|channelsz|isFTActive}), the status page ({@code /streaming}, {@code /streaming/}), {@code /healthz} and
 * Prometheus {@code /metrics}. With {@code --http_jsonp}, {@code ?callback=fn} turns a JSON answer into JSONP
 * (as in the original); without it (the default) the parameter is ignored: JSONP lets any web page read the
 * answers. {@link #start} binds it; {@link #close} stops it.
 */
public final class Monitoring implements AutoCloseable {
    /** A JSONP callback: a JavaScript identifier path, nothing that could smuggle script. */
    private static final Pattern CALLBACK = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*");

    private final MonitorServer server;

    private Monitoring(MonitorServer server) {
        this.server = server;
    }

    public static Monitoring start(ServerConfig config, Engine engine, Metrics metrics, String serverId,
                                   String storeType) throws InterruptedException {
        return start(config, Served.standalone(engine, config.ftGroup != null ? "FT_ACTIVE" : "STANDALONE"), metrics,
                serverId, storeType);
    }

    /** Starts monitoring of a server whose engine may come and go (a cluster node). */
    public static Monitoring start(ServerConfig config, Served served, Metrics metrics, String serverId,
                                   String storeType) throws InterruptedException {
        StreamingEndpoints streaming = new StreamingEndpoints(config, served, serverId, storeType);
        MonitorServer.Routes routes = (path, query) -> {
            CompletableFuture<Response> r = switch (path) {
                case "/healthz" -> CompletableFuture.completedFuture(health(served));
                case "/metrics" -> metrics.scrape(served.engine());
                case "/streaming", "/streaming/" -> CompletableFuture.completedFuture(StatusPage.response());
                default -> streaming.handle(path, query);
            };
            return r == null || !config.httpJsonp ? r : jsonp(r, query);
        };
        return new Monitoring(MonitorServer.start(config.httpHost, config.httpPort, routes,
                MonitorServer.Limits.DEFAULT, HostCheck.forBinding(config.httpHost, config.httpAllowedHosts)));
    }

    /**
     * {@code 200 {"status": "ok"}} (a cluster node adds its {@code "role"}: Leader, Follower or Candidate, all
     * healthy), or after a fail-stop {@code 503 {"status": "error", "error": "<cause>"}}.
     */
    static Response health(Served served) {
        String failure = served.failStop().failure();
        if (failure == null) {
            String role = served.role();
            return role == null ? Response.json("{\"status\": \"ok\"}\n")
                    : Response.json(new Json().begin().field("status", "ok").field("role", role)
                            .field("node_id", served.nodeId()).end().toString());
        }
        return new Response(503, Response.JSON, new Json().begin().field("status", "error").field("error", failure)
                .end().toString());
    }

    /** Wraps a successful JSON answer in {@code callback(...)} when the request asks for JSONP. */
    static CompletableFuture<Response> jsonp(CompletableFuture<Response> result, Map<String, List<String>> query) {
        String callback = Query.of(query).string("callback");
        if (callback == null) {
            return result;
        }
        if (!CALLBACK.matcher(callback).matches()) {
            return CompletableFuture.completedFuture(Response.badRequest("invalid callback \"" + callback
                    + "\": expected a JavaScript identifier"));
        }
        return result.thenApply(r -> r.status() == 200 && r.contentType().equals(Response.JSON)
                ? new Response(200, "application/javascript", callback + "(" + r.body().stripTrailing() + ")")
                : r);
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.close();
    }
}
