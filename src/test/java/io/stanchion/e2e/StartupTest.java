package io.stanchion.e2e;

import io.nats.streaming.StreamingConnection;
import io.nats.streaming.SubscriptionOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server as an operator starts it: a separate JVM running {@code io.stanchion.Main}. Readiness, and the
 * failures an operator can cause, each of which must be a clean non-zero exit with a one-line reason.
 */
class StartupTest extends StanchionE2E {
    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private ServerProcess launch(String... args) throws Exception {
        return closeLater(ServerProcess.start(List.of(args)));
    }

    private static String freshClusterId() {
        return "startup-" + RawStan.nuid();
    }

    private static void assertNoStackTrace(ServerProcess p) {
        assertThat(p.output()).as("stack trace in output").doesNotContain("\tat ").doesNotContain("Caused by")
                .doesNotContain("Exception in thread");
    }

    /** For a refused start: no stack trace, and no Java exception class names in the reason either. */
    private static void assertCleanFailure(ServerProcess p) {
        assertNoStackTrace(p);
        assertThat(p.output()).as("output names a Java exception class (operator messages should say what went "
                + "wrong in words, as the original does, e.g. \"mkdir /x/y: not a directory\")")
                .doesNotContain("Exception");
        assertThat(p.output()).doesNotContain(ServerProcess.READY);
    }

    @Test
    void memoryServerBecomesReadyAndServes() throws Exception {
        clusterId = freshClusterId();
        ServerProcess p = launch("-ns", nats.url(), "-cid", clusterId);
        assertThat(p.awaitReady(START)).as("ready line; output:%n%s", p.output()).isTrue();
        System.out.printf("StartupTest: MEMORY server process start to \"%s\": %d ms%n", ServerProcess.READY,
                p.nanosToReady() / 1_000_000);

        assertRoundTrip();

        p.terminate();
        assertThat(p.awaitExit(Duration.ofSeconds(30))).as("exit after SIGTERM").isNotNull();
        assertNoStackTrace(p);
    }

    @Test
    void fileServerBecomesReadyAndServes() throws Exception {
        clusterId = freshClusterId();
        ServerProcess p = launch("-ns", nats.url(), "-cid", clusterId, "-st", "FILE", "--dir",
                tmp.resolve("store").toString());
        assertThat(p.awaitReady(START)).as("ready line; output:%n%s", p.output()).isTrue();
        System.out.printf("StartupTest: FILE server process start to \"%s\": %d ms%n", ServerProcess.READY,
                p.nanosToReady() / 1_000_000);

        assertRoundTrip();

        p.terminate();
        assertThat(p.awaitExit(Duration.ofSeconds(30))).as("exit after SIGTERM").isNotNull();
        assertNoStackTrace(p);
    }

    /** The real client publishes and receives through the child server. */
    private void assertRoundTrip() throws Exception {
        StreamingConnection sc = stan("startup-client");
        sc.publish("hello", "world".getBytes(StandardCharsets.UTF_8));
        CountDownLatch got = new CountDownLatch(1);
        String[] data = new String[1];
        sc.subscribe("hello", m -> {
            data[0] = new String(m.getData(), StandardCharsets.UTF_8);
            got.countDown();
        }, new SubscriptionOptions.Builder().deliverAllAvailable().build());
        assertThat(got.await(20, TimeUnit.SECONDS)).as("message delivered").isTrue();
        assertThat(data[0]).isEqualTo("world");
        sc.close();
    }

    @Test
    void fileStoreWithoutDirExitsWithOneLine() throws Exception {
        ServerProcess p = launch("-ns", nats.url(), "-cid", freshClusterId(), "-st", "FILE");
        Integer code = p.awaitExit(START);
        assertThat(code).as("exit code; output:%n%s", p.output()).isNotNull().isNotZero();
        List<String> lines = p.lines().stream().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("output").hasSize(1);
        assertThat(lines.get(0)).contains("--dir");
        assertCleanFailure(p);
    }

    @Test
    void dirUnderARegularFileExitsWithOneLineNamingThePath() throws Exception {
        // can't be created, even by root (these tests may run as root, so permissions prove nothing)
        Path file = Files.writeString(tmp.resolve("plain-file"), "not a directory");
        assertUnusableDirRefused(file.resolve("store"));
    }

