package io.stanchion.e2e;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No password or token ever appears in the server's output (every log level on), whether it comes in a URL, in a
 * flag, or in a failed connection's error: the server runs as a child process and its whole output is searched.
 */
class CredentialsInLogsTest {
    private static final Duration T = Duration.ofSeconds(30);
    private static final String PASSWORD = "pw-Secret-4711";
    private static final String TOKEN = "tok-Secret-0815";

    private static List<String> args(String url, String... more) {
        List<String> a = new ArrayList<>(List.of("-cid", "logs-" + ProcessHandle.current().pid(), "-ns", url,
                "-SDV", "-hbi", "100ms", "-hbt", "50ms"));
        a.addAll(List.of(more));
        return a;
    }

    @Test
    void passwordInUrlOrFlagNeverLogged() throws Exception {
        try (NatsServerProcess broker = NatsServerProcess.start("--user", "stan", "--pass", PASSWORD)) {
            String host = "127.0.0.1:" + broker.port();
            try (ServerProcess p = ServerProcess.start(args("nats://stan:" + PASSWORD + "@" + host))) {
                assertThat(p.awaitReady(T)).as(p.output()).isTrue();
                assertThat(p.output()).contains("Connected to NATS Server at nats://stan:[REDACTED]@")
                        .doesNotContain(PASSWORD);
            }
            try (ServerProcess p = ServerProcess.start(args("nats://" + host, "--user", "stan", "--pass",
                    PASSWORD))) {
                assertThat(p.awaitReady(T)).as(p.output()).isTrue();
                assertThat(p.output()).doesNotContain(PASSWORD);
            }
            String wrong = "wrong-" + PASSWORD;
            try (ServerProcess p = ServerProcess.start(args("nats://stan:" + wrong + "@" + host + ",nats://stan:"
                    + wrong + "@127.0.0.1:1"))) {
                assertThat(p.awaitExit(T)).isEqualTo(1);
                assertThat(p.output()).contains("Failed to start").contains("stan:[REDACTED]@")
                        .doesNotContain(wrong);
            }
            try (ServerProcess p = ServerProcess.start(args("nats://" + host, "--user", "stan", "--pass", wrong))) {
                assertThat(p.awaitExit(T)).isEqualTo(1);
                assertThat(p.output()).contains("Failed to start").doesNotContain(wrong);
            }
        }
    }

    @Test
    void tokenInUrlOrFlagNeverLogged() throws Exception {
        try (NatsServerProcess broker = NatsServerProcess.start("--auth", TOKEN)) {
            String host = "127.0.0.1:" + broker.port();
            try (ServerProcess p = ServerProcess.start(args("nats://" + TOKEN + "@" + host))) {
                assertThat(p.awaitReady(T)).as(p.output()).isTrue();
                assertThat(p.output()).doesNotContain(TOKEN);
            }
            try (ServerProcess p = ServerProcess.start(args("nats://" + host, "--auth", TOKEN))) {
                assertThat(p.awaitReady(T)).as(p.output()).isTrue();
                assertThat(p.output()).doesNotContain(TOKEN);
            }
            try (ServerProcess p = ServerProcess.start(args("nats://" + host, "--auth", "x" + TOKEN))) {
                assertThat(p.awaitExit(T)).isEqualTo(1);
                assertThat(p.output()).contains("Failed to start").doesNotContain(TOKEN);
            }
        }
    }
}
