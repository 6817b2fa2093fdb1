package io.stanchion.bench;

import io.stanchion.e2e.ServerProcess;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A three-node clustered Stanchion (issue 13) in child JVMs started as {@link BenchMatrix} starts its servers (from
 * the jar, AppCDS, config/jvm.options): node i ({@code a}, {@code b}, {@code c}) is connected to nats-server i of a
 * {@link NatsCluster}, stores under its own directory and runs
 * {@code -clustered -cluster_node_id <id> -cluster_peers a@127.0.0.1:<raft a>,b@…,c@…} (plus {@code -cluster_sync}
 * when asked), with its own monitoring port. Roles are read from {@code /streaming/serverz}
 * ({@code "state":"CLUSTERED"}, {@code "role":"Leader"|"Follower"|"Candidate"}).
 */
final class StanchionCluster implements AutoCloseable {
    static final String[] IDS = {"a", "b", "c"};

    /** What serverz says of a node. */
    record Status(String state, String role, String nodeId) {
    }

    private final BenchMatrix m;
    private final NatsCluster nats;
    final String clusterId;
    final boolean sync;
    private final Path dir;
    private final int[] raftPorts;
    private final int[] monitorPorts;
    private final ServerProcess[] nodes;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    StanchionCluster(BenchMatrix m, NatsCluster nats, String clusterId, boolean sync, Path dir) throws IOException {
        this.m = m;
        this.nats = nats;
        this.clusterId = clusterId;
        this.sync = sync;
        this.dir = dir;
        int n = IDS.length;
        this.raftPorts = new int[n];
        this.monitorPorts = new int[n];
        this.nodes = new ServerProcess[n];
        List<Integer> taken = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            raftPorts[i] = NatsCluster.freshPort(taken);
            monitorPorts[i] = NatsCluster.freshPort(taken);
        }
    }

    int size() {
        return nodes.length;
    }

    String peers() {
        List<String> peers = new ArrayList<>();
        for (int i = 0; i < IDS.length; i++) {
            peers.add(IDS[i] + "@127.0.0.1:" + raftPorts[i]);
        }
        return String.join(",", peers);
    }

    List<String> args(int i) {
        List<String> args = new ArrayList<>(List.of("-ns", nats.url(i), "-cid", clusterId,
                "-mm", "0", "-mb", "0", "-mc", "0", "-msu", "0",
                "-st", "FILE", "--dir", dir.resolve(IDS[i]).toString(),
                "-m", Integer.toString(monitorPorts[i]),
                "-clustered", "-cluster_node_id", IDS[i], "-cluster_peers", peers()));
        if (sync) {
            args.add("-cluster_sync");
        }
        args.addAll(m.clusterArgs);
        return args;
    }

    String describe() {
        return "cluster " + clusterId + (sync ? " (-cluster_sync)" : "") + ": node i on nats-server i, peers "
                + peers();
    }

    /** Starts the three nodes and waits until each reports a clustered role and one of them is the leader. */
    void start(Duration timeout) throws Exception {
        for (int i = 0; i < nodes.length; i++) {
            launch(i);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < nodes.length; i++) {
            awaitClustered(i, deadline);
        }
        awaitLeader(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
    }

    private void launch(int i) throws IOException {
        if (nodes[i] != null && nodes[i].isAlive()) {
            throw new IllegalStateException("node " + IDS[i] + " is running");
        }
        nodes[i] = ServerProcess.start(m.launchJvmOptions(args(i)), m.serverClassPath, args(i));
    }

    /** Waits until node i answers serverz with state CLUSTERED and a role; fails clearly if it exited first. */
    void awaitClustered(int i, long deadline) throws Exception {
        Status last = null;
        while (true) {
            ServerProcess p = nodes[i];
            if (p == null || !p.isAlive()) {
                Integer code = p == null ? null : p.awaitExit(Duration.ofSeconds(5));
                throw new IllegalStateException("Stanchion node " + IDS[i] + " exited at startup (exit code " + code
                        + "): " + lastLine(p) + "\n  arguments: " + String.join(" ", args(i))
                        + "\n  its last output lines:\n" + tail(p, 25));
            }
            last = status(i);
            if (last != null && "CLUSTERED".equals(last.state()) && last.role() != null && !last.role().isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Stanchion node " + IDS[i] + " did not report a clustered role on "
                        + "/streaming/serverz in time (last answer: " + last + ")\n  its last output lines:\n"
                        + tail(p, 25));
            }
            Thread.sleep(100);
        }
    }

    /** The last non-blank line a node printed (why it stopped, usually). */
    static String lastLine(ServerProcess p) {
        List<String> all = p == null ? List.of() : p.lines();
        for (int k = all.size() - 1; k >= 0; k--) {
            if (!all.get(k).isBlank()) {
                return all.get(k).strip();
            }
        }
        return "(no output)";
    }

    static String tail(ServerProcess p, int lines) {
        if (p == null) {
            return "";
        }
        List<String> all = p.lines();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static final Pattern STATE = Pattern.compile("\"state\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern ROLE = Pattern.compile("\"role\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern NODE = Pattern.compile("\"node_id\"\\s*:\\s*\"([^\"]*)\"");

    /** serverz of node i, or null when it does not answer. */
    Status status(int i) {
        if (nodes[i] == null || !nodes[i].isAlive()) {
            return null;
        }
        String body = NatsCluster.httpGet(http, "http://127.0.0.1:" + monitorPorts[i] + "/streaming/serverz");
        if (body == null) {
            return null;
        }
        return new Status(field(STATE, body), field(ROLE, body), field(NODE, body));
    }

    private static String field(Pattern p, String json) {
        Matcher mm = p.matcher(json);
        return mm.find() ? mm.group(1) : null;
    }

    /** The index of the one running node that says it is the leader, or -1 (none, or more than one). */
    int leader() {
        int found = -1;
        for (int i = 0; i < nodes.length; i++) {
            Status s = status(i);
            if (s != null && "Leader".equals(s.role())) {
                if (found >= 0) {
                    return -1;
                }
                found = i;
            }
        }
        return found;
    }

    int awaitLeader(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int l = leader();
            if (l >= 0) {
                return l;
            }
            if (System.nanoTime() > deadline) {
                StringBuilder b = new StringBuilder("no Stanchion leader within " + timeout.toSeconds() + " s:");
                for (int i = 0; i < nodes.length; i++) {
                    b.append(' ').append(IDS[i]).append('=').append(status(i));
                }
                throw new IllegalStateException(b.toString());
            }
            Thread.sleep(50);
        }
    }

    /** kill -9 of node i; returns once the process is gone. */
    void kill(int i) throws InterruptedException {
        nodes[i].kill();
        nodes[i].awaitExit(Duration.ofSeconds(10));
    }

    /** Starts node i again on its directory and ports and waits until it reports a clustered role. */
    void restart(int i, Duration timeout) throws Exception {
        if (nodes[i] != null) {
            nodes[i].close();
        }
        launch(i);
        awaitClustered(i, System.nanoTime() + timeout.toNanos());
    }

    /**
     * Waits until node i's JVM uses no more CPU than a follower that was never stopped (node {@code reference}),
     * within 1.5× + 0.1 of a core, over half a second: a restarted node that led rebuilds its stores from the Raft
     * log and catches up with the leader, and nothing tells when that is done but its CPU coming down to what
     * following costs (the failover publisher keeps publishing). Returns null when it did; otherwise what kept it
     * busy over the last half second (its busiest threads).
     */
    String awaitCaughtUp(int i, int reference, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pid = nodes[i].pid();
        long refPid = nodes[reference].pid();
        CpuSample before = CpuSample.read(pid);
        CpuSample refBefore = CpuSample.read(refPid);
        String busy = "";
        while (System.nanoTime() < deadline) {
            Thread.sleep(500);
            CpuSample now = CpuSample.read(pid);
            CpuSample refNow = CpuSample.read(refPid);
            long window = now.atNanos() - before.atNanos();
            double cores = (double) now.cpuSince(before) / window;
            double refCores = (double) refNow.cpuSince(refBefore) / Math.max(1, refNow.atNanos() - refBefore.atNanos());
            if (cores <= 1.5 * refCores + 0.1) {
                return null;
            }
            busy = String.format(java.util.Locale.ROOT, "%.2f cores against %.2f for node %s; busiest threads: %s",
                    cores, refCores, IDS[reference], busiestThreads(before, now, window));
            before = now;
            refBefore = refNow;
        }
        return busy;
    }

    /** The three threads that used the most CPU between two samples, with their share of a core. */
    static String busiestThreads(CpuSample before, CpuSample now, long window) {
        List<String> top = new ArrayList<>();
        now.threads().entrySet().stream()
                .map(e -> {
                    ThreadTimes.Thread then = before.threads().get(e.getKey());
                    return new ThreadTimes.Thread(e.getValue().name(),
                            e.getValue().nanos() - (then == null ? 0 : then.nanos()));
                })
                .sorted((x, y) -> Long.compare(y.nanos(), x.nanos()))
                .limit(3)
                .forEach(t -> top.add(String.format(java.util.Locale.ROOT, "%s %.2f", t.name(),
                        (double) t.nanos() / window)));
        return String.join(", ", top);
    }

    static final String SERVING = "Serving clients as the cluster leader";
    private static final Pattern LOG_TIME = Pattern.compile("^(\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}) ");
    private static final java.time.format.DateTimeFormatter LOG_TIME_FORMAT =
            java.time.format.DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss.SSS");

    /**
     * The time (epoch ms, from its log line's timestamp) node i logged that it serves clients as the leader, the
     * first such line at or after {@code afterEpochMillis}; -1 when there is none.
     */
    long servingSince(int i, long afterEpochMillis) {
        if (nodes[i] == null) {
            return -1;
        }
        for (String line : nodes[i].lines()) {
            if (!line.contains(SERVING)) {
                continue;
            }
            Matcher mm = LOG_TIME.matcher(line);
            if (mm.find()) {
                long t = java.time.LocalDateTime.parse(mm.group(1), LOG_TIME_FORMAT)
                        .atZone(java.time.ZoneId.systemDefault()).toInstant().toEpochMilli();
                if (t >= afterEpochMillis) {
                    return t;
                }
            }
        }
        return -1;
    }

    /** What happened to the nodes that are no longer running: exit code and their first error line. */
    String deadNodes() {
        List<String> dead = new ArrayList<>();
        for (int i = 0; i < nodes.length; i++) {
            ServerProcess p = nodes[i];
            if (p != null && !p.isAlive()) {
                String error = p.lines().stream().filter(l -> l.contains("[ERROR]") || l.contains("Error"))
                        .findFirst().orElse(lastLine(p));
                Integer code = null;
                try {
                    code = p.awaitExit(Duration.ofSeconds(1));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                dead.add("node " + IDS[i] + " exited (status " + code + "): " + error.strip());
            }
        }
        return String.join("; ", dead);
    }

    ServerProcess node(int i) {
        return nodes[i];
    }

    List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        for (ServerProcess p : nodes) {
            if (p != null && p.isAlive()) {
                pids.add(p.pid());
            }
        }
        return pids;
    }

    /** Stops every node (SIGTERM, then kill after 30 s). */
    @Override
    public void close() {
        for (ServerProcess p : nodes) {
            if (p != null && p.isAlive()) {
                p.terminate();
            }
        }
        for (ServerProcess p : nodes) {
            if (p != null) {
                try {
                    p.awaitExit(Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                p.close();
            }
        }
    }
}
