package io.stanchion.e2e;

import io.nats.streaming.Message;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.SubscriptionOptions;
import io.stanchion.StanchionServer;
import io.stanchion.config.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Encryption at rest with the real Java STAN client over a FILE store: no payload is readable in any file of the
 * data directory, subscribers get the payloads as published across restarts and a change of cipher, and a wrong key
 * or a missing one stops startup with a one-line reason; the environment variable wins over -encryption_key.
 */
class EncryptionAtRestTest extends StanchionE2E {
    private static final String MARKER = "TOP-SECRET-PAYLOAD-";
    @TempDir
    Path dir;

    private ServerConfig config(String cipher, String key) {
        ServerConfig.Builder b = ServerConfig.builder().clusterId(clusterId).natsUrl(nats.url())
                .storeType(ServerConfig.StoreType.FILE).dir(dir).environment(name -> null);
        return key == null ? b.build() : b.encrypt(true).encryptionCipher(cipher).encryptionKey(key).build();
    }

    private void publish(StreamingConnection sc, int from, int to) throws Exception {
        for (int i = from; i <= to; i++) {
            sc.publish("vault", (MARKER + i).getBytes(StandardCharsets.UTF_8));
        }
    }

    private List<String> replay(StreamingConnection sc, int count) throws Exception {
        List<Message> got = new CopyOnWriteArrayList<>();
        var sub = sc.subscribe("vault", got::add, new SubscriptionOptions.Builder().deliverAllAvailable().build());
        await().atMost(Duration.ofSeconds(30)).until(() -> got.size() >= count);
        sub.unsubscribe();
        List<String> payloads = new ArrayList<>();
        for (Message m : got) {
            payloads.add(new String(m.getData(), StandardCharsets.UTF_8));
        }
        return payloads;
    }

    private static List<String> expected(int count) {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            out.add(MARKER + i);
        }
        return out;
    }

    /** Every file under the data directory that holds {@code text} in its bytes. */
    private List<Path> filesHolding(String text) throws IOException {
        List<Path> hits = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                if (new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(text)) {
                    hits.add(f);
                }
            }
        }
        return hits;
    }

    @Test
    void payloadsAreUnreadableOnDiskAndDeliveredAcrossRestartsAndCiphers() throws Exception {
        clusterId = "crypt-" + RawStan.nuid();
        server = StanchionServer.start(config("AES", "s3cret"));
        StreamingConnection sc = stan("writer");
        publish(sc, 1, 50);
        assertThat(replay(sc, 50)).containsExactlyElementsOf(expected(50));
        server.close();
        server = null;
        assertThat(filesHolding("vault")).as("the channel name is stored in the clear (as in the original)")
                .isNotEmpty();
        assertThat(filesHolding(MARKER)).as("files holding a payload in the clear").isEmpty();

        server = StanchionServer.start(config("CHACHA", "s3cret")); // same key, other cipher for new messages
        publish(sc, 51, 60);
        assertThat(replay(sc, 60)).containsExactlyElementsOf(expected(60));
        server.close();
        server = null;
        assertThat(filesHolding(MARKER)).isEmpty();

        assertThatThrownBy(() -> StanchionServer.start(config("AES", "not the key")))
                .isInstanceOf(StanchionServer.StartupException.class)
                .hasMessage("cannot decrypt message 1 of channel \"vault\": wrong encryption key (the message was "
                        + "encrypted with another key, or altered)");
        assertThatThrownBy(() -> StanchionServer.start(config(null, null)))
                .isInstanceOf(StanchionServer.StartupException.class)
                .hasMessageStartingWith("channel \"vault\" holds encrypted messages (message 1): start the server "
                        + "with -encrypt");
    }

    @Test
    void anOperatorsWrongKeyIsAOneLineExitAndTheEnvironmentKeyWins() throws Exception {
        clusterId = "crypt-" + RawStan.nuid();
        List<String> args = List.of("-ns", nats.url(), "-cid", clusterId, "-store", "file", "-dir", dir.toString(),
                "-encrypt", "-encryption_key", "flag-key");
        String cp = System.getProperty("java.class.path");
        try (ServerProcess first = ServerProcess.start(List.of(), cp, args,
                Map.of("NATS_STREAMING_ENCRYPTION_KEY", "env-key"))) {
            assertThat(first.awaitReady(Duration.ofSeconds(60))).as("ready; output:%n%s", first.output()).isTrue();
            StreamingConnection sc = stan("env-writer");
            publish(sc, 1, 3);
            sc.close();
            first.terminate();
            assertThat(first.awaitExit(Duration.ofSeconds(30))).as("stopped").isNotNull();
        }
        // The flag's key alone is not the key the messages were written with: the environment's won.
        try (ServerProcess wrong = ServerProcess.start(List.of(), cp, args, Map.of())) {
            assertThat(wrong.awaitExit(Duration.ofSeconds(60))).as("exit; output:%n%s", wrong.output())
                    .isNotNull().isNotZero();
            assertThat(wrong.output()).contains("cannot decrypt message 1 of channel \"vault\": wrong encryption key")
                    .doesNotContain("\tat ").doesNotContain(ServerProcess.READY);
        }
        try (ServerProcess right = ServerProcess.start(List.of(), cp, args,
                Map.of("NATS_STREAMING_ENCRYPTION_KEY", "env-key"))) {
            assertThat(right.awaitReady(Duration.ofSeconds(60))).as("ready; output:%n%s", right.output()).isTrue();
            StreamingConnection sc = stan("env-reader");
            assertThat(replay(sc, 3)).containsExactlyElementsOf(expected(3));
            sc.close();
        }
    }
}
