package io.stanchion.transport;

import io.stanchion.config.Redaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server's own plain-TCP NATS connection. Output: everything the engine thread publishes (PubAcks, deliveries,
 * responses): each publish encodes a {@code PUB} command straight into one buffer, and {@link #flush()} writes the
 * buffer with one socket write, at the end of every engine batch. Input: the server's subscriptions (requests,
 * publishes, acks), all on this one connection so they keep the order the broker sent them in, read by one reader
 * thread through a {@link ProtocolReader} and handed to each subscription's {@link RawMessageHandler} as offsets
 * into the read buffer. jnats would allocate a message object per message, copy it twice and hand it from its
 * reader thread to a dispatcher thread (and, to publish, to a writer thread): on a small machine those hand-offs
 * cost as much as the work.
 *
 * <p>It speaks only what it needs of the client protocol: it reads the server's INFO, sends CONNECT (user and
 * password or token; no TLS, no NKey or JWT credentials: those configurations use jnats), checks the PONG of its
 * first PING; {@link #subscribe} sends the SUBs and waits for the PONG that follows them; the reader thread
 * answers the server's PINGs, dispatches messages and notices the end of the connection.
 *
 * <p>Threading: {@link #publish} and {@link #flush} on one thread (the engine's); the reader thread writes PONGs
 * and {@link #subscribe} its SUBs, under the same lock as {@link #flush}. Handlers run on the reader thread.
 * {@link #isBroken()} and {@link #close()} from any thread.
 */
final class DirectConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DirectConnection.class);
    /** Written out when a batch's commands reach this size. */
    private static final int FLUSH_AT = 256 * 1024;
    private static final byte[] PONG = "PONG\r\n".getBytes(StandardCharsets.US_ASCII);
    /** No byte from the server for this long ends the connection (2.5 of the broker's default ping intervals). */
    static final int READ_TIMEOUT_MILLIS = 300_000;
    private static final Pattern MAX_PAYLOAD = Pattern.compile("\"max_payload\"\\s*:\\s*(\\d+)");
    private static final Pattern TLS_REQUIRED = Pattern.compile("\"tls_required\"\\s*:\\s*true");

    private final Socket socket;
    private final OutputStream out;
    private final long maxPayload;
    private final Object writeLock = new Object();
    private final Thread reader;
    private final ProtocolReader protocol;
    /** Handlers by subscription ID (index); set before the SUBs are sent. */
    private volatile RawMessageHandler[] handlers = new RawMessageHandler[0];
    /** Completed by the reader at each PONG, in order. */
    private final java.util.concurrent.ConcurrentLinkedQueue<java.util.concurrent.CountDownLatch> pongs =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile boolean receiving = true;
    private byte[] buf = new byte[64 * 1024];
    private int pos;
    private volatile boolean broken;
    /** {@link System#nanoTime()} when the write in progress started, or 0. */
    private volatile long writeStartedNanos;

    private DirectConnection(Socket socket, InputStream in, long maxPayload) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.maxPayload = maxPayload;
        this.protocol = new ProtocolReader(in, maxPayload);
        this.reader = new Thread(this::readLoop, "stanchion-nats-reader");
        this.reader.setDaemon(true);
    }

    /**
     * Connects to {@code url} ({@code nats://host:port}, user info in it taking precedence over {@code user},
     * {@code password} and {@code token}), named {@code name}.
     *
     * @throws TlsRequired when the server's INFO says it requires TLS (nothing is sent to it then)
     * @throws IOException when it cannot connect or the server refuses the CONNECT; messages never show the
     *     password or token of {@code url}
     */
    static DirectConnection connect(String url, String user, String password, String token, String name,
                                   Duration timeout) throws IOException {
        URI uri = URI.create(url.contains("://") ? url : "nats://" + url);
        String shown = Redaction.urls(url);
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            if (colon >= 0) {
                user = decode(userInfo.substring(0, colon));
                password = decode(userInfo.substring(colon + 1));
                token = null;
            } else {
                token = decode(userInfo);
                user = null;
                password = null;
            }
        }
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(uri.getHost(), uri.getPort() < 0 ? 4222 : uri.getPort()),
                    (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            InputStream in = new BufferedInputStream(s.getInputStream(), 4096);
            String info = readLine(in);
            if (info == null || !info.startsWith("INFO ")) {
                throw new IOException("no INFO from " + shown + " (got " + info + ")");
            }
            if (TLS_REQUIRED.matcher(info).find()) {
                throw new TlsRequired(shown + " requires TLS");
            }
            Matcher m = MAX_PAYLOAD.matcher(info);
            long maxPayload = m.find() ? Long.parseLong(m.group(1)) : 1 << 20;
            StringBuilder connect = new StringBuilder("CONNECT {\"verbose\":false,\"pedantic\":false,"
                    + "\"lang\":\"java\",\"version\":\"stanchion\",\"protocol\":1,\"echo\":false,\"headers\":false,"
                    + "\"no_responders\":false,\"name\":");
            json(connect, name);
            if (user != null) {
                connect.append(",\"user\":");
                json(connect, user);
                connect.append(",\"pass\":");
                json(connect, password == null ? "" : password);
            } else if (token != null) {
                connect.append(",\"auth_token\":");
                json(connect, token);
            }
            connect.append("}\r\nPING\r\n");
            OutputStream o = s.getOutputStream();
            o.write(connect.toString().getBytes(StandardCharsets.UTF_8));
            o.flush();
            while (true) {
                String line = readLine(in);
                if (line == null) {
                    throw new IOException(shown + " closed the connection after CONNECT");
                }
                if (line.startsWith("-ERR")) {
                    throw new Refused(shown + " refused the connection: " + line.substring(4).trim());
                }
                if (line.equals("PONG")) {
                    break;
                }
            }
            // nats-server PINGs every client every 2 minutes by default: silence for longer than READ_TIMEOUT
            // means a peer that is gone without a reset (a partition, a crashed host).
            s.setSoTimeout(READ_TIMEOUT_MILLIS);
            DirectConnection p = new DirectConnection(s, in, maxPayload);
            p.reader.start();
            return p;
        } catch (IOException | RuntimeException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already failing
            }
            throw e instanceof IOException io ? io : new IOException(Redaction.urls(e.toString()), e);
        }
    }

    /**
     * Adds {@code PUB subject len\r\n payload\r\n} to the batch. Returns false, and adds nothing, when the
     * connection is broken or the payload exceeds the server's max_payload: the caller publishes another way.
     */
    boolean publish(String subject, byte[] payload) {
        if (broken || payload.length > maxPayload) {
            return false;
        }
        int n = subject.length();
        ensure(n * 3 + payload.length + 32);
        byte[] b = buf;
        int p = pos;
        b[p++] = 'P';
        b[p++] = 'U';
        b[p++] = 'B';
        b[p++] = ' ';
        int i = 0;
        while (i < n) {
            char c = subject.charAt(i);
            if (c >= 0x80) {
                break;
            }
            b[p++] = (byte) c;
            i++;
        }
        if (i < n) { // not ASCII: the whole subject as UTF-8
            p = pos + 4;
            byte[] utf8 = subject.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(utf8, 0, b, p, utf8.length);
            p += utf8.length;
        }
        b[p++] = ' ';
        p = putDecimal(b, p, payload.length);
        b[p++] = '\r';
        b[p++] = '\n';
        System.arraycopy(payload, 0, b, p, payload.length);
        p += payload.length;
        b[p++] = '\r';
        b[p++] = '\n';
        pos = p;
        if (p >= FLUSH_AT) {
            flush();
        }
        return true;
    }

    /** Writes the batch out (one socket write). A failure marks the connection broken; the batch is dropped. */
    void flush() {
        if (pos == 0) {
            return;
        }
        int n = pos;
        pos = 0;
        if (broken) {
            return;
        }
        // Stamped before the lock: a PONG or SUB write blocked while holding it counts as this write's stall.
        writeStartedNanos = System.nanoTime() | 1; // never 0 while writing
        try {
            synchronized (writeLock) {
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            fail("write failed: " + e.getMessage());
        } finally {
            writeStartedNanos = 0;
        }
        if (buf.length > 4 * FLUSH_AT) {
            buf = new byte[64 * 1024]; // a batch with a huge message: do not keep its buffer
        }
    }

    boolean isBroken() {
        return broken;
    }

    /**
     * Closes the connection when a write has been blocked for longer than {@code limitNanos} (a broker that stopped
     * reading): the blocked engine thread gets an exception and goes on through jnats. Called from another thread.
     */
    void closeIfStalled(long limitNanos) {
        long started = writeStartedNanos;
        if (started != 0 && System.nanoTime() - started > limitNanos) {
            fail("a write was blocked for more than " + limitNanos / 1_000_000_000L + " s");
        }
    }

    @Override
    public void close() {
        broken = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /**
     * Subscribes {@code routes} (subscription IDs 1..n) and waits until the server has processed the SUBs (the
     * PONG of a PING sent after them). Messages start reaching the handlers at once.
     *
     * @throws IOException when the connection fails or the PONG does not come within {@code timeout}
     */
    void subscribe(java.util.List<Route> routes, Duration timeout) throws IOException {
        RawMessageHandler[] table = new RawMessageHandler[routes.size() + 1];
        StringBuilder subs = new StringBuilder();
        for (int i = 0; i < routes.size(); i++) {
            table[i + 1] = routes.get(i).raw();
            subs.append("SUB ").append(routes.get(i).subject()).append(' ');
            if (routes.get(i).queue() != null) {
                subs.append(routes.get(i).queue()).append(' ');
            }
            subs.append(i + 1).append("\r\n");
        }
        handlers = table;
        java.util.concurrent.CountDownLatch pong = new java.util.concurrent.CountDownLatch(1);
        pongs.add(pong);
        subs.append("PING\r\n");
        try {
            synchronized (writeLock) {
                out.write(subs.toString().getBytes(StandardCharsets.UTF_8));
            }
            if (!pong.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS) || broken) {
                throw new IOException("no PONG after the subscriptions within " + timeout.toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted while subscribing");
            throw new IOException("interrupted while subscribing");
        } catch (IOException e) {
            fail("subscribe failed: " + e.getMessage());
            throw e;
        }
    }

    /**
     * Waits up to {@code millis} for the reader thread to end (after the connection broke: a handler may still be
     * running on it); true when it has ended. The handlers are not thread-safe: a new connection must not run them
     * while the old reader still does.
     */
    boolean awaitReaderEnd(long millis) throws InterruptedException {
        reader.join(millis);
        return !reader.isAlive();
    }

    /** Messages arriving from now on are dropped (shutdown: the engine stops taking them). */
    void stopReceiving() {
        receiving = false;
    }

    private void readLoop() {
        try {
            protocol.run(new ProtocolReader.Sink() {
                @Override
                public void msg(int sid, byte[] buf, int subjectAt, int subjectLen, int replyAt, int replyLen,
                                int dataAt, int dataLen) {
                    RawMessageHandler[] table = handlers;
                    if (receiving && !broken && sid > 0 && sid < table.length) {
                        try {
                            table[sid].onMessage(buf, subjectAt, subjectLen, replyAt, replyLen, dataAt, dataLen);
                        } catch (RuntimeException e) { // a bug confined to this message, as jnats treats it
                            LOG.error("handler of subscription {} failed", sid, e);
                        }
                    }
                }

                @Override
                public void ping() throws IOException {
                    synchronized (writeLock) {
                        out.write(PONG);
                    }
                }

                @Override
                public void pong() {
                    java.util.concurrent.CountDownLatch l = pongs.poll();
                    if (l != null) {
                        l.countDown();
                    }
                }

                @Override
                public void error(String text) {
                    LOG.warn("NATS server error on the direct connection: {}", text);
                }
            });
            fail("closed by the server");
        } catch (java.net.SocketTimeoutException e) {
            fail("nothing from the server for " + READ_TIMEOUT_MILLIS / 1000 + " s");
        } catch (IOException e) {
            fail(e.getMessage());
        } catch (RuntimeException | Error e) {
            fail(e.toString());
            throw e;
        }
    }

    private void fail(String why) {
        if (!broken) {
            broken = true;
            LOG.info("Direct NATS connection lost ({})", why);
            close();
            java.util.concurrent.CountDownLatch l;
            while ((l = pongs.poll()) != null) {
                l.countDown(); // a waiting subscribe sees broken
            }
        }
    }

    private void ensure(int more) {
        if (pos + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
        }
    }

    private static int putDecimal(byte[] b, int p, int v) {
        if (v == 0) {
            b[p++] = '0';
            return p;
        }
        int digits = 0;
        for (int x = v; x > 0; x /= 10) {
            digits++;
        }
        int end = p + digits;
        for (int q = end - 1; q >= p; q--) {
            b[q] = (byte) ('0' + v % 10);
            v /= 10;
        }
        return end;
    }

    /** One protocol line without its CRLF, or null at the end of the stream. */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            if (sb.length() > 1 << 20) {
                throw new IOException("protocol line too long");
            }
            sb.append((char) c);
        }
        return null;
    }

    private static void json(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** Percent-decoding of URL user info ('+' stays '+'). */
    private static String decode(String s) {
        return java.net.URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The server requires TLS, which this connection does not speak: it must not be used with that server. */
    /** The server answered the CONNECT with an error (e.g. an authorization violation). */
    static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    static final class TlsRequired extends IOException {
        TlsRequired(String message) {
            super(message);
        }
    }
}
