package io.stanchion.config;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;

/**
 * TLS for the server's connection to NATS, from the original's PEM files. Netty's {@link SslContextBuilder} reads
 * them (with Bouncy Castle's bcpkix on the class path for the key forms the JDK can't read):
 * <ul>
 *   <li>CA ({@code tls_client_cacert}): one or more PEM certificates; without it the JVM's default trust store;</li>
 *   <li>client certificate ({@code tls_client_cert}): a PEM certificate chain;</li>
 *   <li>client key ({@code tls_client_key}): an unencrypted PEM private key, as Go's crypto/tls reads them: PKCS#8
 *       ({@code BEGIN PRIVATE KEY}: RSA, EC, Ed25519), PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}) or SEC1 EC
 *       ({@code BEGIN EC PRIVATE KEY}); encrypted keys are refused, as the original refuses them;</li>
 *   <li>the server's certificate is checked against the host name of the URL (like the original, which uses Go's
 *       TLS defaults), or against {@code server_name} when set, which is also sent as SNI
 *       ({@link HostnameCheckingContext}); {@code skip_verify} accepts any certificate.</li>
 * </ul>
 */
public final class PemTls {

    private PemTls() {
    }

    /**
     * The SSLContext for the NATS connection, or null when {@link ServerConfig#tlsEnabled()} is false. Errors are
     * GeneralSecurityExceptions whose message names the option, the file and the problem.
     */
    public static SSLContext clientContext(ServerConfig c) throws GeneralSecurityException {
        if (!c.tlsEnabled()) {
            return null;
        }
        SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
        if (c.tlsSkipVerify) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else if (c.tlsClientCa != null) {
            try {
                builder.trustManager(pem(c.tlsClientCa, "tls_client_cacert"));
            } catch (IllegalArgumentException e) {
                throw notCertificates("tls_client_cacert", c.tlsClientCa);
            }
        }
        if (c.tlsClientCert != null) {
            InputStream chain = pem(c.tlsClientCert, "tls_client_cert");
            InputStream key = key(c.tlsClientKey);
            try {
                builder.keyManager(chain, key);
            } catch (IllegalArgumentException e) {
                // Netty checks the chain first, then the key; the message names which one it could not use
                throw String.valueOf(e.getMessage()).contains("private key")
                        ? new GeneralSecurityException("tls_client_key " + c.tlsClientKey + " holds no PEM private "
                                + "key that can be read (BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE "
                                + "KEY)")
                        : notCertificates("tls_client_cert", c.tlsClientCert);
            }
        }
        try {
            SSLContext context = ((JdkSslContext) builder.build()).context();
            return new HostnameCheckingContext(context, c.tlsServerName, !c.tlsSkipVerify);
        } catch (SSLException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    private static GeneralSecurityException notCertificates(String option, Path file) {
        return new GeneralSecurityException(option + " " + file + " is not a PEM certificate file");
    }

    /** The file's bytes, or an error naming the option when it can't be read. */
    private static InputStream pem(Path file, String option) throws GeneralSecurityException {
        return new ByteArrayInputStream(read(file, option));
    }

    private static byte[] read(Path file, String option) throws GeneralSecurityException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new GeneralSecurityException(option + " " + file + " can't be read: " + ConfigFile.reason(e));
        }
    }

    /**
     * The key file's bytes; an encrypted key is refused here with a clear message (Netty, given no password, would
     * only say that it found no key).
     */
    private static InputStream key(Path file) throws GeneralSecurityException {
        byte[] pem = read(file, "tls_client_key");
        if (new String(pem, StandardCharsets.US_ASCII).contains("ENCRYPTED")) {
            throw new GeneralSecurityException("tls_client_key " + file + " is encrypted: decrypt it first "
                    + "(openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem)");
        }
        return new ByteArrayInputStream(pem);
    }
}