    @Test
    void dirThatIsARegularFileExitsWithOneLineNamingThePath() throws Exception {
        assertUnusableDirRefused(Files.writeString(tmp.resolve("plain-file"), "not a directory"));
    }

    private void assertUnusableDirRefused(Path dir) throws Exception {
        ServerProcess p = launch("-ns", nats.url(), "-cid", freshClusterId(), "-st", "FILE", "--dir", dir.toString());
        Integer code = p.awaitExit(START);
        assertThat(code).as("exit code; output:%n%s", p.output()).isNotNull().isNotZero();
        List<String> naming = p.lines().stream().filter(l -> l.contains(dir.toString())).toList();
        assertThat(naming).as("lines naming %s in:%n%s", dir, p.output()).hasSize(1);
        assertCleanFailure(p);
    }

    @Test
    void secondServerWithTheSameClusterIdExits() throws Exception {
        startServer(); // in-process, on the same NATS
        ServerProcess p = launch("-ns", nats.url(), "-cid", clusterId);
        Integer code = p.awaitExit(START);
        assertThat(code).as("exit code; output:%n%s", p.output()).isNotNull().isNotZero();
        String expected = "discovered another streaming server with cluster ID \"" + clusterId + "\"";
        assertThat(p.lines().stream().filter(l -> l.contains(expected)).toList())
                .as("lines with [%s] in:%n%s", expected, p.output()).hasSize(1);
        assertCleanFailure(p);

        // the first server is unharmed (the probe registered and closed a client named after the cluster ID)
        StreamingConnection sc = stan("still-there");
        sc.publish("foo", new byte[]{1});
    }

    /**
     * A failure nobody planned for (here: a class missing from the installation, hit after the NATS connection and
     * the engine thread exist) must still end the process with a non-zero status, not leave it running unready.
     */
    @Test
    void unexpectedStartupErrorExitsInsteadOfHanging() throws Exception {
        Path classes = null;
        StringBuilder cp = new StringBuilder();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path e = Path.of(entry);
            // Inbound is first needed once NATS is connected and the engine thread runs (asserted below)
            if (classes == null && Files.isRegularFile(e.resolve("io/stanchion/Main.class"))) {
                classes = e;
                Path copy = tmp.resolve("classes");
                copyTree(e, copy);
                try (Stream<Path> inbound = Files.list(copy.resolve("io/stanchion/engine"))) {
                    for (Path f : inbound.filter(f -> f.getFileName().toString().startsWith("Inbound")).toList()) {
                        Files.delete(f);
                    }
                }
                entry = copy.toString();
            }
            cp.append(cp.length() == 0 ? "" : File.pathSeparator).append(entry);
        }
        assertThat(classes).as("the server's class directory on %s", System.getProperty("java.class.path"))
                .isNotNull();

        ServerProcess p = closeLater(ServerProcess.start(List.of(), cp.toString(),
                List.of("-ns", nats.url(), "-cid", freshClusterId())));
        Integer code = p.awaitExit(START);
        assertThat(code).as("exit code (null: still running); output:%n%s", p.output()).isNotNull().isNotZero();
        assertThat(p.output()).contains("Connected to NATS Server").contains("Failed to start")
                .doesNotContain(ServerProcess.READY);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path src : all.toList()) {
                Path dst = to.resolve(from.relativize(src).toString());
                if (Files.isDirectory(src)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(src, dst);
                }
            }
        }
    }

    @Test
    void unknownFlagExitsWithAClearMessage() throws Exception {
        ServerProcess p = launch("--no_such_flag", "1");
        Integer code = p.awaitExit(START);
        assertThat(code).as("exit code; output:%n%s", p.output()).isNotNull().isNotZero();
        List<String> lines = p.lines().stream().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("output").hasSize(1);
        assertThat(lines.get(0)).contains("no_such_flag").contains("not defined");
        assertCleanFailure(p);
    }

    @Test
    void helpPrintsUsageAndExitsZero() throws Exception {
        ServerProcess p = launch("--help");
        Integer code = p.awaitExit(START);
        assertThat(code).as("exit code; output:%n%s", p.output()).isEqualTo(0);
        assertThat(p.output()).contains("Usage:").contains("--cluster_id").contains("--store").contains("--dir");
        assertNoStackTrace(p);

        ServerProcess h = launch("-h");
        assertThat(h.awaitExit(START)).isEqualTo(0);
        assertThat(h.output()).contains("Usage:");
    }
}
