package io.stanchion.engine;

import io.stanchion.config.ServerConfig;
import io.stanchion.store.MessageStore;
import io.stanchion.store.RecoveredState;
import io.stanchion.store.StateStore;
import io.stanchion.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * <p>Threading: {@link #submit} and {@link #call} from any thread; everything else runs on the engine thread.
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    private static final long MAX_IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final BlockingQueue<Command> inbound = new ArrayBlockingQueue<>(65_536);
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
    private List<Subscription> toRedeliver;
    private final Retention retention;
    private final Thread thread;
    private final ExecutorService queryThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "stanchion-query");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean running = true;

    /**
     * Builds the engine over an opened message store and state store, applying the state they recovered (the
     * caller has checked that it belongs to this cluster ID).
     */
    public Engine(ServerConfig config, MessageStore store, StateStore state, Transport transport, Subjects subjects,
                  EngineMetrics metrics) {
        this.batchSize = config.ioBatchSize;
        this.state = state;
        this.transport = transport;
        this.fsync = config.fileSync;
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
        this.thread = new Thread(this::run, "stanchion-engine");
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

    private void scheduleRetention() {
        scheduler.after(Retention.TICK_NANOS, () -> {
            retention.tick(System.nanoTime());
            scheduleRetention();
        });
    }

    /** Queues a command; blocks while the queue is full (the backpressure on the transport). */
    void submit(Command c) {
        try {
            inbound.put(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs {@code query} on the engine thread and returns its result (monitoring snapshots). The future completes
     * on a separate query thread, so what callers chain onto it never runs on (and slows) the engine thread.
     */
    public <T> CompletableFuture<T> call(Function<EngineView, T> query) {
        CompletableFuture<T> result = new CompletableFuture<>();
        submit(new Command.Task(() -> {
            try {
                T value = query.apply(new EngineView(channels, clients, subscriptions));
                queryThread.execute(() -> result.complete(value));
            } catch (RuntimeException e) {
                queryThread.execute(() -> result.completeExceptionally(e));
            }
        }));
        return result;
    }

    private void run() {
        List<Command> batch = new ArrayList<>(batchSize);
        while (running) {
            try {
                long wait = scheduler.nanosToNext(System.nanoTime(), MAX_IDLE_NANOS);
                Command first = wait == 0 ? inbound.poll() : inbound.poll(wait, TimeUnit.NANOSECONDS);
                if (first != null) {
                    batch.add(first);
                    inbound.drainTo(batch, batchSize - 1);
                    for (int i = 0; i < batch.size(); i++) {
                        handle(batch.get(i));
                    }
                    batch.clear();
                    commit();
                    state.flush(fsync);
                }
                if (scheduler.runDue(System.nanoTime(), e -> LOG.error("timer task failed", e))) {
                    delivery.flush();
                }
                transport.flush();
            } catch (InterruptedException e) {
                if (!running) {
                    break;
                }
            } catch (RuntimeException e) {
                LOG.error("engine error (batch dropped, server continues)", e);
                batch.clear();
            }
        }
        commit();
        state.flush(fsync);
        transport.flush();
    }

    /** Commits the batch's publishes (PubAcks included) and publishes every delivery made so far. */
    private void commit() {
        publishes.commit();
        delivery.flush();
    }

    private void handle(Command c) {
        try {
            if (c instanceof Command.Publish p) {
                publishes.append(p.msg(), p.reply(), p.size(), p.receivedNanos());
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

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queryThread.shutdownNow();
    }
}
