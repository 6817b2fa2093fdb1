package io.stanchion.monitor;

import io.stanchion.StanchionServer;
import io.stanchion.config.ServerConfig;
import io.stanchion.engine.Counters;
import io.stanchion.engine.Engine;
import io.stanchion.engine.Snapshot;
import io.stanchion.engine.StateView;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The original server's monitoring endpoints, {@code /streaming/serverz|storez|clientsz|channelsz}, with the same
 * JSON field names, query parameters and 404 texts, so prometheus-nats-exporter and existing dashboards work.
 * State is read through {@link StateView}: the serving engine's ({@link Engine#call}), or a cluster follower's
 * replicated stores ({@link Served#storedState}), rendered by the same code.
 * Threading: any thread.
 */
final class StreamingEndpoints {
    private static final int DEFAULT_LIMIT = 1024;
    /** How long a cluster follower's read waits for its stores (applying an entry, changing role): then 503. */
    private static final Duration STORED_WAIT = Duration.ofSeconds(2);
    /** ... and serverz's, which then answers without counts (its role matters more: bin/cluster polls it). */
    private static final Duration SERVERZ_STORED_WAIT = Duration.ofSeconds(1);
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

    private final ServerConfig config;
    private final Served served;
    private final String serverId;
    private final String storeType;
    private final OffsetDateTime startTime = OffsetDateTime.now(ZoneOffset.UTC);

    StreamingEndpoints(ServerConfig config, Served served, String serverId, String storeType) {
        this.config = config;
        this.served = served;
        this.serverId = serverId;
        this.storeType = storeType;
    }

    CompletableFuture<Response> handle(String path, Map<String, List<String>> query) {
        try {
            return switch (path) {
                case "/streaming/serverz" -> serverz();
                case "/streaming/storez" -> storez();
                case "/streaming/clientsz" -> clientsz(Query.of(query));
                case "/streaming/channelsz" -> channelsz(Query.of(query));
                case "/streaming/isFTActive" -> CompletableFuture.completedFuture(
                        "FT_ACTIVE".equals(served.state()) && served.failStop().failure() == null
                                ? new Response(200, Response.TEXT, "") : new Response(204, Response.TEXT, ""));
                default -> null;
            };
        } catch (Query.BadParameter e) {
            return CompletableFuture.completedFuture(Response.badRequest(e.getMessage()));
        }
    }

    private CompletableFuture<Response> serverz() {
        String failure = served.failStop().failure();
        if (failure != null) {
            // The original's FAILED state; 503 so that checks reading only the status see it too.
            return CompletableFuture.completedFuture(new Response(503, Response.JSON, new Json().begin()
                    .field("cluster_id", config.clusterId)
                    .field("server_id", serverId)
                    .field("version", StanchionServer.VERSION)
                    .field("state", "FAILED")
                    .field("error", failure)
                    .field("now", RFC3339.format(OffsetDateTime.now(ZoneOffset.UTC)))
                    .end().toString()));
        }
        Engine engine = served.engine();
        if (engine != null) {
            return engine.call(view -> view.totals(), t -> serverz(t, engine.counters()));
        }
        CompletableFuture<StateView> stored = served.storedState(SERVERZ_STORED_WAIT);
        if (stored == null) {
            return CompletableFuture.completedFuture(Response.json(serverHeader(OffsetDateTime.now(ZoneOffset.UTC))
                    .end().toString()));
        }
        // stores busy for too long: the role and node ID still (the counts come back at the next request)
        return stored.handle((view, error) -> error == null ? serverz(view.totals(), null)
                : Response.json(serverHeader(OffsetDateTime.now(ZoneOffset.UTC)).end().toString()));
    }

    /**
     * serverz with counts; {@code c} null for a cluster follower (no engine counted traffic: zeros). A follower whose
     * stores stay busy beyond {@link #SERVERZ_STORED_WAIT} answers without counts (as an FT standby).
     */
    private Response serverz(Snapshot.Totals t, Counters c) {
        Json j = serverHeader(OffsetDateTime.now(ZoneOffset.UTC))
                .field("clients", t.clients())
                .field("subscriptions", t.subscriptions())
                .field("channels", t.channels())
                .field("total_msgs", t.msgs())
                .field("total_bytes", t.bytes())
                .field("in_msgs", c == null ? 0 : c.inMsgs())
                .field("in_bytes", c == null ? 0 : c.inBytes())
                .field("out_msgs", c == null ? 0 : c.outMsgs())
                .field("out_bytes", c == null ? 0 : c.outBytes());
        ProcessFds fds = ProcessFds.read();
        if (fds.open() > 0) {
            j.field("open_fds", fds.open());
        }
        if (fds.max() > 0) {
            j.field("max_fds", fds.max());
        }
        return Response.json(j.end().toString());
    }

    /**
     * serverz's fields up to the uptime: state STANDALONE, or for a cluster node CLUSTERED with its {@code role}
     * and {@code node_id}.
     */
    private Json serverHeader(OffsetDateTime now) {
        Json j = new Json().begin()
                .field("cluster_id", config.clusterId)
                .field("server_id", serverId)
                .field("version", StanchionServer.VERSION)
                .field("go", "java" + System.getProperty("java.version"));
        String role = served.role();
        j.field("state", served.state());
        if (role != null) {
            j.field("role", role).field("node_id", served.nodeId());
        }
        return j.field("now", RFC3339.format(now))
                .field("start_time", RFC3339.format(startTime))
                .field("uptime", uptime(Duration.between(startTime, now)));
    }

    /**
     * Runs {@code query} on the state (the engine's, through {@link Engine#call}; else a cluster follower's stores),
     * then {@code render} on its result: on the engine's query thread, or for a follower normally on its read thread
     * (on the caller's if the read completed before this attaches: a small copy, rarely); 503 when there is no
     * state to read.
     */
    private <T> CompletableFuture<Response> read(Function<StateView, T> query, Function<T, Response> render) {
        Engine engine = served.engine();
        if (engine != null) {
            return engine.call(query::apply, render);
        }
        CompletableFuture<StateView> stored = served.storedState(STORED_WAIT);
        if (stored == null) {
            return notLeading();
        }
        return stored.thenApply(view -> render.apply(query.apply(view)));
    }

    /** The answer of a server without state to read (an FT standby) to the endpoints that need it: 503. */
    private CompletableFuture<Response> notLeading() {
        return CompletableFuture.completedFuture(new Response(503, Response.JSON, header(new Json().begin())
                .field("error", served.role() != null
                        ? "this cluster node is a " + served.role() + ", not the leader: ask the leader"
                        : "this server is in " + served.state() + " state and serves no clients")
                .end().toString()));
    }

    private CompletableFuture<Response> storez() {
        return read(view -> view.totals(), t -> {
            Json j = header(new Json().begin()).field("type", storeType);
            LimitsJson.write(j, config);
            j.field("total_msgs", t.msgs()).field("total_bytes", t.bytes());
            return Response.json(j.end().toString());
        });
    }

    private CompletableFuture<Response> clientsz(Query q) {
        String only = q.string("client");
        boolean subs = q.flag("subs");
        // parameters are validated here, on the request thread: a bad one is a 400, never a failed future
        int offset = q.nonNegative("offset", 0);
        int limit = q.nonNegative("limit", DEFAULT_LIMIT);
        return read(view -> view.clients(), all -> {
            if (only != null) {
                for (Snapshot.Client c : all) {
                    if (c.id().equals(only)) {
                        Json j = new Json().begin();
                        client(j, c, subs);
                        return Response.json(j.end().toString());
                    }
                }
                return Response.notFound("Client " + only + " not found");
            }
            List<Snapshot.Client> page = page(all, offset, limit);
            Json j = header(new Json().begin())
                    .field("offset", offset).field("limit", limit)
                    .field("count", page.size()).field("total", all.size())
                    .array("clients");
            for (Snapshot.Client c : page) {
                j.element();
                client(j, c, subs);
                j.end();
            }
            return Response.json(j.endArray().end().toString());
        });
    }

    private void client(Json j, Snapshot.Client c, boolean subs) {
        j.field("id", c.id()).field("hb_inbox", c.heartbeatInbox()).field("subs_count", c.subscriptions().size());
        if (subs && !c.subscriptions().isEmpty()) {
            Map<String, List<Snapshot.Sub>> byChannel = new LinkedHashMap<>();
            for (Snapshot.Sub s : c.subscriptions()) {
                byChannel.computeIfAbsent(s.channel(), k -> new ArrayList<>()).add(s);
            }
            j.object("subscriptions");
            byChannel.forEach((channel, list) -> {
                j.array(channel);
                list.forEach(s -> sub(j, s));
                j.endArray();
            });
            j.end();
        }
    }

    private CompletableFuture<Response> channelsz(Query q) {
        String only = q.string("channel");
        boolean subs = q.flag("subs");
        int offset = q.nonNegative("offset", 0);
        int limit = q.nonNegative("limit", DEFAULT_LIMIT);
        return read(view -> view.channels(), all -> {
            if (only != null) {
                for (Snapshot.Channel ch : all) {
                    if (ch.name().equals(only)) {
                        Json j = new Json().begin();
                        channel(j, ch, subs);
                        return Response.json(j.end().toString());
                    }
                }
                return Response.notFound("Channel " + only + " not found");
            }
            List<Snapshot.Channel> page = page(all, offset, limit);
            Json j = header(new Json().begin())
                    .field("offset", offset).field("limit", limit)
                    .field("count", page.size()).field("total", all.size());
            if (subs) {
                j.array("channels");
                for (Snapshot.Channel ch : page) {
                    j.element();
                    channel(j, ch, true);
                    j.end();
                }
                j.endArray();
            } else {
                j.stringArray("names", page.stream().map(Snapshot.Channel::name).toList());
            }
            return Response.json(j.end().toString());
        });
    }

    private void channel(Json j, Snapshot.Channel ch, boolean subs) {
        j.field("name", ch.name()).field("msgs", ch.msgs()).field("bytes", ch.bytes())
                .field("first_seq", ch.firstSeq()).field("last_seq", ch.lastSeq());
        if (subs) {
            j.field("subs_count", ch.subscriptions().size());
            j.array("subscriptions");
            ch.subscriptions().forEach(s -> sub(j, s));
            j.endArray();
        }
    }

    /**
     * One subscription as the original shows it: a durable queue member has no {@code durable_name}, its durable
     * name is in {@code queue_name} ({@code durable:group}).
     */
    private static void sub(Json j, Snapshot.Sub s) {
        j.element()
                .field("client_id", s.clientId())
                .field("inbox", s.inbox())
                .field("ack_inbox", s.ackInbox())
                .fieldIfNotEmpty("durable_name", s.queueName().isEmpty() ? s.durableName() : "")
                .fieldIfNotEmpty("queue_name", s.queueName())
                .field("is_durable", s.durable())
                .field("is_offline", s.offline())
                .field("max_inflight", s.maxInFlight())
                .field("ack_wait", s.ackWaitSeconds())
                .field("last_sent", s.lastSent())
                .field("pending_count", s.pendingCount())
                .field("is_stalled", s.stalled())
                .end();
    }

    private Json header(Json j) {
        return j.field("cluster_id", config.clusterId)
                .field("server_id", serverId)
                .field("now", RFC3339.format(OffsetDateTime.now(ZoneOffset.UTC)));
    }

    private static <T> List<T> page(List<T> all, int offset, int limit) {
        if (offset >= all.size()) {
            return List.of();
        }
        return all.subList(offset, (int) Math.min(all.size(), (long) offset + limit)); // no int overflow
    }

    /** The uptime as the original (nats-server's myUptime) prints it: 5s, 3m4s, 2h3m4s, 1d2h3m4s, 1y2d3h4m5s. */
    static String uptime(Duration d) {
        long secs = Math.max(0, d.getSeconds());
        long mins = secs / 60;
        long hours = mins / 60;
        long days = hours / 24;
        long years = days / 365;
        if (years > 0) {
            return years + "y" + days % 365 + "d" + hours % 24 + "h" + mins % 60 + "m" + secs % 60 + "s";
        }
        if (days > 0) {
            return days + "d" + hours % 24 + "h" + mins % 60 + "m" + secs % 60 + "s";
        }
        if (hours > 0) {
            return hours + "h" + mins % 60 + "m" + secs % 60 + "s";
        }
        if (mins > 0) {
            return mins + "m" + secs % 60 + "s";
        }
        return secs + "s";
    }
}
