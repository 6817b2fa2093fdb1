package io.stanchion.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A three-node nats-server cluster (routes on loopback) with a leaf node connected to the first node, for tests
 * of servers spread over a real NATS network. {@link #start} returns once the routes and the leaf connection are up.
 */
final class NatsMesh implements AutoCloseable {
    private static final int SIZE = 3;
    private final List<NatsServerProcess> nodes = new ArrayList<>();
    private final int[] monitor = new int[SIZE + 1];
    private NatsServerProcess leaf;
    private final HttpClient http = HttpClient.newHttpClient();

    private NatsMesh() {
    }

    static NatsMesh start(Path dir, String name) throws Exception {
        NatsMesh m = new NatsMesh();
        try {
            m.startAll(dir, name);
        } catch (Exception e) {
            m.close();
            throw e;
        }
        return m;
    }

    /** The client URL of cluster node {@code i} (0..2). */
    String url(int i) {
        return nodes.get(i).url();
    }

    /** The client URL of the leaf node. */
    String leafUrl() {
        return leaf.url();
    }

    private void startAll(Path dir, String name) throws Exception {
        List<Integer> ports = new ArrayList<>();
        int[] client = new int[SIZE];
        int[] route = new int[SIZE];
        for (int i = 0; i < SIZE; i++) {
            client[i] = fresh(ports);
            route[i] = fresh(ports);
            monitor[i] = fresh(ports);
        }
        int leafListen = fresh(ports);
        monitor[SIZE] = fresh(ports);
        Path hub = Files.writeString(dir.resolve("hub.conf"), "leafnodes { listen: \"127.0.0.1:" + leafListen
                + "\" }\n");
        for (int i = 0; i < SIZE; i++) {
            List<String> routes = new ArrayList<>();
            for (int j = 0; j < SIZE; j++) {
                if (j != i) {
                    routes.add("nats://127.0.0.1:" + route[j]);
                }
            }
            List<String> args = new ArrayList<>(List.of("-n", name + (i + 1), "--cluster_name", name,
                    "-cluster", "nats://127.0.0.1:" + route[i], "-routes", String.join(",", routes),
                    "-m", Integer.toString(monitor[i])));
            if (i == 0) {
                args.addAll(List.of("-c", hub.toString()));
            }
            nodes.add(NatsServerProcess.startOn(client[i], args.toArray(String[]::new)));
        }
        Path leafConf = Files.writeString(dir.resolve("leaf.conf"), "leafnodes { remotes: [ { url: "
                + "\"nats://127.0.0.1:" + leafListen + "\" } ] }\n");
        leaf = NatsServerProcess.startOn(fresh(ports), "-n", name + "-leaf", "-m", Integer.toString(monitor[SIZE]),
                "-c", leafConf.toString());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!formed()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("nats-server cluster with leaf node not formed in 20 s");
            }
            Thread.sleep(100);
        }
    }

    private static int fresh(List<Integer> taken) throws Exception {
        while (true) {
            int p = NatsServerProcess.freePort();
            if (!taken.contains(p)) {
                taken.add(p);
                return p;
            }
        }
    }

    private boolean formed() {
        for (int i = 0; i < SIZE; i++) {
            if (number(get(monitor[i], "/routez"), "num_routes") < SIZE - 1) {
                return false;
            }
        }
        return number(get(monitor[0], "/leafz"), "leafnodes") >= 1
                && number(get(monitor[SIZE], "/leafz"), "leafnodes") >= 1;
    }

    private String get(int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "";
        }
    }

    private static long number(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":\\s*(\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    @Override
    public void close() {
        if (leaf != null) {
            leaf.close();
        }
        nodes.forEach(NatsServerProcess::close);
        nodes.clear();
    }
}
