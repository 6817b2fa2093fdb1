package io.stanchion.bench;

import com.google.protobuf.ByteString;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.stanchion.e2e.NatsServerProcess;
import io.stanchion.e2e.ServerProcess;
import io.stanchion.protocol.pb.ConnectRequest;
import io.stanchion.protocol.pb.ConnectResponse;
import io.stanchion.protocol.pb.PubMsg;
import io.stanchion.protocol.pb.StartPosition;
import io.stanchion.protocol.pb.SubscriptionRequest;
import io.stanchion.protocol.pb.SubscriptionResponse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Restart time of a FILE store holding {@code -n} messages (default 1,000,000) in {@code -c} channels (10) with
 * {@code -d} durables (1,000) that have pending messages: fills a server over the raw protocol, stops it (SIGTERM),
 * restarts it on the same directory and prints process start → "Streaming Server is ready", three times.
 * Run: {@code bin/bench restart [-n N] [-c C] [-d D]} or as a main class with the test classpath.
 */
public final class RestartBench {
    private RestartBench() {
    }

    public static void main(String[] args) throws Exception {
        long n = 1_000_000;
        int channels = 10;
        int durables = 1_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-n" -> n = Long.parseLong(args[++i]);
                case "-c" -> channels = Integer.parseInt(args[++i]);
                case "-d" -> durables = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        Path dir = Files.createTempDirectory("restart-bench");
        try (NatsServerProcess nats = NatsServerProcess.start()) {
            List<String> serverArgs = List.of("-st", "FILE", "--dir", dir.toString(), "-cid", "restart-bench",
                    "-ns", nats.url(), "-mm", "0", "-mb", "0", "-msu", "0");
            ServerProcess server = ServerProcess.start(serverArgs);
            if (!server.awaitReady(Duration.ofSeconds(30))) {
                throw new IllegalStateException("server not ready:\n" + server.output());
            }
            try (Connection nc = Nats.connect(new io.nats.client.Options.Builder().server(nats.url())
                    .maxMessagesInOutgoingQueue(2_000_000).build())) {
                fill(nc, n, channels, durables);
            }
            server.terminate();
            server.awaitExit(Duration.ofSeconds(30));
            for (int run = 1; run <= 3; run++) {
                ServerProcess restarted = ServerProcess.start(serverArgs);
                if (!restarted.awaitReady(Duration.ofSeconds(120))) {
                    throw new IllegalStateException("restart not ready:\n" + restarted.output());
                }
                System.out.printf("restart %d: %d messages, %d channels, %d durables: %d ms to ready%n", run, n,
                        channels, durables, TimeUnit.NANOSECONDS.toMillis(restarted.nanosToReady()));
                restarted.terminate();
                restarted.awaitExit(Duration.ofSeconds(30));
            }
        }
    }

    private static void fill(Connection nc, long n, int channels, int durables) throws Exception {
        String cid = "restart-bench";
        Dispatcher hb = nc.createDispatcher(m -> {
            if (m.getReplyTo() != null) {
                nc.publish(m.getReplyTo(), new byte[0]);
            }
        });
        hb.subscribe("_INBOX.bench.hb");
        ConnectResponse cr = ConnectResponse.parseFrom(nc.request("_STAN.discover." + cid,
                ConnectRequest.newBuilder().setClientID("filler").setHeartbeatInbox("_INBOX.bench.hb")
                        .setProtocol(1).setConnID(ByteString.copyFromUtf8("filler")).build().toByteArray(),
                Duration.ofSeconds(10)).getData());
        // Durables first (no acks will ever be sent: every delivered message stays pending, up to MaxInFlight).
        for (int d = 0; d < durables; d++) {
            SubscriptionRequest req = SubscriptionRequest.newBuilder().setClientID("filler")
                    .setSubject("bench." + (d % channels)).setInbox("_INBOX.bench.sink." + d)
                    .setDurableName("d" + d).setMaxInFlight(100).setAckWaitInSecs(3600)
                    .setStartPosition(StartPosition.First).build();
            SubscriptionResponse r = SubscriptionResponse.parseFrom(
                    nc.request(cr.getSubRequests(), req.toByteArray(), Duration.ofSeconds(10)).getData());
            if (!r.getError().isEmpty()) {
                throw new IllegalStateException(r.getError());
            }
        }
        Semaphore window = new Semaphore(10_000);
        AtomicLong acked = new AtomicLong();
        Dispatcher acks = nc.createDispatcher(m -> {
            acked.incrementAndGet();
            window.release();
        });
        acks.subscribe("_INBOX.bench.acks");
        byte[] payload = new byte[128];
        long t0 = System.nanoTime();
        for (long i = 0; i < n; i++) {
            window.acquire();
            String channel = "bench." + (i % channels);
            nc.publish(cr.getPubPrefix() + "." + channel, "_INBOX.bench.acks", PubMsg.newBuilder()
                    .setClientID("filler").setGuid(Long.toString(i)).setSubject(channel)
                    .setData(ByteString.copyFrom(payload)).build().toByteArray());
        }
        while (acked.get() < n) {
            Thread.sleep(50); // a bench tool, not a test: poll the counter
        }
        System.out.printf("filled %d messages in %d ms%n", n, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }
}
