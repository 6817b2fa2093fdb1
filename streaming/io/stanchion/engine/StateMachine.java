package io.stanchion.engine;

import io.stanchion.codec.Replies;
import io.stanchion.codec.Subjects;

import io.stanchion.config.ServerConfig;
import io.stanchion.store.MessageStore;
import io.stanchion.store.RecoveredState;
import io.stanchion.store.StateStore;
import io.stanchion.store.StoreException;
import io.stanchion.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The STAN semantics as a deterministic state machine: channels, clients, subscriptions, delivery, acks,
 * redelivery and limits, driven only by the commands handed to {@link #handle}, by the time of its {@link Clock}
 * (timers run when {@link #runTimers} is called) and by what the store returns; everything it says goes to its
 * {@link Transport} (replies, deliveries, heartbeat probes) and to the stores. It owns no thread, reads no system
 * clock and waits for nothing: the {@link Engine} runs it on its thread; tests drive it step by step with a fake
 * clock and transport.
 *
 * <p>The driving contract: hand it the commands of a batch in arrival order ({@link #handle}), then
 * {@link #endBatch}; after each batch and whenever time passed, {@link #runTimers}; then {@link #flushOutput}.
 * Work it gives itself (heartbeat outcomes, queued re-checks) comes back through the {@code submit} given at
 * construction, to be handled like any other command.
 *
 * <p>Faults: a {@link StoreException} from the store propagates (the caller fail-stops and calls {@link #abort});
 * any other exception while handling one command is a bug confined to that command: logged, and it goes on.
 *
 * <p>Threading: one thread at a time (the engine's).
 */
final class StateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(StateMachine.class);

    private final Clock clock;
    private final Scheduler scheduler;
    private final Counters counters = new Counters();
    private final Channels channels;
    private final Clients clients;
    private final Subscriptions subscriptions;
    private final Publishes publishes;
    private final Delivery delivery;
    private final StateStore state;
    private final Transport transport;
    private final boolean fsync;
    private final Retention retention;
    private List<Subscription> toRedeliver;

    /**
     * Builds the state over an opened message store and state store, applying the state they recovered (the
     * caller has checked that it belongs to this cluster ID). {@code submit} queues a command for a later
     * {@link #handle} (never synchronously).
     */
    StateMachine(ServerConfig config, MessageStore store, StateStore state, Transport transport, Subjects subjects,
                 EngineMetrics metrics, Clock clock, Consumer<Command> submit) {
        this.clock = clock;
        this.scheduler = new Scheduler(clock);
        this.state = state;
        this.transport = transport;
        this.fsync = config.fileSync;
        Replies replies = new Replies(transport, subjects);
        this.delivery = new Delivery(replies, scheduler, counters, state);
        this.channels = new Channels(store, config.storeLimits, clock);
        Subscriptions[] subs = new Subscriptions[1];
        this.clients = new Clients(config, transport, replies, scheduler, r -> submit.accept(new Command.Task(r)),
                c -> subs[0].clientClosed(c), state, metrics);
        AtomicLong ackIds = new AtomicLong();
        String ackPrefix = subjects.ackPrefix();
        RecoveredState recovered = state.recovered();
        this.subscriptions = new Subscriptions(config, channels, clients, delivery, replies,
                () -> ackPrefix + Nuid.next() + Long.toString(ackIds.incrementAndGet(), 36), state,
                recovered.maxSubscriptionId(), clock);
        subs[0] = subscriptions;
        this.publishes = new Publishes(channels, clients, delivery, replies, counters, config.fileSync, metrics,
                clock);
        this.retention = new Retention(channels, subscriptions, clock);
        publishes.retention(retention);
        retention.applyAll();
        this.toRedeliver = new Recovery(channels, clients, subscriptions, delivery, state, clock).apply(recovered);
    }

    /**
     * The first step after recovery: the recovered subscriptions' redelivery of everything pending (flagged) before
     * anything new, then delivery of whatever they have not been sent yet; the retention tick is armed.
     */
    void start() {
        for (Subscription sub : toRedeliver) {
            delivery.redeliverAllPending(sub);
        }
        toRedeliver = List.of();
        for (Channel ch : channels.all()) {
            delivery.deliverAvailable(ch);
        }
        scheduleRetention();
    }

    private void scheduleRetention() {
        scheduler.after(Retention.TICK_NANOS, () -> {
            retention.tick(clock.nanos());
            scheduleRetention();
        });
    }

    Counters counters() {
        return counters;
    }

    Clock clock() {
        return clock;
    }

    /** A read-only view for queries (monitoring). */
    EngineView view() {
        return new EngineView(channels, clients, subscriptions);
    }

    /**
     * Applies one command. Publishes are appended (their PubAcks wait for the commit) and acks applied at once;
     * any other command first commits what was appended, so it sees every earlier publish.
     */
    void handle(Command c) {
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

    /** Commits the appended publishes (store → flush → deliver → PubAcks) and publishes every delivery made so far. */
    void commit() {
        publishes.commit();
        delivery.flush();
    }

    /** The end of a batch: commit, then the state journal written out (synced with fsync on). */
    void endBatch() {
        commit();
        state.flush(fsync);
    }

    /**
     * Runs the timers due at the clock's time and serves the delivery backlog; deliveries made are published.
     * Store exceptions propagate; any other exception of a timer task is logged.
     */
    void runTimers() {
        boolean ran = scheduler.runDue(clock.nanos(), e -> {
            if (e instanceof StoreException) {
                throw e;
            }
            LOG.error("timer task failed", e);
        });
        if (ran || delivery.hasBacklog()) {
            delivery.continueBacklog();
            delivery.flush();
        }
    }

    /** Nanoseconds until the next timer is due (0 with a delivery backlog or an overdue timer), at most {@code max}. */
    long nanosToNextTimer(long max) {
        return delivery.hasBacklog() ? 0 : scheduler.nanosToNext(clock.nanos(), max);
    }

    /** Writes out what was published since the last call (one socket write on the direct connection). */
    void flushOutput() {
        transport.flush();
    }

    /** After a store failure: every publish appended since the last commit gets {@code error} instead of its PubAck. */
    void abort(String error) {
        publishes.abort(error);
    }

    /** Answers a publish that will not be handled (the engine stopped) with {@code error}. */
    void refuse(Command.Publish p, String error) {
        publishes.refuse(p.reply(), p.guid(), error);
    }
}
