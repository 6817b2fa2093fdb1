package io.stanchion.transport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Tells when the broker has processed everything published on the jnats connection before a mark, without a
 * flush: a mark is a message jnats publishes to an inbox this connection itself subscribes to, so its return means
 * every earlier publish of the connection was processed (the broker keeps a connection's order). Unlike jnats'
 * flush, which sends a PING and counts a timed-out one as outstanding (at the third, jnats drops its connection and
 * later flushes return at once as if done), an unanswered mark costs nothing: only one is outstanding at a time, and
 * a new one is sent only once it came back or after jnats reconnected (the old one may have been lost).
 *
 * <p>Threading: {@link #passed} from one thread at a time (EngineOutput's connector); the mark returns on jnats'
 * dispatcher thread.
 */
final class BacklogMarker implements AutoCloseable {
    private final JnatsTransport jnats;
    private final String subject;
    private final AutoCloseable subscription;
    private final Object returned = new Object();
    /** The highest mark that came back. Guarded by {@link #returned}. */
    private long back;
    /** The mark outstanding (0: none), and jnats' reconnect count when it was sent. Connector thread only. */
    private long sent;
    private long sentAtReconnects;
    private long next;

    BacklogMarker(JnatsTransport jnats) {
        this.jnats = jnats;
        this.subject = jnats.newInbox();
        this.subscription = jnats.subscribeUntilClosed(subject, (s, reply, data) -> {
            long mark;
            try {
                mark = Long.parseLong(new String(data, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                return;
            }
            synchronized (returned) {
                if (mark > back) {
                    back = mark;
                    returned.notifyAll();
                }
            }
        });
    }

    /**
     * Whether everything published before the call has been processed by the broker: sends a mark unless one is
     * outstanding, then waits for it at most {@code wait}.
     */
    boolean passed(Duration wait) throws InterruptedException {
        long reconnects = jnats.reconnects();
        if (sent == 0 || reconnects != sentAtReconnects) {
            sent = ++next;
            sentAtReconnects = reconnects;
            jnats.publish(subject, Long.toString(sent).getBytes(StandardCharsets.US_ASCII));
        }
        long deadline = System.nanoTime() + wait.toNanos();
        synchronized (returned) {
            while (back < sent) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                returned.wait(Math.max(1, left / 1_000_000));
            }
        }
        sent = 0; // done: the next call marks anew
        return true;
    }

    @Override
    public void close() {
        try {
            subscription.close();
        } catch (Exception e) {
            // the connection is closing: nothing to unsubscribe
        }
    }
}
