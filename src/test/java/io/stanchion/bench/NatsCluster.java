package io.stanchion.bench;

import io.stanchion.e2e.NatsServerProcess;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cluster of {@code nats-server -js} processes on loopback (issue 13's benchmark): server i is named {@code n<i+1>},
 * has its own JetStream store directory, client port, route port ({@code -cluster}, with {@code -routes} to every
 * other server) and monitoring port, all in one cluster name. {@link #awaitFormed} waits until every server has its
 * routes up and knows the JetStream meta leader. A server can be killed ({@code kill -9}) and restarted on the same
 * ports and store (a crash and its recovery).
 */
final class NatsCluster implements AutoCloseable {
    static final String CLUSTER_NAME = "stanchion-bench";

    private final Path dir;
    private final int size;
    private final int[] clientPorts;
    private final int[] routePorts;
    private final int[] monitorPorts;
    private final NatsServerProcess[] servers;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private NatsCluster(Path dir, int size) throws IOException {
        this.dir = dir;
        this.size = size;
        this.clientPorts = new int[size];
        this.routePorts = new int[size];
        this.monitorPorts = new int[size];
        this.servers = new NatsServerProcess[size];
        List<Integer> taken = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            clientPorts[i] = freshPort(taken);
            routePorts[i] = freshPort(taken);
            monitorPorts[i] = freshPort(taken);
        }
    }

    /** Free loopback ports, never the same one twice in a cluster. */
    static int freshPort(List<Integer> taken) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int p = NatsServerProcess.freePort();
            if (!taken.contains(p)) {
                taken.add(p);
                return p;
            }
        }
        throw new IOException("no free loopback port");
    }

    /** Starts {@code size} servers (stores under {@code dir}) and waits until the cluster is formed. */
    static NatsCluster start(Path dir, int size, Duration timeout) throws Exception {
        NatsCluster c = new NatsCluster(dir, size);
        try {
            for (int i = 0; i < size; i++) {
                c.servers[i] = NatsServerProcess.startOn(c.clientPorts[i], c.args(i));
            }
            c.awaitFormed(timeout);
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    String[] args(int i) {
        StringBuilder routes = new StringBuilder();
        for (int j = 0; j < size; j++) {
            if (j != i) {
                routes.append(routes.length() == 0 ? "" : ",").append("nats://127.0.0.1:").append(routePorts[j]);
            }
        }
        return new String[] {"-n", name(i), "--cluster_name", CLUSTER_NAME,
                "-cluster", "nats://127.0.0.1:" + routePorts[i], "-routes", routes.toString(),
                "-js", "-sd", dir.resolve(name(i)).toString(), "-m", Integer.toString(monitorPorts[i])};
    }

    int size() {
        return size;
    }

    /** Server i's name: n1, n2, … (JetStream reports stream leaders by it). */
    static String name(int i) {
        return "n" + (i + 1);
    }

    /** The index of the server of that name, or -1. */
    int indexOf(String serverName) {
        for (int i = 0; i < size; i++) {
            if (name(i).equals(serverName)) {
                return i;
            }
        }
        return -1;
    }

    String url(int i) {
        return "nats://127.0.0.1:" + clientPorts[i];
    }

    /** Every client URL, comma separated (a client that may fail over between them). */
    String urls() {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            all.add(url(i));
        }
        return String.join(",", all);
    }

    long pid(int i) {
        NatsServerProcess s = servers[i];
        return s == null ? -1 : s.pid();
    }

    List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            if (servers[i] != null) {
                pids.add(servers[i].pid());
            }
        }
        return pids;
    }

    boolean alive(int i) {
        return servers[i] != null && ProcessHandle.of(servers[i].pid()).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * Waits until every running server has routes to all the others and names the same JetStream meta leader.
     */
    void awaitFormed(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (true) {
            String problem = formedProblem();
            if (problem == null) {
                return;
            }
            last = problem;
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("nats-server cluster not formed within " + timeout.toSeconds()
                        + " s: " + last);
            }
            Thread.sleep(100);
        }
    }

    /** Null when formed; otherwise what is missing. */
    private String formedProblem() {
        String leader = null;
        for (int i = 0; i < size; i++) {
            if (!alive(i)) {
                return name(i) + " is not running";
            }
            String routez = get(i, "/routez");
            long routes = routez == null ? -1 : number(routez, "num_routes");
            if (routes < size - 1) {
                return name(i) + " has " + Math.max(0, routes) + " of " + (size - 1) + " routes";
            }
            String jsz = get(i, "/jsz");
            String l = jsz == null ? null : metaLeader(jsz);
            if (l == null || l.isEmpty()) {
                return name(i) + " knows no JetStream meta leader yet";
            }
            if (leader != null && !leader.equals(l)) {
                return "the servers disagree on the meta leader (" + leader + ", " + l + ")";
            }
            leader = l;
        }
        return null;
    }

    private static final Pattern META_LEADER =
            Pattern.compile("\"meta_cluster\"\\s*:\\s*\\{[^}]*?\"leader\"\\s*:\\s*\"([^\"]*)\"");

    static String metaLeader(String jsz) {
        Matcher m = META_LEADER.matcher(jsz);
        return m.find() ? m.group(1) : null;
    }

    /** A top-level-looking numeric field of a JSON text, or -1. */
    static long number(String json, String field) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\"\\s*:\\s*(-?\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** GET on server i's monitoring port; null when it does not answer 200. */
    String get(int i, String path) {
        return httpGet(http, "http://127.0.0.1:" + monitorPorts[i] + path);
    }

    static String httpGet(HttpClient http, String url) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** kill -9 of server i; returns once the process is gone. */
    void kill(int i) throws InterruptedException {
        NatsServerProcess s = servers[i];
        if (s == null) {
            return;
        }
        ProcessHandle.of(s.pid()).ifPresent(ph -> {
            ph.destroyForcibly();
            try {
                ph.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // checked below
            }
        });
        servers[i] = null;
        s.close();
    }

    /** Starts server i again on its ports and store (after {@link #kill}). */
    void restart(int i) throws IOException {
        if (servers[i] != null) {
            throw new IllegalStateException(name(i) + " is running");
        }
        servers[i] = NatsServerProcess.startOn(clientPorts[i], args(i));
    }

    @Override
    public void close() {
        for (int i = 0; i < size; i++) {
            if (servers[i] != null) {
                servers[i].close();
                servers[i] = null;
            }
        }
    }
}
