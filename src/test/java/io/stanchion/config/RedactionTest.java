package io.stanchion.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Passwords and tokens in URLs and configured secrets never survive {@link Redaction}. */
class RedactionTest {
    @Test
    void userInfoPasswordsAndTokensAreRedacted() {
        assertThat(Redaction.urls("Connected to NATS Server at nats://stan:s3cr%2Bt@127.0.0.1:4222"))
                .isEqualTo("Connected to NATS Server at nats://stan:[REDACTED]@127.0.0.1:4222");
        assertThat(Redaction.urls("nats://tok3n@h:1,tls://u:p@ss@h2:2/x [nats://a:b@[::1]:3]"))
                .isEqualTo("nats://[REDACTED]@h:1,tls://u:[REDACTED]@h2:2/x [nats://a:[REDACTED]@[::1]:3]");
        assertThat(Redaction.urls("nats://127.0.0.1:4222, mail me@example.com")).isEqualTo(
                "nats://127.0.0.1:4222, mail me@example.com");
        assertThat(Redaction.urls(null)).isNull();
    }

    @Test
    void configuredSecretsAreRedactedAnywhere() {
        ServerConfig c = ServerConfig.builder().natsUser("stan").natsPassword("hunter22").build();
        assertThat(Redaction.secrets("auth failed for stan with hunter22 (nats://stan:hunter22@h)", c))
                .isEqualTo("auth failed for stan with [REDACTED] (nats://stan:[REDACTED]@h)");
        ServerConfig t = ServerConfig.builder().natsToken("t0ken-value").build();
        assertThat(Redaction.secrets("bad token t0ken-value", t)).isEqualTo("bad token [REDACTED]");
    }
}
