package io.stanchion.e2e;

import io.nats.streaming.Options;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.StreamingConnectionFactory;
import io.stanchion.StanchionServer;
import io.stanchion.config.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A payload larger than the store takes (8 MiB), through a nats-server whose max_payload lets it pass: the publish
 * gets a clear error PubAck, nothing is stored, and the server goes on (it must never die from a client's request).
 */
class PayloadLimitTest {
    @TempDir
    Path tmp;

    @Test
    void anOversizePayloadIsRefusedAndTheServerGoesOn() throws Exception {
        Path conf = Files.writeString(tmp.resolve("nats.conf"), "max_payload: 16MB\n");
        try (NatsServerProcess broker = NatsServerProcess.start("-c", conf.toString());
             StanchionServer server = StanchionServer.start(ServerConfig.builder().clusterId("payload-limit")
                     .natsUrl(broker.url()).storeType(ServerConfig.StoreType.FILE).dir(tmp.resolve("data"))
                     .build())) {
            StreamingConnection sc = new StreamingConnectionFactory(new Options.Builder().natsUrl(broker.url())
                    .clusterId("payload-limit").clientId("big-sender").connectWait(Duration.ofSeconds(5)).build())
                    .createConnection();
            try {
                CompletableFuture<Exception> answer = new CompletableFuture<>();
                sc.publish("big", new byte[9 << 20], (guid, err) -> answer.complete(err));
                Exception err = answer.get(30, TimeUnit.SECONDS);
                assertThat(err).isNotNull();
                assertThat(err.getMessage()).isEqualTo("stan: message too large: 9437184 bytes (at most 8388608)");
                sc.publish("big", new byte[1 << 20]); // a large but acceptable one is stored
                assertThat(server.failure()).isNull();
                assertThat(server.engine().call(v -> v.totals()).get(10, TimeUnit.SECONDS).msgs()).isEqualTo(1);
            } finally {
                sc.close();
            }
        }
    }
}
