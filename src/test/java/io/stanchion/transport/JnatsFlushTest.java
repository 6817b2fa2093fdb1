package io.stanchion.transport;

import io.stanchion.config.ServerConfig;
import io.stanchion.e2e.NatsServerProcess;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * jnats counts each timed-out flush's PING as outstanding and drops the connection at the third; a flush after that
 * returns at once although nothing reached the broker. {@code flushedWithoutBreak} must never report that as done
 * (EngineOutput moves its output back to the direct connection on it), and must report done once the broker is back.
 */
class JnatsFlushTest {

    private static void signal(String sig, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    @Test
    void aFlushAcrossAStalledBrokerIsNeverReportedDone() throws Exception {
        try (NatsServerProcess nats = NatsServerProcess.start()) {
            ServerConfig config = ServerConfig.builder().clusterId("flush-test").natsUrl(nats.url()).build();
            try (JnatsTransport jnats = JnatsTransport.connect(config)) {
                assertThat(jnats.flushedWithoutBreak(Duration.ofSeconds(5))).isTrue();
                signal("STOP", nats.pid());
                try {
                    for (int i = 1; i <= 4; i++) {
                        jnats.publish("flush.test", new byte[] {(byte) i});
                        assertThat(jnats.flushedWithoutBreak(Duration.ofMillis(300))).as("flush %d", i).isFalse();
                    }
                } finally {
                    signal("CONT", nats.pid());
                }
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                        .until(() -> jnats.flushedWithoutBreak(Duration.ofSeconds(2)));
            }
        }
    }
}
