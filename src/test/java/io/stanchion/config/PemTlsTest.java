package io.stanchion.config;

import io.stanchion.e2e.NatsServerProcess;
import io.stanchion.transport.JnatsTransport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * PEM loading and the TLS connection to a real nats-server that requires client certificates. Keys and
 * certificates are made with the openssl command line at test time (skipped when openssl is missing).
 */
class PemTlsTest {
    /** Client certificates {@code name.pem} with keys {@code name-key.pem}: SEC1 EC, PKCS#1 RSA, PKCS#8 RSA/EC/Ed25519. */
    private static final List<String> KEYS = List.of("client", "rsa-pkcs1", "rsa-pkcs8", "ec-pkcs8", "ed25519");

    @TempDir
    static Path dir;

    static {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }

    @BeforeAll
    static void makeCertificates() throws Exception {
        assumeTrue(onPath("openssl"), "openssl is not installed");
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem",
                "-days", "2", "-subj", "/CN=Stanchion Test CA");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server-key.pem", "-out", "server.csr",
                "-subj", "/CN=localhost");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
                "-out", "server.pem", "-days", "2", "-extfile", "server.ext");
        // client: an EC key in SEC1 form ("BEGIN EC PRIVATE KEY"), with its curve parameters
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "client-key.pem");
        openssl("req", "-new", "-key", "client-key.pem", "-out", "client.csr", "-subj", "/CN=stanchion");
        openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
                "-out", "client.pem", "-days", "2", "-extfile", "client.ext");
        // the other key forms Go's crypto/tls reads, each with its certificate
        openssl("genrsa", "-traditional", "-out", "rsa-pkcs1-key.pem", "2048");
        openssl("pkcs8", "-topk8", "-nocrypt", "-in", "rsa-pkcs1-key.pem", "-out", "rsa-pkcs8-key.pem");
        openssl("pkcs8", "-topk8", "-nocrypt", "-in", "client-key.pem", "-out", "ec-pkcs8-key.pem");
        openssl("genpkey", "-algorithm", "ed25519", "-out", "ed25519-key.pem");
        for (String name : List.of("rsa-pkcs1", "rsa-pkcs8", "ec-pkcs8", "ed25519")) {
            openssl("req", "-new", "-key", name + "-key.pem", "-out", name + ".csr", "-subj", "/CN=stanchion");
            openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
                    "-out", name + ".pem", "-days", "2", "-extfile", "client.ext");
        }
        openssl("genpkey", "-algorithm", "RSA", "-aes256", "-pass", "pass:secret", "-out", "encrypted.pem");
        openssl("genrsa", "-traditional", "-aes256", "-passout", "pass:secret", "-out", "encrypted-pkcs1.pem",
                "2048");
    }

    /** Every key form Go's crypto/tls reads gives a context; the errors name the option, the file and the problem. */
    @Test
    void keyFormatsAndErrors() throws Exception {
        for (String name : KEYS) {
            assertThat(PemTls.clientContext(withKey(name).build())).isNotNull();
        }
        for (String enc : List.of("encrypted.pem", "encrypted-pkcs1.pem")) {
            assertThatThrownBy(() -> PemTls.clientContext(withKey("rsa-pkcs1").tlsClientKey(dir.resolve(enc)).build()))
                    .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("is encrypted");
        }
        assertThatThrownBy(() -> PemTls.clientContext(withKey("client").tlsClientKey(dir.resolve("ca.pem")).build()))
                .hasMessageStartingWith("tls_client_key ").hasMessageContaining("holds no PEM private key");
        assertThatThrownBy(() -> PemTls.clientContext(withKey("client").tlsClientKey(dir.resolve("missing.pem"))
                .build())).hasMessageStartingWith("tls_client_key ").hasMessageContaining("can't be read: no such file");
        assertThatThrownBy(() -> PemTls.clientContext(withKey("client").tlsClientCert(dir.resolve("client-key.pem"))
                .build())).hasMessageStartingWith("tls_client_cert ").hasMessageContaining("is not a PEM certificate file");
        assertThatThrownBy(() -> PemTls.clientContext(withKey("client").tlsClientCa(dir.resolve("client-key.pem"))
                .build())).hasMessageStartingWith("tls_client_cacert ")
                .hasMessageContaining("is not a PEM certificate file");
        assertThatThrownBy(() -> PemTls.clientContext(withKey("client").tlsClientCa(dir.resolve("missing.pem"))
                .build())).hasMessageStartingWith("tls_client_cacert ").hasMessageContaining("can't be read");
    }

    /** The client certificate {@code name.pem} with its key {@code name-key.pem}, trusting our CA. */
    private static ServerConfig.Builder withKey(String name) {
        return ServerConfig.builder().tlsClientCa(dir.resolve("ca.pem"))
                .tlsClientCert(dir.resolve(name + ".pem")).tlsClientKey(dir.resolve(name + "-key.pem"));
    }

    @Test
    void noContextWithoutTls() throws Exception {
        assertThat(PemTls.clientContext(ServerConfig.builder().build())).isNull();
        assertThat(PemTls.clientContext(ServerConfig.builder().secure(true).build())).isNotNull();
    }

    @Test
    void mutualTlsToARealNatsServer() throws Exception {
        assumeTrue(natsServerAvailable(), "nats-server is not installed");
        try (NatsServerProcess nats = NatsServerProcess.start("--tlsverify",
                "--tlscert", dir.resolve("server.pem").toString(),
                "--tlskey", dir.resolve("server-key.pem").toString(),
                "--tlscacert", dir.resolve("ca.pem").toString())) {
            String url = nats.url().replace("127.0.0.1", "localhost");
            ServerConfig.Builder ok = ServerConfig.builder().natsUrl(url)
                    .tlsClientCa(dir.resolve("ca.pem"))
                    .tlsClientCert(dir.resolve("client.pem"))
                    .tlsClientKey(dir.resolve("client-key.pem"));
            try (JnatsTransport t = JnatsTransport.connect(ok.build())) {
                t.flush(Duration.ofSeconds(2));
            }
            // every key form the original reads
            for (String name : KEYS) {
                try (JnatsTransport t = JnatsTransport.connect(withKey(name).natsUrl(url).build())) {
                    t.flush(Duration.ofSeconds(2));
                }
            }
            // an IP URL with the certificate's DNS name as server name
            try (JnatsTransport t = JnatsTransport.connect(ok.natsUrl(nats.url()).tlsServerName("localhost")
                    .build())) {
                t.flush(Duration.ofSeconds(2));
            }
            // the certificate does not name this server: refused (host name verification, as the original)
            assertThatThrownBy(() -> JnatsTransport.connect(ok.natsUrl(url).tlsServerName("wrong.example.com")
                    .build()).close()).isInstanceOf(IOException.class);
            // ... unless verification is skipped
            try (JnatsTransport t = JnatsTransport.connect(ok.tlsServerName("wrong.example.com")
                    .tlsSkipVerify(true).build())) {
                t.flush(Duration.ofSeconds(2));
            }
            // no client certificate: the server refuses
            assertThatThrownBy(() -> JnatsTransport.connect(ServerConfig.builder().natsUrl(url)
                    .tlsClientCa(dir.resolve("ca.pem")).build()).close()).isInstanceOf(IOException.class);
            // the JVM's default trust store does not know our CA
            assertThatThrownBy(() -> JnatsTransport.connect(ServerConfig.builder().natsUrl(url).secure(true)
                    .tlsClientCert(dir.resolve("client.pem")).tlsClientKey(dir.resolve("client-key.pem")).build())
                    .close()).isInstanceOf(IOException.class);
            // unreadable key: a clear one-line error
            assertThatThrownBy(() -> JnatsTransport.connect(ok.tlsClientKey(dir.resolve("encrypted.pem")).build()))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("TLS setup for the NATS connection failed: tls_client_key ");
        }
    }

    private static boolean natsServerAvailable() {
        try {
            NatsServerProcess.binary();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private static boolean onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (new File(d, program).canExecute()) {
                return true;
            }
        }
        return false;
    }

    private static void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + new String(out));
        }
    }
}
