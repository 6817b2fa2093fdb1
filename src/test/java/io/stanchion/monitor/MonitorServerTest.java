package io.stanchion.monitor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The monitoring server's hardening over real sockets, with scripted routes: Host check, answers from futures
 * (never waiting on the event loop), response time-out and engine refusals as 503, idle time-out, connection cap.
 */
class MonitorServerTest {
    private static final Duration T = Duration.ofSeconds(10);
    private final List<AutoCloseable> open = new ArrayList<>();
    private final CompletableFuture<Response> never = new CompletableFuture<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private MonitorServer start(MonitorServer.Limits limits, HostCheck hosts) throws Exception {
        MonitorServer s = MonitorServer.start("127.0.0.1", 0, (path, query) -> switch (path) {
            case "/ok" -> CompletableFuture.completedFuture(Response.json("{}\n"));
            case "/later" -> CompletableFuture.supplyAsync(() -> Response.json("{\"later\": true}\n"));
            case "/never" -> never;
            case "/full" -> CompletableFuture.failedFuture(new RejectedExecutionException("engine queue full"));
            case "/stopped" -> CompletableFuture.failedFuture(new IllegalStateException("server stopped"));
            default -> null;
        }, limits, hosts);
        open.add(s);
        return s;
    }

    private MonitorServer start() throws Exception {
        return start(MonitorServer.Limits.DEFAULT, HostCheck.forBinding("127.0.0.1", List.of()));
    }

    /** On loopback with these limits. */
    private MonitorServer start(Duration idle, int maxConnections, Duration answerTimeout) throws Exception {
        return start(new MonitorServer.Limits(idle, maxConnections, answerTimeout),
                HostCheck.forBinding("127.0.0.1", List.of()));
    }

    private Socket connect(MonitorServer s) throws IOException {
        Socket sock = new Socket("127.0.0.1", s.port());
        sock.setSoTimeout((int) T.toMillis());
        open.add(sock);
        return sock;
    }

    /** Sends one keep-alive GET with this Host header and reads the response: "status body". */
    private static String get(Socket sock, String path, String host) throws IOException {
        sock.getOutputStream().write(("GET " + path + " HTTP/1.1\r\n" + (host == null ? "" : "Host: " + host + "\r\n")
                + "\r\n").getBytes(StandardCharsets.US_ASCII));
        InputStream in = sock.getInputStream();
        String head = readUntilBlankLine(in);
        int length = 0;
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return head.split(" ")[1] + " " + new String(body, StandardCharsets.UTF_8).trim();
    }

    private static String readUntilBlankLine(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            out.write(c);
            String s = out.toString(StandardCharsets.US_ASCII);
            if (s.endsWith("\r\n\r\n")) {
                return s;
            }
        }
        throw new IOException("connection closed; got: " + out.toString(StandardCharsets.US_ASCII));
    }

    private static boolean closedByServer(Socket sock) {
        try {
            return sock.getInputStream().read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    @Test
    void onLoopbackOnlyLoopbackNamesAreAccepted() throws Exception {
        MonitorServer s = start();
        for (String host : List.of("localhost", "localhost:" + s.port(), "127.0.0.1", "127.0.0.1:8222", "[::1]",
                "[::1]:8222", "LOCALHOST")) {
            assertThat(get(connect(s), "/ok", host)).as(host).isEqualTo("200 {}");
        }
        for (String host : List.of("evil.example.com", "evil.example.com:" + s.port(), "localhost.evil.com",
                "127.0.0.2", "10.0.0.1")) {
            Socket sock = connect(s);
            assertThat(get(sock, "/ok", host)).as(host).isEqualTo("403 Host not allowed");
            assertThat(closedByServer(sock)).isTrue();
        }
    }

    @Test
    void hostRulesForOtherBindings() {
        HostCheck wildcard = HostCheck.forBinding("0.0.0.0", List.of("stanchion"));
        assertThat(wildcard.allows("stanchion:8222")).isTrue();
        assertThat(wildcard.allows("localhost:8222")).isTrue();
        assertThat(wildcard.allows("192.168.1.20:8222")).as("an IP literal cannot be rebound").isTrue();
        assertThat(wildcard.allows("evil.example.com")).isFalse();
        assertThat(wildcard.allows("1.2.3.4.evil.com")).isFalse();
        HostCheck specific = HostCheck.forBinding("127.0.0.1", List.of("monitor.internal"));
        assertThat(specific.allows("monitor.internal:1")).isTrue();
        assertThat(specific.allows("other.internal")).isFalse();
        assertThat(HostCheck.forBinding("127.0.0.1", List.of("*")).allows("anything.example")).isTrue();
        assertThat(specific.allows(null)).as("HTTP/1.0 without Host").isTrue();
    }

    @Test
    void answersComeFromFuturesWithoutBlockingOtherRequests() throws Exception {
        MonitorServer s = start(Duration.ofSeconds(60), 10, Duration.ofSeconds(30));
        Socket waiting = connect(s);
        waiting.getOutputStream().write("GET /never HTTP/1.1\r\nHost: localhost\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        // while that request waits for its future, the event loop serves others
        assertThat(get(connect(s), "/later", "localhost")).isEqualTo("200 {\"later\": true}");
        assertThat(get(connect(s), "/ok", "localhost")).isEqualTo("200 {}");
        never.complete(Response.json("{\"finally\": 1}\n"));
        String rest = readUntilBlankLine(waiting.getInputStream());
        assertThat(rest).startsWith("HTTP/1.1 200");
    }

    @Test
    void slowOrRefusedAnswersAre503() throws Exception {
        MonitorServer s = start(Duration.ofSeconds(60), 10, Duration.ofMillis(300));
        Socket sock = connect(s);
        assertThat(get(sock, "/never", "localhost")).isEqualTo("503 server busy");
        assertThat(get(sock, "/full", "localhost")).isEqualTo("503 engine queue full");
        assertThat(get(sock, "/stopped", "localhost")).isEqualTo("503 server stopped");
        assertThat(get(sock, "/ok", "localhost")).as("the connection is still usable").isEqualTo("200 {}");
    }

    @Test
    void idleKeepAliveConnectionsAreClosed() throws Exception {
        MonitorServer s = start(Duration.ofMillis(300), 10, Duration.ofSeconds(5));
        Socket sock = connect(s);
        assertThat(get(sock, "/ok", "localhost")).isEqualTo("200 {}");
        await().atMost(T).until(() -> closedByServer(sock));
    }

    @Test
    void connectionsBeyondTheCapAreClosedAtOnce() throws Exception {
        MonitorServer s = start(Duration.ofSeconds(60), 2, Duration.ofSeconds(5));
        Socket a = connect(s);
        Socket b = connect(s);
        assertThat(get(a, "/ok", "localhost")).isEqualTo("200 {}");
        assertThat(get(b, "/ok", "localhost")).isEqualTo("200 {}");
        Socket c = connect(s);
        assertThat(closedByServer(c)).as("third connection").isTrue();
        a.close();
        await().atMost(T).until(() -> {
            try (Socket d = new Socket("127.0.0.1", s.port())) {
                d.setSoTimeout(2_000);
                return get(d, "/ok", "localhost").equals("200 {}");
            } catch (IOException e) {
                return false;
            }
        });
        assertThat(get(b, "/ok", "localhost")).isEqualTo("200 {}");
    }
}
