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
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
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
        openssl("genrsa", "-traditional", "-out", "rsa-pkcs1.pem", "2048");
        openssl("pkcs8", "-topk8", "-nocrypt", "-in", "rsa-pkcs1.pem", "-out", "rsa-pkcs8.pem");
        openssl("pkcs8", "-topk8", "-nocrypt", "-in", "client-key.pem", "-out", "client-key-pkcs8.pem");
        openssl("genpkey", "-algorithm", "ed25519", "-out", "ed25519.pem");
        openssl("genpkey", "-algorithm", "RSA", "-aes256", "-pass", "pass:secret", "-out", "encrypted.pem");
        openssl("genrsa", "-traditional", "-aes256", "-passout", "pass:secret", "-out", "encrypted-pkcs1.pem",
                "2048");
    }

    @Test
    void privateKeyFormats() throws Exception {
        PrivateKey pkcs1 = PemTls.privateKey(dir.resolve("rsa-pkcs1.pem"));
        PrivateKey pkcs8 = PemTls.privateKey(dir.resolve("rsa-pkcs8.pem"));
        assertThat(pkcs1.getAlgorithm()).isEqualTo("RSA");
        assertThat(pkcs1.getEncoded()).isEqualTo(pkcs8.getEncoded());

        PrivateKey sec1 = PemTls.privateKey(dir.resolve("client-key.pem"));
        PrivateKey ec8 = PemTls.privateKey(dir.resolve("client-key-pkcs8.pem"));
        assertThat(sec1.getAlgorithm()).isEqualTo("EC");
        assertThat(((ECPrivateKey) sec1).getS()).isEqualTo(((ECPrivateKey) ec8).getS());

        assertThat(PemTls.privateKey(dir.resolve("ed25519.pem")).getAlgorithm()).isIn("EdDSA", "Ed25519");

        for (String enc : List.of("encrypted.pem", "encrypted-pkcs1.pem")) {
            assertThatThrownBy(() -> PemTls.privateKey(dir.resolve(enc)))
                    .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("is encrypted");
        }
        assertThatThrownBy(() -> PemTls.privateKey(dir.resolve("ca.pem")))
                .hasMessageContaining("holds no PEM private key");
        assertThatThrownBy(() -> PemTls.privateKey(dir.resolve("missing.pem"))).hasMessageContaining("can't be read");
        assertThat(PemTls.certificates(dir.resolve("client.pem"), "tls_client_cert")).hasSize(1);
        assertThatThrownBy(() -> PemTls.certificates(dir.resolve("client-key.pem"), "tls_client_cert"))
                .hasMessageContaining("is not a PEM certificate file");
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
