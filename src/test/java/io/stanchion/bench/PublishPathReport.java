package io.stanchion.bench;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The Markdown report of {@link PublishPathMatrix}: the table of issue 11 (rows = workloads; columns = Stanchion
 * fsync / no fsync, JetStream, and the original Go server's figures as the issue gives them — not measured here),
 * then every workload's msg/s beside the CPU per message of the server, nats-server and the load generator, and
 * the targets. Every figure is the median of the rounds, each metric on its own.
 */
final class PublishPathReport {
    static final List<String> STANCHION = List.of("FILE_SYNC", "FILE");

    /** The workloads, with the Go server's figures from issue 11 (fsync, no fsync; msg/s). */
    enum Workload {
        ASYNC_FIRST("async publish, 1 publisher", 105_600, 139_600),
        ASYNC_WARM("same, after a warm-up", 106_400, 129_200),
        PUB_SUB("1 publisher + 1 subscriber (aggregate)", 116_200, 167_200),
        SYNC("sync publish (one in flight)", 1_070, 3_780),
        REPLAY("replay of a backlog", 171_900, 163_200);

        final String label;
        final double goFsync;
        final double goNoFsync;

        Workload(String label, double goFsync, double goNoFsync) {
            this.label = label;
            this.goFsync = goFsync;
            this.goNoFsync = goNoFsync;
        }
    }

    /** Issue 11's figures for the original server: CPU µs per published message (async), peak RSS (async 100k). */
    static final double GO_CPU_FSYNC = 7.3;
    static final double GO_CPU_NO_FSYNC = 5.7;
    static final double GO_PEAK_MIB = 62;

    /** One measured run. */
    record Sample(double rate, RunCost cost, long peakKib) {
    }

    private final BenchMatrix m;
    private final Map<Workload, Map<String, List<Sample>>> samples = new EnumMap<>(Workload.class);
    boolean peakRssWorks = true;

    PublishPathReport(BenchMatrix m) {
        this.m = m;
    }

    void add(Workload w, String system, Sample s) {
        samples.computeIfAbsent(w, k -> new LinkedHashMap<>()).computeIfAbsent(system, k -> new ArrayList<>()).add(s);
    }

    /** The median of one metric over the runs of a workload on a system; NaN when there are none (or none valid). */
    double median(Workload w, String system, ToDoubleFunction<Sample> metric) {
        List<Sample> list = samples.getOrDefault(w, Map.of()).getOrDefault(system, List.of());
        double[] v = list.stream().mapToDouble(metric).filter(x -> x >= 0 && !Double.isNaN(x)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    double rate(Workload w, String system) {
        return median(w, system, Sample::rate);
    }

    double serverMicros(Workload w, String system) {
        return median(w, system, s -> s.cost.serverMicrosPerMessage());
    }

    double natsMicros(Workload w, String system) {
        return median(w, system, s -> s.cost.natsMicrosPerMessage());
    }

    double peakMib(Workload w, String system) {
        return median(w, system, s -> s.peakKib < 0 ? -1 : s.peakKib / 1024.0);
    }

    String render(ZonedDateTime started) {
        StringBuilder b = new StringBuilder();
        String loadEnd = BenchMatrix.loadAverage();
        b.append("## Publish path (issue 11)\n\n");
        b.append("Run ").append(started.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z"))).append(", `")
                .append(("bin/bench " + m.commandLine).trim()).append("`: ").append(BenchMatrix.count(m.n))
                .append(" × ").append(m.msgSize).append("-byte messages per async and pub+sub run, ")
                .append(BenchMatrix.count(m.nSync)).append(" per sync run (")
                .append(BenchMatrix.count(Math.max(500, m.nSync / 4))).append(" with fsync), backlog ")
                .append(BenchMatrix.count(m.backlog)).append(", publish window ").append(m.mpa)
                .append(", MaxInFlight ").append(m.mif).append(", median of ").append(m.runs)
                .append(" round(s). Load average at start ").append(m.loadStart).append(", at end ").append(loadEnd)
                .append(".");
        if (BenchMatrix.busy(m.loadStart) || BenchMatrix.busy(loadEnd)) {
            b.append(" **Noisy run:** more than half the CPUs were busy at the start or the end (the benchmark's own "
                    + "processes count).");
        }
        b.append("\n\nMachine: ").append(m.machine()).append(". Servers started ").append(m.serverLaunch()).append('.');
        String commit = BenchMatrix.commit();
        if (commit != null) {
            b.append(" Stanchion at commit ").append(commit).append('.');
        }
        b.append("\n\n");
        headline(b);
        detail(b);
        targets(b);
        headroom(b);
        return b.toString();
    }

    private void headline(StringBuilder b) {
        b.append("| workload | Stanchion --file_sync=true / false | JetStream | Go server fsync / no fsync "
                + "(from issue 11, not measured here) |\n|---|---|---|---|\n");
        for (Workload w : Workload.values()) {
            String label = switch (w) {
                case ASYNC_FIRST -> w.label + " (server's first " + BenchMatrix.count(m.n) + ")";
                case ASYNC_WARM -> "same, after a " + BenchMatrix.count(m.n) + " warm-up";
                case REPLAY -> "replay of a " + BenchMatrix.count(m.backlog) + "-message backlog";
                default -> w.label;
            };
            b.append("| ").append(label).append(" | ").append(rate(rate(w, "FILE_SYNC"))).append(" / ")
                    .append(rate(rate(w, "FILE"))).append(" msg/s | ").append(rate(rate(w, "JS"))).append(" | ")
                    .append(rate(w.goFsync)).append(" / ").append(rate(w.goNoFsync)).append(" |\n");
        }
        Workload cpu = Workload.ASYNC_WARM;
        b.append("| server CPU per published message (async, after the warm-up) | ")
                .append(micros(serverMicros(cpu, "FILE_SYNC"))).append(" / ").append(micros(serverMicros(cpu, "FILE")))
                .append(" µs | ").append(micros(natsMicros(cpu, "JS"))).append(" µs (nats-server) | ")
                .append(GO_CPU_FSYNC).append(" / ").append(GO_CPU_NO_FSYNC).append(" µs |\n");
        b.append("| nats-server CPU per published message in the same runs | ")
                .append(micros(natsMicros(cpu, "FILE_SYNC"))).append(" / ").append(micros(natsMicros(cpu, "FILE")))
                .append(" µs | (the row above) | — |\n");
        Workload rss = Workload.ASYNC_FIRST;
        b.append("| server peak RSS (async ").append(BenchMatrix.count(m.n)).append(", first run) | ")
                .append(mib(peakMib(rss, "FILE_SYNC"))).append(" / ").append(mib(peakMib(rss, "FILE")))
                .append(" MiB | ").append(mib(peakMib(rss, "JS"))).append(" MiB (nats-server) | ")
                .append(String.format(Locale.ROOT, "%.0f", GO_PEAK_MIB)).append(" MiB |\n");
        b.append("| same, run after the warm-up | ").append(mib(peakMib(cpu, "FILE_SYNC"))).append(" / ")
                .append(mib(peakMib(cpu, "FILE"))).append(" MiB | ").append(mib(peakMib(cpu, "JS")))
                .append(" MiB (nats-server) | — |\n\n");
        b.append("Go server figures: issue 11's table (nats-streaming-server 0.25.3, FILE store, its Go stan-bench "
                + "client, 100,000 × 128-byte messages, 1,000,000-message backlog, same kind of machine) — a "
                + "reference, not a measurement of this run. Pub+sub is (published + received) per second over the "
                + "run, as stan-bench's aggregate. Peak RSS is VmHWM after resetting it right before the run"
                + (peakRssWorks ? "" : " (**the reset did not work on this machine: peaks are since the process started**)")
                + ".\n\n");
    }

    private void detail(StringBuilder b) {
        b.append("| workload | system | msg/s | server CPU µs/msg | nats-server µs/msg | client µs/msg | client cores "
                + "| client publishing thread, cores | peak RSS |\n|---|---|---:|---:|---:|---:|---:|---|---:|\n");
        for (Workload w : Workload.values()) {
            for (String system : List.of("FILE_SYNC", "FILE", "JS", "ECHO")) {
                List<Sample> list = samples.getOrDefault(w, Map.of()).get(system);
                if (list == null || list.isEmpty()) {
                    continue;
                }
                double server = serverMicros(w, system);
                double peak = peakMib(w, system);
                b.append("| ").append(w.label).append(" | ").append(systemLabel(system)).append(" | ")
                        .append(String.format(Locale.ROOT, "%,.0f", rate(w, system))).append(" | ")
                        .append(Double.isNaN(server) ? "—" : micros(server)).append(" | ")
                        .append(micros(natsMicros(w, system))).append(" | ")
                        .append(micros(median(w, system, s -> s.cost.clientMicrosPerMessage()))).append(" | ")
                        .append(String.format(Locale.ROOT, "%.2f", median(w, system, s -> s.cost.clientCores())))
                        .append(" | ").append(busiest(list)).append(" | ")
                        .append(Double.isNaN(peak) ? "—" : mib(peak) + " MiB").append(" |\n");
            }
        }
        b.append("\nCPU per message = CPU time used during the run (read from /proc right before and after it) / the "
                + "run's messages (pub+sub: messages published, each also delivered; replay: messages delivered). "
                + "Server: the Stanchion JVM (for JetStream there is no process of its own: see nats-server; for the "
                + "echo, its responder JVM is not measured). Client: this JVM, the load generator; cores = its CPU "
                + "time / the run's wall time (all its threads: publisher, jnats reader, writer and dispatchers); "
                + "publishing thread = the CPU of the thread that encodes and publishes the PubMsgs (read by "
                + "itself), as a share of one core over the run; — for a replay (no publisher).\n\n");
    }

    private void targets(StringBuilder b) {
        b.append("| target (issue 11, against its Go figures) | --file_sync=true | --file_sync=false |\n|---|---:|---:|\n");
        ratioRow(b, "async publish ≥ 1.5× Go (server's first run)", Workload.ASYNC_FIRST, 1.5);
        ratioRow(b, "async publish ≥ 1.5× Go (after the warm-up)", Workload.ASYNC_WARM, 1.5);
        ratioRow(b, "1 pub + 1 sub ≥ 1.5× Go", Workload.PUB_SUB, 1.5);
        ratioRow(b, "replay ≥ 2× Go", Workload.REPLAY, 2.0);
        b.append("| server CPU per message (async) ≤ Go's | ");
        for (String cfg : STANCHION) {
            double us = serverMicros(Workload.ASYNC_WARM, cfg);
            double go = cfg.equals("FILE_SYNC") ? GO_CPU_FSYNC : GO_CPU_NO_FSYNC;
            b.append(Double.isNaN(us) ? "—" : micros(us) + " µs vs " + go + " " + met(us <= go)).append(" | ");
        }
        b.append('\n');
        double echo = rate(Workload.SYNC, "ECHO");
        b.append("| sync publish ≥ 95 % of the echo round trip (").append(rate(echo)).append(" msg/s) | ");
        for (String cfg : STANCHION) {
            double r = rate(Workload.SYNC, cfg) / echo;
            b.append(Double.isNaN(r) ? "—" : String.format(Locale.ROOT, "%.0f%% %s", 100 * r, met(r >= 0.95))).append(" | ");
        }
        b.append('\n');
        b.append("| peak RSS ≤ 128 MiB (async ").append(BenchMatrix.count(m.n)).append(", first run) | ");
        for (String cfg : STANCHION) {
            double p = peakMib(Workload.ASYNC_FIRST, cfg);
            b.append(Double.isNaN(p) ? "—" : mib(p) + " MiB " + met(p <= 128)).append(" | ");
        }
        b.append("\n\n");
    }

    private void ratioRow(StringBuilder b, String name, Workload w, double goal) {
        b.append("| ").append(name).append(" | ");
        for (String cfg : STANCHION) {
            double go = cfg.equals("FILE_SYNC") ? w.goFsync : w.goNoFsync;
            double r = rate(w, cfg) / go;
            b.append(Double.isNaN(r) ? "—" : String.format(Locale.ROOT, "%.2f× %s", r, met(r >= goal))).append(" | ");
        }
        b.append('\n');
    }

    /** The client-headroom sentence: the most the load generator used in any Stanchion workload. */
    private void headroom(StringBuilder b) {
        double cores = 0;
        double thread = 0;
        String where = "";
        for (Workload w : Workload.values()) {
            for (String cfg : STANCHION) {
                double c = median(w, cfg, s -> s.cost.clientCores());
                double t = median(w, cfg, s -> s.cost.busiestClientThreadCores());
                if (!Double.isNaN(c)) {
                    cores = Math.max(cores, c);
                }
                if (!Double.isNaN(t) && t > thread) {
                    thread = t;
                    where = w.label + ", " + systemLabel(cfg);
                }
            }
        }
        b.append(String.format(Locale.ROOT, "Client headroom: against Stanchion the load generator (raw STAN protocol "
                + "client) used at most %.2f cores, its publishing thread at most %.2f of one core (%s)", cores, thread, where));
        b.append(thread >= 0.9 ? " — **close to a full core: the client may bound this workload.**\n"
                : " — below a full core: the client is not what bounds the rates.\n");
    }

    private String busiest(List<Sample> list) {
        List<Sample> sorted = new ArrayList<>(list);
        sorted.sort((x, y) -> Double.compare(x.rate, y.rate));
        RunCost med = sorted.get(sorted.size() / 2).cost;
        return med.busiestClientNanos() <= 0 ? "—" : String.format(Locale.ROOT, "%.2f", med.busiestClientThreadCores());
    }

    static String systemLabel(String system) {
        return switch (system) {
            case "FILE_SYNC" -> "Stanchion --file_sync=true";
            case "FILE" -> "Stanchion --file_sync=false";
            case "JS" -> "JetStream (push consumer)";
            case "ECHO" -> "echo round trip";
            default -> system;
        };
    }

    static String met(boolean ok) {
        return ok ? "(yes)" : "(**no**)";
    }

    /** 105.6k, 1.07k, 980 — the style. */
    static String rate(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        if (v >= 10_000) {
            return String.format(Locale.ROOT, "%.1fk", v / 1000);
        }
        if (v >= 1_000) {
            return String.format(Locale.ROOT, "%.2fk", v / 1000);
        }
        return String.format(Locale.ROOT, "%.0f", v);
    }

    static String micros(double v) {
        if (Double.isNaN(v) || v < 0) {
            return "—";
        }
        return v >= 10 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    static String mib(double v) {
        return Double.isNaN(v) || v < 0 ? "—" : String.format(Locale.ROOT, "%.0f", v);
    }
}
