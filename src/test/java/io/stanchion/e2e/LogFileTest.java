package io.stanchion.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The original's logging options: {@code -l} sends the log to a file, SIGUSR1 reopens it (log rotation: the moved
 * file is released and a new one started), SIGHUP changes nothing, {@code -T=false} drops the timestamps.
 */
class LogFileTest extends StanchionE2E {
    @TempDir
    Path dir;

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static void signal(String sig, long pid) throws Exception {
        new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).start().waitFor();
    }

    @Test
    void theLogGoesToTheFileWhichSigusr1ReopensAndSighupLeavesTheServerRunning() throws Exception {
        Path log = dir.resolve("logs/stan.log");
        try (ServerProcess p = ServerProcess.start(List.of("-cid", "logs", "-ns", nats.url(), "-l", log.toString(),
                "-T=false"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> read(log).contains(ServerProcess.READY));
            assertThat(read(log).lines().filter(l -> l.contains(ServerProcess.READY)).findFirst().orElseThrow())
                    .as("no timestamp with -T=false").startsWith("[INFO]");
            Path rotated = dir.resolve("logs/stan.log.1");
            Files.move(log, rotated);
            signal("USR1", p.pid());
            await().atMost(Duration.ofSeconds(10)).until(() -> read(log).contains("Log file reopened"));
            assertThat(read(rotated)).contains(ServerProcess.READY).doesNotContain("Log file reopened");
            signal("HUP", p.pid());
            await().atMost(Duration.ofSeconds(10)).until(() -> read(log).contains("SIGHUP ignored"));
            assertThat(p.isAlive()).isTrue();
        }
    }
}
