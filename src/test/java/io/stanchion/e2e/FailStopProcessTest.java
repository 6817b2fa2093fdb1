package io.stanchion.e2e;

import io.nats.streaming.StreamingConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fail-stop of a real server process: a message log truncated under the running server (the memory-mapped pages
 * it writes then fault: SIGBUS, an InternalError in Java) makes the next publish fail and the process exit with
 * status 1 after logging the cause, instead of living on as a zombie.
 */
class FailStopProcessTest extends StanchionE2E {
    @TempDir
    Path dir;

    @Test
    void aLogTruncatedUnderTheServerStopsTheProcessWithStatusOne() throws Exception {
        clusterId = "failstop-proc-" + System.nanoTime();
        try (ServerProcess p = ServerProcess.start(List.of("-cid", clusterId, "-ns", nats.url(), "-st", "FILE",
                "--dir", dir.toString()))) {
            assertThat(p.awaitReady(Duration.ofSeconds(60))).as(p.output()).isTrue();
            StreamingConnection sc = stan("truncator", b -> b.pubAckWait(Duration.ofSeconds(3)));
            for (int i = 0; i < 10; i++) {
                sc.publish("trunc", ("m" + i).getBytes(StandardCharsets.UTF_8));
            }
            try (Stream<Path> files = Files.list(dir.resolve("trunc"))) {
                for (Path f : files.filter(f -> f.toString().endsWith(".cq4")).toList()) {
                    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                        raf.setLength(0);
                    }
                }
            }
            Exception failed = null;
            for (int i = 0; i < 5 && failed == null; i++) {
                try {
                    sc.publish("trunc", new byte[4096]);
                } catch (Exception e) {
                    failed = e;
                }
            }
            assertThat(failed).as("a publish after the fault is not acknowledged").isNotNull();
            Integer status = p.awaitExit(Duration.ofSeconds(30));
            assertThat(status).as(p.output()).isEqualTo(1);
            assertThat(p.output()).contains("Fatal:");
        }
    }
}
