package io.stanchion.e2e;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real {@code nats-server} child process on a free loopback port (Debian's package, 2.9.x). Tests never mock
 * NATS. The binary is taken from $NATS_SERVER_BIN, the PATH, or /usr/sbin.
 */
public final class NatsServerProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private NatsServerProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    public static NatsServerProcess start(String... extraArgs) throws IOException {
        return startOn(freePort(), extraArgs);
    }

    /** As {@link #start} on a given port (a restarted broker on the port of the one it replaces). */
    public static NatsServerProcess startOn(int port, String... extraArgs) throws IOException {
        Path log = Files.createTempFile("nats-server-" + port + "-", ".log");
        List<String> cmd = new ArrayList<>(List.of(binary(), "-a", "127.0.0.1", "-p", Integer.toString(port)));
        cmd.addAll(List.of(extraArgs));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        NatsServerProcess server = new NatsServerProcess(p, port, log);
        server.awaitListening(Duration.ofSeconds(10));
        return server;
    }

    public static String binary() {
        String env = System.getenv("NATS_SERVER_BIN");
        if (env != null && new File(env).canExecute()) {
            return env;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File f = new File(dir, "nats-server");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        File sbin = new File("/usr/sbin/nats-server");
        if (sbin.canExecute()) {
            return sbin.getPath();
        }
        throw new IllegalStateException("nats-server not found: install it (apt-get install -y nats-server) "
                + "or set NATS_SERVER_BIN; bin/test does this for you");
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void awaitListening(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("nats-server exited: " + Files.readString(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
        }
        throw new IOException("nats-server did not listen on " + port + " in time");
    }

    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The broker process's ID (to stop and continue it: a peer that stops reading). */
    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
