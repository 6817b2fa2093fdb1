package io.stanchion.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The server's fail-stop switch. A fault the server cannot answer with an error to one client — a store write or
 * fsync that failed, a corrupt record read back, an {@link Error} on a thread the server owns — trips it once: the
 * cause is logged, {@link #failure()} turns non-null (so {@code /healthz} and {@code /streaming/serverz} report the
 * server as failed), the engine stops processing, and the stop action registered by the server runs on a thread of
 * its own: it closes the NATS connections (clients see the server gone and fail over) and the stores, then ends the
 * process with a non-zero status. No fault is retried after the switch trips: in particular a failed fsync is never
 * retried (the kernel may have dropped the dirty pages it could not write, so a later successful fsync proves
 * nothing).
 *
 * <p>Threading: any thread; the first {@link #trip} wins, later ones are logged at debug only.
 */
public final class FailStop {
    private static final Logger LOG = LoggerFactory.getLogger("io.stanchion.STREAM");

    private final AtomicReference<String> failure = new AtomicReference<>();
    private volatile Runnable stopAction;
    private final java.util.concurrent.atomic.AtomicBoolean stopStarted = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Sets what runs (once, on a thread of its own) after the failure is recorded: the server's shutdown and exit.
     * When the switch has already tripped (during startup, before the server could set its action), the action
     * starts at once.
     */
    public void onTrip(Runnable action) {
        this.stopAction = action;
        if (tripped()) {
            startStopAction();
        }
    }

    /**
     * Records the failure and starts the stop action. {@code what} says what was being done ("fsync of channel
     * orders"), {@code cause} what went wrong; both are logged, with the stack trace for anything that is not a
     * store or I/O fault.
     */
    public void trip(String what, Throwable cause) {
        String reason = what + ": " + describe(cause);
        if (!failure.compareAndSet(null, reason)) {
            LOG.debug("further failure after fail-stop: {}", reason, cause);
            return;
        }
        if (cause instanceof io.stanchion.store.StoreException || cause instanceof java.io.IOException) {
            LOG.error("Fatal: {}; stopping the server", reason);
        } else {
            LOG.error("Fatal: {}; stopping the server", reason, cause);
        }
        startStopAction();
    }

    /** Starts the stop action once both the failure and the action are known (whichever comes second starts it). */
    private void startStopAction() {
        Runnable action = stopAction;
        if (action == null || !stopStarted.compareAndSet(false, true)) {
            return;
        }
        Thread stopper = new Thread(() -> {
            try {
                action.run();
            } catch (Throwable t) {
                LOG.error("fail-stop shutdown failed", t);
            }
        }, "stanchion-failstop");
        stopper.setDaemon(false);
        stopper.start();
    }

    /** The recorded failure ("what: cause"), or {@code null} while the server is healthy. */
    public String failure() {
        return failure.get();
    }

    public boolean tripped() {
        return failure.get() != null;
    }

    /** An uncaught-exception handler that trips this switch: for every thread the server owns. */
    public Thread.UncaughtExceptionHandler uncaughtHandler() {
        return (t, e) -> trip("uncaught " + e.getClass().getSimpleName() + " on thread " + t.getName(), e);
    }

    /** A named thread (daemon or not) whose uncaught exceptions trip this switch. */
    public Thread thread(String name, boolean daemon, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(daemon);
        t.setUncaughtExceptionHandler(uncaughtHandler());
        return t;
    }

    /** A thread factory of {@link #thread} threads, all named {@code name}. */
    public java.util.concurrent.ThreadFactory threads(String name, boolean daemon) {
        return r -> thread(name, daemon, r);
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown cause";
        }
        String m = t.getMessage();
        String s = t instanceof io.stanchion.store.StoreException && m != null ? m
                : t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        return s.replace('\n', ' ').replace('\r', ' ');
    }
}
