package io.stanchion.engine;

import io.stanchion.config.ServerConfig;
import io.stanchion.store.MessageStore;
import io.stanchion.store.RecoveredState;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The single-writer engine: one thread owns every channel, log appender, subscription and client. Transport
 * threads only {@link #submit} decoded commands; the engine drains them in batches of up to io_batch_size:
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
    private final Scheduler scheduler = new Scheduler();
    private final Counters counters = new Counters();
    private final Channels channels;
    private final Clients clients;
    private final Subscriptions subscriptions;
    private final Publishes publishes;
    private final Delivery delivery;
    private final StateStore state;
    private final Transport transport;
    private final boolean fsync;
    private final FailStop failStop;
    private List<Subscription> toRedeliver;
    private final Retention retention;
    private final Thread thread;
    private final ExecutorService queryThread;
    private volatile boolean running = true;

    /**
     * Builds the engine over an opened message store and state store, applying the state they recovered (the
     * caller has checked that it belongs to this cluster ID). {@code failStop} is tripped by the engine's faults.
     */
    public Engine(ServerConfig config, MessageStore store, StateStore state, Transport transport, Subjects subjects,
                  EngineMetrics metrics, FailStop failStop) {
        this.batchSize = config.ioBatchSize;
        this.inbound = new InboundQueue(INBOUND_MAX_COMMANDS, config.inboundMaxBytes);
        this.state = state;
        this.transport = transport;
        this.fsync = config.fileSync;
        this.failStop = failStop;
        this.queryThread = Executors.newSingleThreadExecutor(failStop.threads("stanchion-query", true));
        Replies replies = new Replies(transport, subjects);
        this.delivery = new Delivery(replies, scheduler, counters, state);
        this.channels = new Channels(store, config.storeLimits);
        Subscriptions[] subs = new Subscriptions[1];
        this.clients = new Clients(config, transport, replies, scheduler, r -> submit(new Command.Task(r)),
                c -> subs[0].clientClosed(c), state, metrics);
        AtomicLong ackIds = new AtomicLong();
        String ackPrefix = subjects.ackPrefix();
        RecoveredState recovered = state.recovered();
        this.subscriptions = new Subscriptions(config, channels, clients, delivery, replies,
                () -> ackPrefix + Nuid.next() + Long.toString(ackIds.incrementAndGet(), 36), state,
                recovered.maxSubscriptionId());
        subs[0] = subscriptions;
        this.publishes = new Publishes(channels, clients, delivery, replies, counters, config.fileSync, metrics);
        this.retention = new Retention(channels, subscriptions);
        publishes.retention(retention);
        retention.applyAll();
        this.toRedeliver = new Recovery(channels, clients, subscriptions, delivery, state).apply(recovered);
        this.thread = failStop.thread("stanchion-engine", false, this::run);
    }

    /**
     * Starts the engine thread. Its first act is the recovered subscriptions' redelivery of everything pending
     * (flagged) before anything new, then delivery of whatever they have not been sent yet.
     */
    public void start() {
        submit(new Command.Task(() -> {
            for (Subscription sub : toRedeliver) {
                delivery.redeliverAllPending(sub);
            }
            toRedeliver = List.of();
            for (Channel ch : channels.all()) {
                delivery.deliverAvailable(ch);
            }
            scheduleRetention();
        }));
        thread.start();
    }

    public Counters counters() {
        return counters;
    }

    /** The switch this engine trips on a fault; its {@link FailStop#failure()} is the server's health. */
    public FailStop failStop() {
        return failStop;
    }

    private void scheduleRetention() {
        scheduler.after(Retention.TICK_NANOS, () -> {
            retention.tick(System.nanoTime());
            scheduleRetention();
        });
    }

    /**
     * Queues a command; from a transport thread it blocks while the queue is full in count or bytes (the
     * backpressure on the transport). From the engine thread itself it never blocks. Returns false when the
     * command was dropped because the engine has stopped (then {@link #stoppedReason()} says why).
     */
    boolean submit(Command c) {
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
                value = query.apply(new EngineView(channels, clients, subscriptions));
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
                commit();
                state.flush(fsync);
                transport.flush();
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
        long wait = delivery.hasBacklog() ? 0 : scheduler.nanosToNext(System.nanoTime(), MAX_IDLE_NANOS);
        Command first = inbound.poll(wait);
        if (first != null) {
            batch.add(first);
            inbound.drainTo(batch, batchSize - 1);
            for (int i = 0; i < batch.size() && running; i++) {
                handle(batch.get(i));
            }
            batch.clear();
            commit();
            state.flush(fsync);
        }
        boolean ran = scheduler.runDue(System.nanoTime(), e -> {
            if (e instanceof StoreException) {
                throw e;
            }
            LOG.error("timer task failed", e);
        });
        if (ran || delivery.hasBacklog()) {
            delivery.continueBacklog();
            delivery.flush();
        }
        transport.flush();
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
            publishes.abort(failureText());
        } catch (RuntimeException | Error e) {
            LOG.debug("error PubAcks after the failure not sent", e);
        }
    }

    private String failureText() {
        return failureText(failStop);
    }

    /** The PubAck error of a publish refused because the server failed. */
    static String failureText(FailStop failStop) {
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
                    refuseAfterStop(p);
                }
            }
            transport.flush();
        } catch (RuntimeException | Error e) {
            LOG.debug("error PubAcks after the failure not sent", e);
        }
    }

    private void refuseAfterStop(Command.Publish p) {
        publishes.refuse(p.reply(), p.guid(), failureText());
    }

    /** Commits the batch's publishes (PubAcks included) and publishes every delivery made so far. */
    private void commit() {
        publishes.commit();
        delivery.flush();
    }

    private void handle(Command c) {
        try {
            if (c instanceof Command.Publish p) {
                publishes.append(p);
                return;
            }
            if (c instanceof Command.AckMsg a) {
                handleAck(a);
                return;
            }
            commit();
            if (c instanceof Command.Connect r) {
                clients.connect(r.request(), r.reply());
            } else if (c instanceof Command.Subscribe r) {
                subscriptions.subscribe(r.request(), r.reply());
            } else if (c instanceof Command.Unsubscribe r) {
                subscriptions.unsubscribe(r.request(), r.reply(), r.close());
            } else if (c instanceof Command.Close r) {
                clients.closeRequest(r.request(), r.reply());
            } else if (c instanceof Command.PingMsg r) {
                clients.ping(r.ping(), r.reply());
            } else if (c instanceof Command.Task t) {
                t.work().run();
            }
        } catch (StoreException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.error("failed to handle {}", c.getClass().getSimpleName(), e);
        }
    }

    private void handleAck(Command.AckMsg a) {
        Subscription sub = subscriptions.byAckInbox(a.ackInbox());
        if (sub == null || !sub.channel.isNamed(a.data(), a.subjectAt(), a.subjectLen())) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("ack on {} for channel {} ignored", a.ackInbox(), a.subject());
            }
            return;
        }
        delivery.ack(sub, a.sequence());
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
