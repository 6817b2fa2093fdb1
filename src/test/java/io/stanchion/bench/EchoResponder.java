package io.stanchion.bench;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;

/**
 * The echo ceiling's responder in a JVM of its own (as the Stanchion server is): answers every request on the
 * subject (wildcards allowed) with the request's first 24 bytes, the size of a PubAck. Two ways:
 * <ul>
 *   <li>{@code direct}: the reply is published from the jnats dispatcher thread, one message at a time;</li>
 *   <li>{@code batched}: the dispatcher hands requests to a queue and one replier thread drains up to 1,024 at a
 *       time and publishes their replies back to back — Stanchion's own threading (dispatcher → engine queue →
 *       engine thread publishing a batch of PubAcks) without the work, so jnats' writer gets bursts.</li>
 * </ul>
 * Prints {@value #READY} once subscribed; runs until its standard input closes (or it is killed).
 *
 * <pre>  java -cp ... io.stanchion.bench.EchoResponder nats://127.0.0.1:4222 'echo.>' [direct|batched]</pre>
 */
public final class EchoResponder {
    public static final String READY = "echo responder ready";
    static final int BATCH = 1024;

    private EchoResponder() {
    }

    static byte[] reply(Message m) {
        byte[] data = m.getData();
        return Arrays.copyOf(data == null ? new byte[0] : data, 24);
    }

    /** Subscribes a per-message responder on {@code nc}; the returned dispatcher answers until closed. */
    static Dispatcher respond(Connection nc, String subject) {
        Dispatcher d = nc.createDispatcher(m -> {
            if (m.getReplyTo() != null) {
                nc.publish(m.getReplyTo(), reply(m));
            }
        });
        d.setPendingLimits(-1, -1);
        d.subscribe(subject);
        return d;
    }

    /** Subscribes a batching responder on {@code nc} (its replier is a daemon thread). */
    static Dispatcher respondBatched(Connection nc, String subject) {
        BlockingQueue<Message> queue = new ArrayBlockingQueue<>(65_536);
        Thread replier = new Thread(() -> {
            List<Message> batch = new ArrayList<>(BATCH);
            try {
                while (true) {
                    batch.add(queue.take());
                    queue.drainTo(batch, BATCH - 1);
                    for (Message m : batch) {
                        if (m.getReplyTo() != null) {
                            nc.publish(m.getReplyTo(), reply(m));
                        }
                    }
                    batch.clear();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "echo-replier");
        replier.setDaemon(true);
        replier.start();
        Dispatcher d = nc.createDispatcher(m -> {
            try {
                queue.put(m);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        d.setPendingLimits(-1, -1);
        d.subscribe(subject);
        return d;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("Usage: EchoResponder <nats url> <subject> [direct|batched]");
            System.exit(2);
        }
        boolean batched = args.length == 3 && args[2].equals("batched");
        StanBench.Config c = new StanBench.Config();
        c.url = args[0];
        Connection nc = StanBench.connectNats(c, "bench-echo-responder");
        if (batched) {
            respondBatched(nc, args[1]);
        } else {
            respond(nc, args[1]);
        }
        nc.flush(StanBench.REQUEST_TIMEOUT);
        System.out.println(READY);
        System.out.flush();
        CountDownLatch stdinClosed = new CountDownLatch(1);
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // ignore input
                }
            } catch (java.io.IOException ignored) {
                // parent gone
            }
            stdinClosed.countDown();
        }, "stdin-watch");
        watcher.setDaemon(true);
        watcher.start();
        stdinClosed.await();
        nc.close();
    }
}
