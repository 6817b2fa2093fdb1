package io.stanchion.e2e;

import io.nats.streaming.StreamingConnection;
import io.stanchion.StanchionServer;
import io.stanchion.config.ServerConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Fail-stop, in process, with the real nats-server and Java STAN client: an Error on the engine thread stops the
 * server loudly — health and serverz report it, the NATS connections close (clients' requests go unanswered), the
 * exit action runs — instead of leaving a zombie that clients still see as up.
 */
class FailStopTest extends StanchionE2E {

    private StanchionServer startWithExit(CountDownLatch exited, AtomicInteger exits) throws Exception {
        clusterId = "failstop-" + System.nanoTime();
        ServerConfig config = ServerConfig.builder().clusterId(clusterId).natsUrl(nats.url())
                .httpPort(NatsServerProcess.freePort()).build();
        server = StanchionServer.start(config, () -> {
            exits.incrementAndGet();
            exited.countDown();
        });
        return server;
    }

    /** Whether anything answers a STAN connect request on this cluster's discover subject. */
    private boolean connectAnswered() throws Exception {
        io.nats.client.Connection nc = raw();
        byte[] request = io.stanchion.protocol.pb.ConnectRequest.newBuilder().setClientID("probe")
                .setHeartbeatInbox("_INBOX.probe").build().toByteArray();
        io.nats.client.Message m;
        try {
            m = nc.request("_STAN.discover." + clusterId, request, Duration.ofSeconds(2));
        } catch (Exception e) {
            return false; // no responders
        }
        return m != null && !m.isStatusMessage();
    }

    @Test
    void anErrorOnTheEngineThreadStopsTheServerAndReportsIt() throws Exception {
        CountDownLatch exited = new CountDownLatch(1);
        AtomicInteger exits = new AtomicInteger();
        StanchionServer s = startWithExit(exited, exits);
        MonitorHttp http = new MonitorHttp(s.monitoringPort());
        StreamingConnection sc = stan("victim", b -> b.pubAckWait(Duration.ofSeconds(2)));
        sc.publish("before", "stored".getBytes(StandardCharsets.UTF_8));
        assertThat(http.get("/healthz").status()).isEqualTo(200);
        assertThat(connectAnswered()).isTrue();

        // An Error thrown by work running on the engine thread (the way an OutOfMemoryError would surface).
        s.engine().call(view -> {
            throw new OutOfMemoryError("injected by the test");
        });

        assertThat(exited.await(20, TimeUnit.SECONDS)).as("exit action ran").isTrue();
        assertThat(exits.get()).isEqualTo(1);
        assertThat(s.failure()).contains("OutOfMemoryError").contains("injected by the test");

        MonitorHttp.Reply health = http.get("/healthz");
        assertThat(health.status()).isEqualTo(503);
        Map<String, Object> h = health.json();
        assertThat(h).containsEntry("status", "error");
        assertThat((String) h.get("error")).contains("injected by the test");
        MonitorHttp.Reply serverz = http.get("/streaming/serverz");
        assertThat(serverz.status()).isEqualTo(503);
        assertThat(serverz.json()).containsEntry("state", "FAILED");
        // Engine queries are refused at once, not left hanging.
        assertThat(http.get("/streaming/channelsz").status()).isEqualTo(503);

        // Its NATS connections are closed: nobody answers on the STAN subjects any more.
        assertThatThrownBy(() -> sc.publish("after", "lost".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("timeout");
        assertThat(connectAnswered()).as("a connect request is answered after the fail-stop").isFalse();
    }
}
