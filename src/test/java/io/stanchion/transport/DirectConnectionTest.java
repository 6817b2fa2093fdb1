package io.stanchion.transport;

import io.stanchion.config.ServerConfig;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The direct publishing connection's protocol against a scripted server socket (the end-to-end tests run it
 * against the real nats-server).
 */
class DirectConnectionTest {
    private static final Duration T = Duration.ofSeconds(5);

    @Test
    void connectsWithCredentialsWritesPubCommandsAtFlushAndAnswersPings() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> connectLine = new CompletableFuture<>();
            CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    Socket s = ss.accept();
                    OutputStream o = s.getOutputStream();
                    o.write("INFO {\"server_id\":\"x\",\"max_payload\":100}\r\n".getBytes(StandardCharsets.US_ASCII));
                    BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(),
                            StandardCharsets.UTF_8));
                    connectLine.complete(r.readLine());
                    assertThat(r.readLine()).isEqualTo("PING");
                    o.write("PONG\r\n".getBytes(StandardCharsets.US_ASCII));
                    return s;
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            String url = "nats://us%3Aer:p+w@127.0.0.1:" + ss.getLocalPort();
            try (DirectConnection p = DirectConnection.connect(url, "ignored", "ignored", null, "_NSS-c-send", T)) {
                assertThat(connectLine.get(5, TimeUnit.SECONDS)).startsWith("CONNECT {")
                        .contains("\"user\":\"us:er\"", "\"pass\":\"p+w\"", "\"name\":\"_NSS-c-send\"",
                                "\"verbose\":false", "\"echo\":false");
                Socket server = accepted.get(5, TimeUnit.SECONDS);
                InputStream in = server.getInputStream();

                assertThat(p.publish("_INBOX.a", "hello".getBytes(StandardCharsets.UTF_8))).isTrue();
                assertThat(p.publish("ü.b", new byte[0])).isTrue();
                assertThat(p.publish("big", new byte[101])).as("over max_payload").isFalse();
                server.setSoTimeout(300);
                assertThatThrownBy(in::read).as("nothing before the flush")
                        .isInstanceOf(java.net.SocketTimeoutException.class);
                p.flush();
                byte[] expected = ("PUB _INBOX.a 5\r\nhello\r\nPUB ü.b 0\r\n\r\n").getBytes(StandardCharsets.UTF_8);
                assertThat(readExactly(in, expected.length)).isEqualTo(expected);

                server.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(readExactly(in, 6), StandardCharsets.US_ASCII)).isEqualTo("PONG\r\n");

                server.close();
                await().atMost(T).until(p::isBroken);
                assertThat(p.publish("_INBOX.a", new byte[1])).as("broken: the caller falls back").isFalse();
            }
        }
    }

    @Test
    void subscribesWaitsForThePongAndHandsEachMessageToItsSubscriptionsHandler() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<List<String>> subs = new CompletableFuture<>();
            CompletableFuture<Socket> accepted = greeted(ss).thenApply(s -> {
                try {
                    OutputStream o = s.getOutputStream();
                    BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(),
                            StandardCharsets.UTF_8));
                    subs.complete(List.of(r.readLine(), r.readLine(), r.readLine()));
                    o.write(("MSG _STAN.pub.x.foo 2 _INBOX.r 3\r\nabc\r\nMSG _STAN.discover.c 1 _INBOX.q 0\r\n\r\n"
                            + "MSG nobody 9 1\r\nz\r\nPONG\r\n").getBytes(StandardCharsets.US_ASCII));
                    return s;
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            java.util.concurrent.CopyOnWriteArrayList<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (DirectConnection p = DirectConnection.connect("nats://127.0.0.1:" + ss.getLocalPort(), null, null,
                    null, "n", T)) {
                p.subscribe(List.of(
                        new Route("_STAN.discover.c", (subject, reply, data) -> got.add("discover " + subject + " "
                                + reply + " " + data.length)),
                        new Route("_STAN.pub.x.>", (subject, reply, data) -> { }, (buf, sAt, sLen, rAt, rLen, dAt,
                                dLen) -> got.add("pub " + new String(buf, rAt, rLen, StandardCharsets.US_ASCII) + " "
                                + new String(buf, dAt, dLen, StandardCharsets.US_ASCII)))), T);
                assertThat(subs.get(5, TimeUnit.SECONDS)).containsExactly("SUB _STAN.discover.c 1",
                        "SUB _STAN.pub.x.> 2", "PING");
                await().atMost(T).until(() -> got.size() == 2);
                assertThat(got).containsExactly("pub _INBOX.r abc", "discover _STAN.discover.c _INBOX.q 0");
                p.stopReceiving();
                accepted.get(5, TimeUnit.SECONDS).getOutputStream().write(
                        "MSG _STAN.discover.c 1 1\r\nx\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(readExactly(accepted.get().getInputStream(), 6), StandardCharsets.US_ASCII))
                        .as("still answers PINGs").isEqualTo("PONG\r\n");
                assertThat(got).as("dropped after stopReceiving").hasSize(2);
            } finally {
                accepted.thenAccept(DirectConnectionTest::closeQuietly);
            }
        }
    }

    @Test
    void aSubscribeWithoutPongFailsAndBreaksTheConnection() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Socket> accepted = greeted(ss); // no PONG for the SUBs
            try (DirectConnection p = DirectConnection.connect("nats://127.0.0.1:" + ss.getLocalPort(), null, null,
                    null, "n", T)) {
                assertThatThrownBy(() -> p.subscribe(List.of(new Route("a", (s, r, d) -> { })),
                        Duration.ofMillis(300))).isInstanceOf(IOException.class).hasMessageContaining("PONG");
                assertThat(p.isBroken()).isTrue();
            } finally {
                accepted.thenAccept(DirectConnectionTest::closeQuietly);
            }
        }
    }

    @Test
    void aWriteBlockedByABrokerThatStoppedReadingIsCutOff() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Socket> accepted = greeted(ss); // and never reads again
            try (DirectConnection p = DirectConnection.connect("nats://127.0.0.1:" + ss.getLocalPort(), null, null,
                    null, "n", T)) {
                accepted.get(5, TimeUnit.SECONDS);
                byte[] payload = new byte[1000];
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 200_000 && !p.isBroken(); i++) { // 200 MB: far more than socket buffers
                        p.publish("_INBOX.x", payload);
                    }
                    p.flush();
                });
                await().atMost(T).pollDelay(Duration.ofMillis(300)).until(() -> {
                    p.closeIfStalled(Duration.ofMillis(200).toNanos());
                    return p.isBroken();
                });
                writer.get(5, TimeUnit.SECONDS); // the blocked write was released
                assertThat(p.publish("_INBOX.x", payload)).isFalse();
            } finally {
                accepted.thenAccept(DirectConnectionTest::closeQuietly);
            }
        }
    }

    @Test
    void aServerThatWantsTlsOrRefusesTheConnectIsAnError() throws Exception {
        assertThatThrownBy(() -> connectTo("INFO {\"tls_required\":true}\r\n", null))
                .isInstanceOf(IOException.class).hasMessageContaining("requires TLS");
        assertThatThrownBy(() -> connectTo("INFO {}\r\n", "-ERR 'Authorization Violation'\r\n"))
                .isInstanceOf(IOException.class).hasMessageContaining("Authorization Violation");
    }

    @Test
    void aServerThatRequiresTlsGetsNothingInTheClear() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = ss.accept()) {
                    s.getOutputStream().write("INFO {\"tls_required\":true}\r\n".getBytes(StandardCharsets.US_ASCII));
                    return s.getInputStream().readAllBytes(); // until the client closes
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            assertThatThrownBy(() -> DirectConnection.connect("nats://stan:pw-1234@127.0.0.1:" + ss.getLocalPort(),
                    null, null, null, "n", T)).isInstanceOf(DirectConnection.TlsRequired.class)
                    .hasMessageContaining("stan:[REDACTED]@").hasMessageNotContaining("pw-1234");
            assertThat(received.get(5, TimeUnit.SECONDS)).as("no CONNECT (credentials) sent").isEmpty();
        }
    }

    @Test
    void anyTlsSettingOrNonNatsUrlRulesOutTheDirectConnection() {
        ServerConfig.Builder b = ServerConfig.builder();
        assertThat(EngineOutput.directAllowed(b.natsUrls(List.of("nats://a:4222", "b:4222")).build())).isTrue();
        for (List<String> urls : List.of(List.of("tls://a:4222"), List.of("nats://a:4222", " TLS://b:4222"),
                List.of("nats://a:4222,", "opentls://b:1"), List.of("ws://a:80"), List.of("wss://u:p@a:443"))) {
            assertThat(EngineOutput.directAllowed(b.natsUrls(urls).build())).as("%s", urls).isFalse();
        }
        b.natsUrls(List.of("nats://a:4222"));
        assertThat(EngineOutput.directAllowed(b.secure(true).build())).isFalse();
        assertThat(EngineOutput.directAllowed(b.secure(false).tlsSkipVerify(true).build())).isFalse();
        assertThat(EngineOutput.directAllowed(b.tlsSkipVerify(false).tlsServerName("x").build())).isFalse();
        assertThat(EngineOutput.directAllowed(b.tlsServerName(null).nkeySeedFile(Path.of("seed")).build()))
                .isFalse();
        assertThat(EngineOutput.isPlainNatsUrl("NATS://x:1")).isTrue();
        assertThat(EngineOutput.isPlainNatsUrl("tls://x:1")).isFalse();
    }

    private static void connectTo(String info, String answer) throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture.runAsync(() -> {
                try (Socket s = ss.accept()) {
                    s.getOutputStream().write(info.getBytes(StandardCharsets.US_ASCII));
                    if (answer != null) {
                        BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(),
                                StandardCharsets.UTF_8));
                        r.readLine();
                        r.readLine();
                        s.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
                    }
                    s.getInputStream().read(); // until the client closes
                } catch (IOException ignored) {
                    // the client went away
                }
            });
            DirectConnection.connect("nats://127.0.0.1:" + ss.getLocalPort(), null, null, null, "n", T).close();
        }
    }

    /** Accepts one connection, sends {@code INFO {}}, reads CONNECT and PING and answers PONG. */
    private static CompletableFuture<Socket> greeted(ServerSocket ss) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                Socket s = ss.accept();
                s.getOutputStream().write("INFO {}\r\n".getBytes(StandardCharsets.US_ASCII));
                BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(),
                        StandardCharsets.UTF_8));
                r.readLine();
                r.readLine();
                s.getOutputStream().write("PONG\r\n".getBytes(StandardCharsets.US_ASCII));
                return s;
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // test over
        }
    }

    private static byte[] readExactly(InputStream in, int n) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[n];
        while (out.size() < n) {
            int r = in.read(buf, 0, n - out.size());
            if (r < 0) {
                break;
            }
            out.write(buf, 0, r);
        }
        return out.toByteArray();
    }
}
