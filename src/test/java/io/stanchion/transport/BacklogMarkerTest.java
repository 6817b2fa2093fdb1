package io.stanchion.transport;

import io.stanchion.config.ServerConfig;
import io.stanchion.e2e.NatsServerProcess;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The backlog check EngineOutput uses before moving its output back to the direct connection, against a stopped
 * nats-server: never "done" while the broker is stopped, and — unlike jnats' flush, whose third timed-out PING
 * makes jnats drop its connection, after which a flush returns at once as if done — it does not break the
 * connection; once the broker continues, done.
 */
class BacklogMarkerTest {

    private static void signal(String sig, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    @Test
    void aStalledBrokerIsNeverReportedDoneNorIsTheConnectionDropped() throws Exception {
        try (NatsServerProcess nats = NatsServerProcess.start()) {
            ServerConfig config = ServerConfig.builder().clusterId("marker-test").natsUrl(nats.url()).build();
            try (JnatsTransport jnats = JnatsTransport.connect(config);
                 BacklogMarker marker = new BacklogMarker(jnats)) {
                assertThat(marker.passed(Duration.ofSeconds(5))).isTrue();
                signal("STOP", nats.pid());
                try {
                    for (int i = 1; i <= 5; i++) {
                        jnats.publish("marker.test", new byte[] {(byte) i});
                        assertThat(marker.passed(Duration.ofMillis(300))).as("check %d", i).isFalse();
                    }
                    assertThat(jnats.reconnects()).as("jnats reconnects").isZero();
                    assertThat(jnats.connectedServer()).as("jnats still connected").isNotNull();
                } finally {
                    signal("CONT", nats.pid());
                }
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                        .until(() -> marker.passed(Duration.ofSeconds(1)));
                assertThat(marker.passed(Duration.ofSeconds(5))).as("a new mark comes back too").isTrue();
            }
        }
    }
}
