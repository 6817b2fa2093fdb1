package io.stanchion.config;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TLS for the server's connection to NATS, from the original's PEM files, with the JDK only:
 * <ul>
 *   <li>CA ({@code tls_client_cacert}): one or more PEM certificates; without it the JVM's default trust store;</li>
 *   <li>client certificate ({@code tls_client_cert}): a PEM certificate chain;</li>
 *   <li>client key ({@code tls_client_key}): an unencrypted PEM private key, as PKCS#8 ({@code BEGIN PRIVATE KEY}:
 *       RSA, EC, Ed25519/Ed448), PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}) or SEC1 EC
 *       ({@code BEGIN EC PRIVATE KEY}); encrypted keys are refused (decrypt with
 *       {@code openssl pkcs8 -topk8 -nocrypt});</li>
 *   <li>the server's certificate is checked against the host name of the URL (like the original, which uses Go's
 *       TLS defaults), or against {@code server_name} when set, which is also sent as SNI; {@code skip_verify}
 *       accepts any certificate.</li>
 * </ul>
 */
public final class PemTls {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*(.*?)-----END \\1-----", Pattern.DOTALL);

    private PemTls() {
    }

    /**
     * The SSLContext for the NATS connection, or null when {@link ServerConfig#tlsEnabled()} is false. Errors are
     * GeneralSecurityExceptions whose message names the file and the problem.
     */
    public static SSLContext clientContext(ServerConfig c) throws GeneralSecurityException {
        if (!c.tlsEnabled()) {
            return null;
        }
        KeyManager[] keyManagers = null;
        if (c.tlsClientCert != null) {
            List<X509Certificate> chain = certificates(c.tlsClientCert, "tls_client_cert");
            PrivateKey key = privateKey(c.tlsClientKey);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try {
                ks.load(null, null);
            } catch (IOException e) {
                throw new GeneralSecurityException(e);
            }
            char[] password = new char[0];
            ks.setKeyEntry("client", key, password, chain.toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            keyManagers = kmf.getKeyManagers();
        }
        TrustManager[] trustManagers = null;
        if (c.tlsSkipVerify) {
            trustManagers = new TrustManager[] {new TrustAll()};
        } else if (c.tlsClientCa != null) {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            try {
                ts.load(null, null);
            } catch (IOException e) {
                throw new GeneralSecurityException(e);
            }
            int i = 0;
            for (X509Certificate ca : certificates(c.tlsClientCa, "tls_client_cacert")) {
                ts.setCertificateEntry("ca" + i++, ca);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
            trustManagers = tmf.getTrustManagers();
        }
        SSLContext inner = SSLContext.getInstance("TLS");
        inner.init(keyManagers, trustManagers, new SecureRandom());
        return new NamedContext(inner, c.tlsServerName, !c.tlsSkipVerify);
    }

    static List<X509Certificate> certificates(Path file, String what) throws GeneralSecurityException {
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(file)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
            throw new GeneralSecurityException(what + " " + file + " can't be read: " + ConfigFile.reason(e));
        } catch (GeneralSecurityException e) {
            throw new GeneralSecurityException(what + " " + file + " is not a PEM certificate file");
        }
        List<X509Certificate> out = new ArrayList<>();
        for (Certificate cert : certs) {
            out.add((X509Certificate) cert);
        }
        if (out.isEmpty()) {
            throw new GeneralSecurityException(what + " " + file + " holds no certificate");
        }
        return out;
    }

    /** Reads an unencrypted PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC). */
    static PrivateKey privateKey(Path file) throws GeneralSecurityException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new GeneralSecurityException("tls_client_key " + file + " can't be read: " + ConfigFile.reason(e));
        }
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            String body = m.group(2);
            if (body.contains("ENCRYPTED") || type.startsWith("ENCRYPTED")) {
                throw new GeneralSecurityException("tls_client_key " + file + " is encrypted: decrypt it first "
                        + "(openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem)");
            }
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(body.replaceAll("(?m)^[A-Za-z-]+:.*$", ""));
            } catch (IllegalArgumentException e) {
                throw new GeneralSecurityException("tls_client_key " + file + ": invalid base64 in the PEM block");
            }
            switch (type) {
                case "PRIVATE KEY" -> {
                    return pkcs8(der, file);
                }
                case "RSA PRIVATE KEY" -> {
                    return pkcs8(Der.wrapPkcs1Rsa(der), file);
                }
                case "EC PRIVATE KEY" -> {
                    return pkcs8(Der.wrapSec1Ec(der), file);
                }
                default -> {
                    // e.g. "EC PARAMETERS" before the key: skip
                }
            }
        }
        throw new GeneralSecurityException("tls_client_key " + file + " holds no PEM private key (expected "
                + "BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY)");
    }

    private static PrivateKey pkcs8(byte[] der, Path file) throws GeneralSecurityException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException | RuntimeException ignored) {
                // try the next algorithm
            }
        }
        throw new GeneralSecurityException("tls_client_key " + file + ": unsupported or malformed private key");
    }

    /** Minimal DER encoding to turn PKCS#1 / SEC1 keys into PKCS#8 PrivateKeyInfo. */
    static final class Der {
        private static final byte[] RSA_OID = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d,
                0x01, 0x01, 0x01};
        private static final byte[] EC_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
        private static final byte[] NULL = {0x05, 0x00};
        private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

        private Der() {
        }

        static byte[] wrapPkcs1Rsa(byte[] pkcs1) {
            return privateKeyInfo(concat(RSA_OID, NULL), pkcs1);
        }

        /** SEC1 ECPrivateKey: SEQUENCE { version, privateKey OCTET STRING, [0] parameters (curve OID), [1] ... }. */
        static byte[] wrapSec1Ec(byte[] sec1) throws GeneralSecurityException {
            byte[] curve = null;
            int[] seq = header(sec1, 0);
            if (sec1[0] != 0x30) {
                throw new GeneralSecurityException("malformed EC private key");
            }
            int p = seq[0];
            int end = seq[0] + seq[1];
            while (p < end) {
                int tag = sec1[p] & 0xff;
                int[] h = header(sec1, p);
                if (tag == 0xa0) {
                    int[] inner = header(sec1, h[0]);
                    curve = java.util.Arrays.copyOfRange(sec1, h[0], inner[0] + inner[1]);
                }
                p = h[0] + h[1];
            }
            if (curve == null) {
                throw new GeneralSecurityException("EC private key without curve parameters: convert it to PKCS#8 "
                        + "(openssl pkcs8 -topk8 -nocrypt)");
            }
            return privateKeyInfo(concat(EC_OID, curve), sec1);
        }

        private static byte[] privateKeyInfo(byte[] algorithmContent, byte[] key) {
            return tlv(0x30, concat(VERSION_0, tlv(0x30, algorithmContent), tlv(0x04, key)));
        }

        /** {start of content, content length} of the element at {@code p}. */
        private static int[] header(byte[] d, int p) throws GeneralSecurityException {
            if (p + 2 > d.length) {
                throw new GeneralSecurityException("malformed DER");
            }
            int len = d[p + 1] & 0xff;
            int q = p + 2;
            if (len >= 0x80) {
                int n = len & 0x7f;
                if (n == 0 || n > 4 || q + n > d.length) {
                    throw new GeneralSecurityException("malformed DER");
                }
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = (len << 8) | (d[q++] & 0xff);
                }
            }
            if (len < 0 || q + len > d.length) {
                throw new GeneralSecurityException("malformed DER");
            }
            return new int[] {q, len};
        }

        private static byte[] tlv(int tag, byte[] content) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(tag);
            int len = content.length;
            if (len < 0x80) {
                out.write(len);
            } else {
                int bytes = len > 0xffffff ? 4 : len > 0xffff ? 3 : len > 0xff ? 2 : 1;
                out.write(0x80 | bytes);
                for (int i = bytes - 1; i >= 0; i--) {
                    out.write((len >>> (8 * i)) & 0xff);
                }
            }
            out.writeBytes(content);
            return out.toByteArray();
        }

        private static byte[] concat(byte[]... parts) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] p : parts) {
                out.writeBytes(p);
            }
            return out.toByteArray();
        }
    }

    /** Accepts every certificate: {@code skip_verify}. */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /**
     * An SSLContext whose client sockets check the server's host name (or {@code serverName}) and send SNI, which
     * plain SSLContext sockets made with {@code createSocket(socket, host, port, autoClose)} do not do by default.
     */
    static final class NamedContext extends SSLContext {
        NamedContext(SSLContext inner, String serverName, boolean verifyHostname) {
            super(new Spi(inner, serverName, verifyHostname), inner.getProvider(), inner.getProtocol());
        }
    }

    private static final class Spi extends SSLContextSpi {
        private final SSLContext inner;
        private final String serverName;
        private final boolean verifyHostname;

        Spi(SSLContext inner, String serverName, boolean verifyHostname) {
            this.inner = inner;
            this.serverName = serverName;
            this.verifyHostname = verifyHostname;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) {
            // already initialised
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return new NamedSocketFactory(inner.getSocketFactory(), serverName, verifyHostname);
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return inner.getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return inner.createSSLEngine();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            String name = serverName != null ? serverName : host;
            SSLEngine engine = inner.createSSLEngine(name, port);
            engine.setSSLParameters(parameters(engine.getSSLParameters(), name, verifyHostname));
            return engine;
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return inner.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return inner.getClientSessionContext();
        }
    }

    static SSLParameters parameters(SSLParameters p, String name, boolean verifyHostname) {
        if (verifyHostname) {
            p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if (name != null && !isIpLiteral(name)) {
            try {
                p.setServerNames(List.of(new SNIHostName(name)));
            } catch (IllegalArgumentException ignored) {
                // not a valid SNI host name: no SNI
            }
        }
        return p;
    }

    private static boolean isIpLiteral(String host) {
        return host.contains(":") || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    private static final class NamedSocketFactory extends SSLSocketFactory {
        private final SSLSocketFactory inner;
        private final String serverName;
        private final boolean verifyHostname;

        NamedSocketFactory(SSLSocketFactory inner, String serverName, boolean verifyHostname) {
            this.inner = inner;
            this.serverName = serverName;
            this.verifyHostname = verifyHostname;
        }

        private Socket configure(Socket s, String host) {
            if (s instanceof SSLSocket ssl) {
                ssl.setSSLParameters(parameters(ssl.getSSLParameters(), serverName != null ? serverName : host,
                        verifyHostname));
            }
            return s;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return inner.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return inner.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            String name = serverName != null ? serverName : host;
            return configure(inner.createSocket(s, name, port, autoClose), name);
        }

        @Override
        public Socket createSocket() throws IOException {
            return configure(inner.createSocket(), serverName);
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return configure(inner.createSocket(host, port), host);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return configure(inner.createSocket(host, port, localHost, localPort), host);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return configure(inner.createSocket(host, port), host.getHostName());
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return configure(inner.createSocket(address, port, localAddress, localPort), address.getHostName());
        }
    }
}
