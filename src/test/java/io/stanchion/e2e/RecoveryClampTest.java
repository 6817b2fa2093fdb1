package io.stanchion.e2e;

import io.nats.streaming.Message;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.Subscription;
import io.nats.streaming.SubscriptionOptions;
import io.stanchion.StanchionServer;
import io.stanchion.config.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A message log that lost its tail (here: lost whole, its directory removed while the server was down) behind a
 * durable that had received it all: at restart the durable's last sent is clamped to the channel's last stored
 * sequence, so the messages published next under the same sequences reach it; the clamp survives another restart.
 */
class RecoveryClampTest extends StanchionE2E {
    @TempDir
    Path dir;

    private ServerConfig config() {
        return ServerConfig.builder().clusterId(clusterId).natsUrl(nats.url())
                .storeType(ServerConfig.StoreType.FILE).dir(dir).build();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aDurableBeyondTheLogResumesAtTheLogsEnd() throws Exception {
        clusterId = "clamp-" + System.nanoTime();
        server = StanchionServer.start(config());
        StreamingConnection sc = stan("clamp-client");
        List<Message> got = new CopyOnWriteArrayList<>();
        SubscriptionOptions durable = new SubscriptionOptions.Builder().durableName("d").deliverAllAvailable()
                .build();
        Subscription sub = sc.subscribe("lost", got::add, durable);
        for (int i = 1; i <= 10; i++) {
            sc.publish("lost", utf8("old" + i));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> got.size() == 10);
        sub.close(); // offline durable, last sent 10
        server.close();
        server = null;

        try (Stream<Path> files = Files.walk(dir.resolve("lost"))) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }

        server = StanchionServer.start(config());
        for (int i = 1; i <= 3; i++) {
            sc.publish("lost", utf8("new" + i)); // sequences 1..3 again
        }
        got.clear();
        sub = sc.subscribe("lost", got::add, durable);
        await().atMost(Duration.ofSeconds(20)).until(() -> got.size() == 3);
        assertThat(got).extracting(Message::getSequence).containsExactly(1L, 2L, 3L);
        assertThat(got).extracting(m -> new String(m.getData(), StandardCharsets.UTF_8))
                .containsExactly("new1", "new2", "new3");
        sub.close();

        // The clamp was journaled: after one more restart the durable resumes after 3, not after 10.
        server.close();
        server = StanchionServer.start(config());
        for (int i = 4; i <= 5; i++) {
            sc.publish("lost", utf8("new" + i));
        }
        got.clear();
        sc.subscribe("lost", got::add, durable);
        await().atMost(Duration.ofSeconds(20)).until(() -> got.size() == 2);
        assertThat(got).extracting(Message::getSequence).containsExactly(4L, 5L);
    }
}
