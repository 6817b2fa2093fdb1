package io.stanchion.monitor;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.stanchion.engine.Counters;
import io.stanchion.engine.Engine;
import io.stanchion.engine.EngineMetrics;
import io.stanchion.engine.Snapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Native Prometheus metrics through Micrometer, and the engine's hot-path histograms (latencies, batch sizes), which
 * the engine records through {@link #engineMetrics()} into our own single-writer {@link Histogram}s (a Micrometer
 * {@code Timer} cost about 100 ns a record); they are rendered after the registry's text. Channel and subscription
 * series are refreshed from an engine snapshot at each scrape.
 *
 * <p>Cardinality is bounded: one series set per channel (channels are bounded by max_channels), and per-subscription
 * series for at most {@link #MAX_SUBSCRIPTION_SERIES} subscriptions (those with the most pending messages first);
 * series of channels and subscriptions that are gone are removed at the next scrape. Labels never carry inboxes.
 *
 * <p>Threading: the registry is thread-safe; {@link #scrape} runs the refresh on the engine's query thread, one
 * scrape at a time. A cluster follower has no engine: its state series are not refreshed (the leader's are the
 * cluster's; exporting the replicated state from every node would count it once per node in sums).
 */
public final class Metrics {
    /** Upper bound of subscriptions exported with their own series. */
    public static final int MAX_SUBSCRIPTION_SERIES = 1000;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Histogram pubAck = Histogram.latency("stanchion_pub_ack_latency_seconds",
            "Time from a publish's arrival to its PubAck");
    private final Histogram append = Histogram.latency("stanchion_store_append_latency_seconds",
            "Time to append one message to its log");
    private final Histogram flush = Histogram.latency("stanchion_store_flush_latency_seconds",
            "Time of a log flush at batch commit (no fsync)");
    private final Histogram fsync = Histogram.latency("stanchion_store_fsync_latency_seconds",
            "Time of a log flush with fsync at batch commit");
    private final Histogram batch = Histogram.sizes("stanchion_publish_batch_size",
            "Publishes committed together (one flush, one PubAck burst)", 4096);
    private final List<Histogram> histograms = List.of(pubAck, batch, append, flush, fsync);
    /** The common labels of the histograms, as the registry's common tags. */
    private final String histogramLabels;
    private final io.micrometer.core.instrument.Counter heartbeatFailures;
    private final Map<String, Values> channelValues = new HashMap<>();
    private final Map<String, List<Meter>> channelMeters = new HashMap<>();
    private final Map<Long, Values> subValues = new HashMap<>();
    private final Map<Long, List<Meter>> subMeters = new HashMap<>();
    private final Values totals = new Values();

    public Metrics(String clusterId) {
        registry.config().commonTags("cluster_id", clusterId);
        histogramLabels = "cluster_id=\"" + Histogram.labelValue(clusterId) + "\"";
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        heartbeatFailures = io.micrometer.core.instrument.Counter.builder("stanchion.heartbeat.failures")
                .description("Server-to-client heartbeats that got no reply in time").register(registry);
        Gauge.builder("stanchion.clients", totals, v -> v.a).description("Registered clients").register(registry);
        Gauge.builder("stanchion.channels", totals, v -> v.b).description("Channels").register(registry);
        Gauge.builder("stanchion.subscriptions", totals, v -> v.c)
                .description("Subscriptions, offline durables included").register(registry);
    }

    /** The counters of the engine serving now (a cluster node has a new engine each time it becomes leader). */
    private volatile Counters bound;

    /**
     * Binds the server-wide counters of a started engine; a later call (a cluster node leading again) rebinds the
     * same series to the new engine's counters, which start from zero (a counter reset to Prometheus).
     */
    public void bind(Engine engine) {
        boolean first = bound == null;
        bound = engine.counters();
        if (!first) {
            return;
        }
        counter("stanchion.server.in.msgs", "Messages published to the server", Counters::inMsgs);
        counter("stanchion.server.in.bytes", "Bytes published to the server", Counters::inBytes);
        counter("stanchion.server.out.msgs", "Messages sent to subscribers (redeliveries included)",
                Counters::outMsgs);
        counter("stanchion.server.out.bytes", "Bytes sent to subscribers", Counters::outBytes);
        counter("stanchion.server.redeliveries", "Messages redelivered", Counters::redeliveries);
    }

    private void counter(String name, String description, java.util.function.ToDoubleFunction<Counters> f) {
        FunctionCounter.builder(name, this, m -> f.applyAsDouble(m.bound)).description(description)
                .register(registry);
    }

    /** Suppliers of {@link #gauge}s, held here: Micrometer keeps only a weak reference to a gauge's object. */
    private final List<java.util.function.DoubleSupplier> gauges = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** A gauge read at each scrape (e.g. a cluster node's Raft role and term). */
    public void gauge(String name, String description, java.util.function.DoubleSupplier value) {
        gauges.add(value);
        Gauge.builder(name, value, java.util.function.DoubleSupplier::getAsDouble).description(description)
                .register(registry);
    }

    /** The hooks the engine calls on its hot path. */
    public EngineMetrics engineMetrics() {
        return new EngineMetrics() {
            @Override
            public void pubAckLatency(long nanos) {
                pubAck.record(nanos);
            }

            @Override
            public void appendLatency(long nanos) {
                append.record(nanos);
            }

            @Override
            public void flushLatency(long nanos, boolean synced) {
                (synced ? fsync : flush).record(nanos);
            }

            @Override
            public void heartbeatFailed() {
                heartbeatFailures.increment();
            }

            @Override
            public void batchCommitted(int publishes) {
                if (publishes > 0) {
                    batch.record(publishes);
                }
            }
        };
    }

    /** Refreshes channel and subscription series from a snapshot, then renders the Prometheus text format. */
    public CompletableFuture<Response> scrape(Engine engine) {
        if (engine == null) { // nothing to refresh from
            synchronized (this) {
                return CompletableFuture.completedFuture(
                        new Response(200, "text/plain; version=0.0.4; charset=utf-8", render()));
            }
        }
        return engine.call(view -> new Object[] {view.totals(), view.channels()}, r -> {
            @SuppressWarnings("unchecked")
            List<Snapshot.Channel> channels = (List<Snapshot.Channel>) r[1];
            return refreshAndRender((Snapshot.Totals) r[0], channels);
        });
    }

    private synchronized Response refreshAndRender(Snapshot.Totals t, List<Snapshot.Channel> channels) {
        totals.a = t.clients();
        totals.b = t.channels();
        totals.c = t.subscriptions();
        refresh(channels);
        return new Response(200, "text/plain; version=0.0.4; charset=utf-8", render());
    }

    /**
     * The registry's text, then the histograms'. Both are the 0.0.4 text format, where families may come in any order
     * (OpenMetrics would want {@code # EOF} last: the endpoint does not offer it).
     */
    String render() {
        String registryText = registry.scrape();
        StringBuilder out = new StringBuilder(registryText.length() + 64 * 1024).append(registryText);
        if (out.length() > 0 && out.charAt(out.length() - 1) != '\n') {
            out.append('\n');
        }
        long now = System.nanoTime();
        for (Histogram h : histograms) {
            h.render(out, histogramLabels, now);
        }
        return out.toString();
    }

    private void refresh(List<Snapshot.Channel> channels) {
        Set<String> seen = new HashSet<>();
        List<Snapshot.Sub> subs = new ArrayList<>();
        for (Snapshot.Channel ch : channels) {
            seen.add(ch.name());
            Values v = channelValues.computeIfAbsent(ch.name(), this::registerChannel);
            v.a = ch.msgs();
            v.b = ch.bytes();
            v.c = ch.firstSeq();
            v.d = ch.lastSeq();
            for (Snapshot.Sub s : ch.subscriptions()) {
                subs.add(s);
            }
        }
        removeStale(channelValues, channelMeters, seen);
        Map<String, Long> lastSeq = new HashMap<>();
        channels.forEach(ch -> lastSeq.put(ch.name(), ch.lastSeq()));
        subs.sort(Comparator.comparingInt(Snapshot.Sub::pendingCount).reversed()
                .thenComparingLong(Snapshot.Sub::id));
        Set<Long> seenSubs = new HashSet<>();
        for (Snapshot.Sub s : subs.subList(0, Math.min(subs.size(), MAX_SUBSCRIPTION_SERIES))) {
            seenSubs.add(s.id());
            Values v = subValues.computeIfAbsent(s.id(), id -> registerSub(s));
            v.a = s.pendingCount();
            v.b = s.lastSent();
            v.c = s.stalled() ? 1 : 0;
            v.d = s.offline() ? 1 : 0;
            v.e = s.redeliveries();
            v.f = Math.max(0, lastSeq.getOrDefault(s.channel(), 0L) - s.lastSent());
        }
        removeStale(subValues, subMeters, seenSubs);
    }

    private Values registerChannel(String name) {
        Values v = new Values();
        Tags tags = Tags.of("channel", name);
        List<Meter> meters = new ArrayList<>();
        meters.add(gauge("stanchion.channel.msgs", v, x -> x.a, tags, "Messages stored in the channel"));
        meters.add(gauge("stanchion.channel.bytes", v, x -> x.b, tags, "Bytes stored in the channel"));
        meters.add(gauge("stanchion.channel.first.seq", v, x -> x.c, tags, "First stored sequence"));
        meters.add(gauge("stanchion.channel.last.seq", v, x -> x.d, tags, "Last sequence"));
        meters.add(FunctionCounter.builder("stanchion.channel.published", v, x -> x.d).tags(tags)
                .description("Messages ever published to the channel (its last sequence); rate() is the publish rate")
                .register(registry));
        channelMeters.put(name, meters);
        return v;
    }

    private Values registerSub(Snapshot.Sub s) {
        Values v = new Values();
        Tags tags = Tags.of("channel", s.channel(), "client_id", s.clientId() == null ? "" : s.clientId(),
                "durable_name", s.durableName(), "queue_name", s.queueName(), "subscription", Long.toString(s.id()));
        List<Meter> meters = new ArrayList<>();
        meters.add(gauge("stanchion.subscription.pending", v, x -> x.a, tags,
                "Messages delivered and not yet acknowledged"));
        meters.add(gauge("stanchion.subscription.last.sent", v, x -> x.b, tags, "Last sequence sent"));
        meters.add(gauge("stanchion.subscription.stalled", v, x -> x.c, tags, "1 when pending reached MaxInFlight"));
        meters.add(gauge("stanchion.subscription.offline", v, x -> x.d, tags, "1 for an offline durable"));
        meters.add(FunctionCounter.builder("stanchion.subscription.redeliveries", v, x -> x.e).tags(tags)
                .description("Redeliveries to this subscription").register(registry));
        meters.add(gauge("stanchion.subscription.lag", v, x -> x.f, tags, "Channel last sequence minus last sent"));
        subMeters.put(s.id(), meters);
        return v;
    }

    private Meter gauge(String name, Values v, java.util.function.ToDoubleFunction<Values> value, Tags tags,
                        String description) {
        return Gauge.builder(name, v, value).tags(tags).description(description).register(registry);
    }

    private <K> void removeStale(Map<K, Values> values, Map<K, List<Meter>> meters, Set<K> seen) {
        values.keySet().removeIf(k -> {
            if (seen.contains(k)) {
                return false;
            }
            meters.remove(k).forEach(registry::remove);
            return true;
        });
    }

    /** Plain holders read by the gauges; written under the scrape lock. */
    private static final class Values {
        volatile double a;
        volatile double b;
        volatile double c;
        volatile double d;
        volatile double e;
        volatile double f;
    }
}
