package io.stanchion.engine;

import io.stanchion.codec.Subjects;

import io.stanchion.config.ServerConfig;
import io.stanchion.store.MessageStore;
import io.stanchion.store.StateStore;
import io.stanchion.store.StoreException;
import io.stanchion.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The single-writer engine: one thread runs the {@link StateMachine}, which owns every channel, log appender,
 * subscription and client. Transport threads only {@link #submit} decoded commands; the engine drains them in
 * batches of up to io_batch_size:
 * publishes are appended as they come, and before any other command (and at the end of the batch) the appended
 * messages are committed — logs flushed once, messages delivered, PubAcks sent. So a close or unsubscribe is
 * handled only after the publishes and acks received before it, and a subscription's start position sees them.
 * Deliveries go out through {@link Delivery#flush()} at those same points and after timers run.
 *
 * <p>Faults: a request the engine refuses is answered with an error and changes nothing. A store fault (any
 * {@link StoreException} other than a refused write, see {@link Publishes}) or an {@link Error} anywhere on the
 * engine thread trips the {@link FailStop}: every publish of the batch not yet acknowledged gets an error PubAck,
 * so do the publishes still queued, and the engine thread ends; the server's stop action does the rest. Any other
 * exception while handling one command is a bug confined to that command: logged, and the engine goes on.
 *
 * <p>Threading: {@link #submit} and {@link #call} from any thread; everything else runs on the engine thread.
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    private static final long MAX_IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Commands the inbound queue holds at most. */
    static final int INBOUND_MAX_COMMANDS = 65_536;

    private final InboundQueue inbound;
    private final int batchSize;
    private final StateMachine machine;
    private final FailStop failStop;
    private final Thread thread;
    private final ExecutorService queryThread;
    private volatile boolean running = true;

    /**
     * Builds the engine over an opened message store and state store, applying the state they recovered (the
     * caller has checked that it belongs to this cluster ID). {@code failStop} is tripped by the engine's faults.
     */
    public Engine(ServerConfig config, MessageStore store, StateStore state, Transport transport, Subjects subjects,
                  EngineMetrics metrics, FailStop failStop) {
        this(config, store, state, transport, subjects, metrics, failStop, Clock.SYSTEM);
    }

    Engine(ServerConfig config, MessageStore store, StateStore state, Transport transport, Subjects subjects,
           EngineMetrics metrics, FailStop failStop, Clock clock) {
        this.batchSize = config.ioBatchSize;
        this.inbound = new InboundQueue(INBOUND_MAX_COMMANDS, config.inboundMaxBytes);
        this.failStop = failStop;
        this.queryThread = Executors.newSingleThreadExecutor(failStop.threads("stanchion-query", true));
        this.machine = new StateMachine(config, store, state, transport, subjects, metrics, clock, this::submit);
        this.thread = failStop.thread("stanchion-engine", false, this::run);
    }

    /**
     * Starts the engine thread. Its first act is {@link StateMachine#start()}: the recovered subscriptions'
     * redelivery of everything pending before anything new.
     */
    public void start() {
        submit(new Command.Task(machine::start));
        thread.start();
    }

    public Counters counters() {
        return machine.counters();
    }

    /** The engine's clock (transports stamp arrival times with it). */
    public Clock clock() {
        return machine.clock();
    }

    /** The switch this engine trips on a fault; its {@link FailStop#failure()} is the server's health. */
    public FailStop failStop() {
        return failStop;
    }

    /**
     * Queues a command; from a transport thread it blocks while the queue is full in count or bytes (the
     * backpressure on the transport). From the engine thread itself it never blocks. Returns false when the
     * command was dropped because the engine has stopped (then {@link #stoppedReason()} says why).
     */
    public boolean submit(Command c) {
        if (Thread.currentThread() == thread) {
            inbound.putLocal(c);
            return true;
        }
        try {
            return inbound.put(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Queues a command only if there is room now: never blocks (for threads that must not wait on the engine, e.g.
     * a consensus library's own). False when the queue is full or the engine stopped.
     */
    public boolean offer(Command c) {
        if (Thread.currentThread() == thread) {
            inbound.putLocal(c);
            return true;
        }
        return inbound.offer(c);
    }

    /**
     * Runs {@code query} on the engine thread and returns its result (monitoring snapshots). The future completes
     * on a separate query thread, so what callers chain onto it never runs on (and slows) the engine thread.
     * Never blocks: when the inbound queue is full the future fails at once with a
     * {@link RejectedExecutionException} ("server busy"), after a fail-stop or shutdown with an
     * {@link IllegalStateException}.
     */
    public <T> CompletableFuture<T> call(Function<EngineView, T> query) {
        return call(query, Function.identity());
    }

    /**
     * As {@link #call(Function)}, with {@code render} applied to the query's result on the query thread before
     * the future completes: the rendering never runs on the engine thread nor on the caller's (e.g. the HTTP event
     * loop), even when the caller attaches to an already completed future.
     */
    public <T, R> CompletableFuture<R> call(Function<EngineView, T> query, Function<T, R> render) {
        CompletableFuture<R> result = new CompletableFuture<>();
        Command.Task task = new Command.Task(() -> {
            T value;
            try {
                value = query.apply(machine.view());
            } catch (RuntimeException e) {
                queryThread.execute(() -> result.completeExceptionally(e));
                return;
            }
            queryThread.execute(() -> {
                try {
                    result.complete(render.apply(value));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        });
        if (!running || failStop.tripped()) {
            result.completeExceptionally(new IllegalStateException(stoppedReason()));
        } else if (!inbound.offer(task)) {
            result.completeExceptionally(running && !failStop.tripped()
                    ? new RejectedExecutionException("server busy")
                    : new IllegalStateException(stoppedReason()));
        }
        return result;
    }

    /** Why commands are refused: the failure, or a plain stop. */
    String stoppedReason() {
        String f = failStop.failure();
        return f == null ? "server stopped" : "server failed: " + f;
    }

    private void run() {
        List<Command> batch = new ArrayList<>(batchSize);
        try {
            while (running) {
                try {
                    loopOnce(batch);
                } catch (InterruptedException e) {
                    if (!running) {
                        break;
                    }
                }
            }
            if (failStop.tripped()) {
                fail(null, null); // tripped by another thread: abort the batch
            } else {
                machine.endBatch();
                machine.flushOutput();
            }
        } catch (StoreException e) {
            fail("store failure", e);
        } catch (Error e) {
            fail("fatal error on the engine thread", e);
        } catch (RuntimeException e) {
            fail("unexpected failure on the engine thread", e);
        }
        if (failStop.tripped()) {
            drainAfterFailure();
        }
    }

    private void loopOnce(List<Command> batch) throws InterruptedException {
        Command first = inbound.poll(machine.nanosToNextTimer(MAX_IDLE_NANOS));
        if (first != null) {
            batch.add(first);
            inbound.drainTo(batch, batchSize - 1);
            for (int i = 0; i < batch.size() && running; i++) {
                machine.handle(batch.get(i));
            }
            batch.clear();
            machine.endBatch();
        }
        machine.runTimers();
        machine.flushOutput();
    }

    /**
     * Trips the fail-stop ({@code cause} null: it tripped elsewhere already) and answers every publish of this
     * batch not yet acknowledged with the failure.
     */
    private void fail(String what, Throwable cause) {
        running = false;
        if (cause != null) {
            failStop.trip(what, cause);
        }
        inbound.shutDown();
        try {
            machine.abort(failureText());
        } catch (RuntimeException | Error e) {
            LOG.debug("error PubAcks after the failure not sent", e);
        }
    }

    private String failureText() {
        return failureText(failStop);
    }

    /** The PubAck error of a publish refused because the server failed. */
    public static String failureText(FailStop failStop) {
        String f = failStop.failure();
        return "stan: server failed, message not stored (" + (f == null ? "server stopped" : f) + ")";
    }

    /** After a fail-stop: the publishes still queued get an error PubAck instead of a time-out; nothing is stored. */
    private void drainAfterFailure() {
        try {
            List<Command> rest = new ArrayList<>();
            inbound.drainTo(rest, Integer.MAX_VALUE);
            for (Command c : rest) {
                if (c instanceof Command.Publish p) {
                    machine.refuse(p, failureText());
                }
            }
            machine.flushOutput();
        } catch (RuntimeException | Error e) {
            LOG.debug("error PubAcks after the failure not sent", e);
        }
    }

    /**
     * Stops the engine as {@link #close} does, but without interrupting its thread (an interrupt during a file write
     * or fsync closes the file: a store fault), waking it instead; only when it has not ended within {@code wait}
     * is it interrupted.
     */
    public void stop(java.time.Duration wait) {
        running = false;
        inbound.offer(new Command.Task(() -> { })); // wakes a waiting poll
        inbound.shutDown();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        close();
    }

    /** Stops the engine: what is queued is dropped, what was appended is committed (unless after a failure). */
    @Override
    public void close() {
        running = false;
        inbound.shutDown();
        if (Thread.currentThread() != thread) {
            thread.interrupt();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        queryThread.shutdownNow();
    }
}
