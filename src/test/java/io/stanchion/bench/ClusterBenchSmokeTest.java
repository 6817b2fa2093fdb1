package io.stanchion.bench;

import io.nats.client.Connection;
import io.nats.client.api.ClusterInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the harness of {@code bin/bench -issue13} from rotting without running it: the three-node nats-server
 * cluster forms (routes, JetStream meta leader), a small JetStream R3 run of the load generator goes through with
 * every count checked, and the failover publisher gets PubAcks from the R3 stream. No timing is asserted.
 */
class ClusterBenchSmokeTest {
    @TempDir
    Path tmp;

    @Test
    void threeNodeNatsClusterCarriesAReplicatedStream() throws Exception {
        try (NatsCluster nats = NatsCluster.start(tmp, 3, Duration.ofSeconds(30))) {
            StanBench.Config c = new StanBench.Config();
            c.url = nats.url(1);
            c.mode = StanBench.Mode.JS;
            c.jsApi = true;
            c.replicas = 3;
            c.subject = "smoke.r3";
            c.numPubs = 1;
            c.numSubs = 1;
            c.numMsgs = 2_000;
            c.msgSize = 64;
            c.maxPubAcksInFlight = 256;
            c.maxInFlight = 1024;
            c.timeoutSeconds = 60;
            c.quiet = true;
            StanBench.Result r = StanBench.run(c);
            assertThat(r.problems).as("problems").isEmpty();
            assertThat(r.complete).as("complete").isTrue();
            assertThat(r.acked()).isEqualTo(2_000);
            assertThat(r.received()).isEqualTo(2_000);

            try (Connection nc = StanBench.connectNats(c, "smoke-admin")) {
                ClusterInfo ci = nc.jetStreamManagement().getStreamInfo(StanBench.streamName(c.subject))
                        .getClusterInfo();
                assertThat(nats.indexOf(ci.getLeader())).as("stream leader %s", ci.getLeader()).isBetween(0, 2);
                assertThat(ci.getReplicas()).as("the other two replicas").hasSize(2);
            }

            try (ClusterBench.JsProbe probe = new ClusterBench.JsProbe(nats.url(2), c.subject,
                    Duration.ofMillis(500))) {
                probe.start();
                probe.awaitSteady(20, Duration.ofSeconds(20));
                assertThat(probe.successes.get()).isGreaterThanOrEqualTo(20);
            }
        }
    }
}
