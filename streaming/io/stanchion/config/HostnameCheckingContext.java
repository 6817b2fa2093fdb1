package io.stanchion.config;

import javax.net.ssl.KeyManager;
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
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.SecureRandom;
import java.util.List;

/**
 * An SSLContext whose client sockets check the server's certificate against its host name (or {@code serverName})
 * and send SNI. jnats takes a plain SSLContext and makes its sockets with
 * {@code getSocketFactory().createSocket(socket, host, port, autoClose)}, which does neither by default (Netty's
 * {@code endpointIdentificationAlgorithm} only reaches the SSLEngines Netty makes itself).
 */
final class HostnameCheckingContext extends SSLContext {

    HostnameCheckingContext(SSLContext inner, String serverName, boolean verifyHostname) {
        super(new Spi(inner, serverName, verifyHostname), inner.getProvider(), inner.getProtocol());
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
            return new SocketFactory(inner.getSocketFactory(), serverName, verifyHostname);
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

    private static final class SocketFactory extends SSLSocketFactory {
        private final SSLSocketFactory inner;
        private final String serverName;
        private final boolean verifyHostname;

        SocketFactory(SSLSocketFactory inner, String serverName, boolean verifyHostname) {
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
