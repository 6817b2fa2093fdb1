package io.stanchion.monitor;

import io.stanchion.config.ServerConfig;
import io.stanchion.engine.Engine;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Everything served on the monitoring port: the original's JSON endpoints, {@code /healthz}, and (as they are
 * added) metrics and the status page. {@link #start} binds it; {@link #close} stops it.
 */
public final class Monitoring implements AutoCloseable {
    private final MonitorServer server;

    private Monitoring(MonitorServer server) {
        this.server = server;
    }

    public static Monitoring start(ServerConfig config, Engine engine, Metrics metrics, String serverId,
                                   String storeType) throws InterruptedException {
        StreamingEndpoints streaming = new StreamingEndpoints(config, engine, serverId, storeType);
        MonitorServer.Routes routes = (path, query) -> switch (path) {
            case "/healthz" -> CompletableFuture.completedFuture(Response.json("{\"status\": \"ok\"}\n"));
            case "/metrics" -> metrics.scrape(engine);
            default -> streaming.handle(path, query);
        };
        return new Monitoring(MonitorServer.start(config.httpHost, config.httpPort, routes));
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.close();
    }
}
