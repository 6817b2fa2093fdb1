package io.stanchion.e2e;

import io.nats.streaming.StreamingConnection;
import io.stanchion.config.ServerConfig;
import io.stanchion.engine.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Channel limits with a real server over the FILE store: trimming by max_age returns disk space a cycle file at a
 * time (Chronicle rolls its files by the wall clock, so this one runs in real time). The limits' semantics (max_msgs,
 * max_bytes, max_age, max_inactivity, per-channel wildcard entries) are in {@code engine.LimitsSemanticsTest}.
 */
class LimitsTest extends StanchionE2E {

    private Snapshot.Channel channel(String name) throws Exception {
        return server.engine().call(v -> v.channel(name)).get();
    }

    @Test
    void trimmingReturnsDiskSpaceWholeCycleFilesAtATime(@TempDir Path dir) throws Exception {
        startServer(b -> b.storeType(ServerConfig.StoreType.FILE).dir(dir).fileRollCycle("TEST_SECONDLY")
                .maxAge(Duration.ofSeconds(2)));
        StreamingConnection sc = stan("limits-disk");
        Path channelDir = dir.resolve("disk");
        byte[] payload = new byte[2000];
        // Publish into several one-second cycle files, within max_age of each other.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (int i = 0; i < 20; i++) {
                sc.publish("disk", payload);
            }
            return cycleFiles(channelDir) >= 3;
        });
        long peakFiles = cycleFiles(channelDir);
        long peakBytes = directoryBytes(channelDir);
        // Once everything is older than max_age, the expired cycle files are deleted (the last one stays).
        await().atMost(Duration.ofSeconds(15)).until(() -> channel("disk").msgs() == 0 && cycleFiles(channelDir) <= 1);
        long afterBytes = directoryBytes(channelDir);
        System.out.printf("cycle files %d -> %d, bytes %d -> %d%n", peakFiles, cycleFiles(channelDir), peakBytes,
                afterBytes);
        assertThat(afterBytes).isLessThan(peakBytes);
        assertThat(channel("disk").lastSeq()).as("sequence kept after expiry").isGreaterThan(0);
    }

    private static long directoryBytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static long cycleFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".cq4")).count();
        }
    }
}
