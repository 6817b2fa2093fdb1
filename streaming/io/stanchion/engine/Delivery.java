package io.stanchion.engine;

import io.stanchion.codec.Replies;

import io.stanchion.store.StateStore;
import io.stanchion.store.StoredMessage;

import java.util.ArrayList;
import java.util.List;

/**
 * Sends messages to subscriptions, tracks what is pending, applies acks and redelivers on AckWait expiry.
 * Never sends above a channel's committed sequence.
 *
 * <p>Deliveries are not published one by one: they collect in an outbox that {@link #flush()} publishes after
 * writing the state journal's buffered sent events (so a message never leaves before it is recorded as sent; a
 * crash can only cause a redelivery). Acks do not send at once either: the subscriptions they made room for are
 * served by {@link #flush()}, so a batch of acks becomes one delivery pass (and one journal record) per
 * subscription. The engine flushes before PubAcks, before any command other than publishes and acks, at the end of
 * every batch and after timers.
 *
 * <p>Bounded work: one pass sends at most {@link #SLICE_MESSAGES} messages to a subscription (or queue group) and
 * stops filling the outbox at {@link #OUTBOX_MAX_BYTES}; a channel whose subscriptions still have messages to
 * receive goes on the backlog, served by {@link #continueBacklog()} on the next loop iteration, so a huge
 * MaxInFlight never pulls a whole backlog onto the heap at once and publishes keep being handled meanwhile.
 * Redelivery passes are sliced the same way.
 *
 * <p>Threading: engine thread only.
 */
final class Delivery {
    /** Deadlines this close to now are redelivered in the same pass, as in the original. */
    private static final long DEADLINE_SLACK_NANOS = 15_000_000L;
    /** Pending messages handed over from a leaving queue member are redelivered after this delay. */
    static final long HANDOVER_DELAY_NANOS = 100_000_000L;
    /** Messages one delivery or redelivery pass sends to one subscription at most. */
    static final int SLICE_MESSAGES = 1024;
    /** Bytes the outbox holds at most before a flush; passes stop there and resume on the next iteration. */
    static final long OUTBOX_MAX_BYTES = 8L << 20;

    private final Replies replies;
    private final Scheduler scheduler;
    private final Counters counters;
    private final StateStore state;
    /** Subscriptions (or queue members) that acks made room for, served at the next flush. */
    private final List<Subscription> wanting = new ArrayList<>();
    private String[] outInbox = new String[1024];
    private byte[][] outData = new byte[1024][];
    private int outCount;
    private long outBytes;
    /** Channels whose subscriptions were cut short by a bound, in the order they were cut. */
    private final java.util.LinkedHashSet<Channel> backlog = new java.util.LinkedHashSet<>();

    Delivery(Replies replies, Scheduler scheduler, Counters counters, StateStore state) {
        this.replies = replies;
        this.scheduler = scheduler;
        this.counters = counters;
        this.state = state;
    }

    /** Delivers whatever each subscription of {@code channel} may now receive. */
    void deliverAvailable(Channel channel) {
        List<Subscription> subs = channel.subscriptions;
        for (int i = 0; i < subs.size(); i++) {
            Subscription s = subs.get(i);
            if (!s.offline) {
                sendAvailable(s);
            }
        }
        if (!channel.queueGroups.isEmpty()) {
            for (QueueGroup g : channel.queueGroups.values()) {
                sendAvailable(channel, g);
            }
        }
    }

    /** Sends to a plain or durable subscription while it has room under MaxInFlight, one slice at most. */
    void sendAvailable(Subscription sub) {
        if (sub.group != null) {
            sendAvailable(sub.channel, sub.group);
            return;
        }
        Channel ch = sub.channel;
        int slice = SLICE_MESSAGES;
        while (!sub.offline && sub.lastSent < ch.committed && !sub.isStalled()) {
            if (slice-- == 0 || outBytes >= OUTBOX_MAX_BYTES) {
                backlog.add(ch);
                return;
            }
            long seq = Math.max(sub.lastSent + 1, ch.log.firstSequence());
            if (seq > ch.committed) {
                break;
            }
            StoredMessage m = ch.read(seq);
            sub.lastSent = seq;
            if (m != null) {
                send(sub, m);
            }
        }
    }

    void sendAvailable(Channel ch, QueueGroup g) {
        int slice = SLICE_MESSAGES;
        while (g.lastSent < ch.committed && !g.members.isEmpty()) {
            Subscription member = g.pickForDelivery();
            if (member == null) {
                return;
            }
            if (slice-- == 0 || outBytes >= OUTBOX_MAX_BYTES) {
                backlog.add(ch);
                return;
            }
            long seq = Math.max(g.lastSent + 1, ch.log.firstSequence());
            if (seq > ch.committed) {
                return;
            }
            StoredMessage m = ch.read(seq);
            g.lastSent = seq;
            if (m != null) {
                send(member, m);
            }
        }
    }

    /** True when some pass was cut short and waits for {@link #continueBacklog()}. */
    boolean hasBacklog() {
        return !backlog.isEmpty();
    }

    /** Resumes the passes cut short by a bound (each goes back on the backlog if cut again). */
    void continueBacklog() {
        if (backlog.isEmpty()) {
            return;
        }
        List<Channel> channels = new ArrayList<>(backlog);
        backlog.clear();
        for (Channel ch : channels) {
            if (!ch.deleted) {
                deliverAvailable(ch);
            }
        }
    }

    private void send(Subscription sub, StoredMessage m) {
        long deadline = scheduler.now() + sub.ackWaitNanos;
        sub.pending.put(m.sequence(), deadline);
        state.sent(sub.id, m.sequence()); // journaled (at the flush) before it leaves
        queue(sub.inbox, m.record());
        counters.delivered(m.record().length);
        if (sub.ackTimer == null) {
            armAckTimer(sub, deadline);
        }
    }

    /** Applies an ack; for a queue member, an ack of a sequence pending on another member applies there. */
    void ack(Subscription sub, long sequence) {
        Subscription owner = null;
        if (sub.pending.delete(sequence)) {
            owner = sub;
        } else if (sub.group != null) {
            for (Subscription m : sub.group.members) {
                if (m != sub && m.pending.delete(sequence)) {
                    owner = m;
                    break;
                }
            }
        }
        if (owner == null) {
            return; // never delivered, or already acked: nothing changes
        }
        state.acked(owner.id, sequence);
        if (owner.pending.isEmpty()) {
            cancelTimer(owner);
        }
        if (!owner.wantsDelivery && !owner.isStalled()) {
            owner.wantsDelivery = true;
            wanting.add(owner);
        }
    }

    /**
     * Serves the subscriptions acks made room for, then writes the journal's buffered events and publishes the
     * outbox, in the order the deliveries were made.
     */
    void flush() {
        for (int i = 0; i < wanting.size(); i++) {
            Subscription s = wanting.get(i);
            s.wantsDelivery = false;
            sendAvailable(s); // never removed meanwhile: removals run after a flush
        }
        wanting.clear();
        if (outCount == 0) {
            return;
        }
        state.flush(false);
        for (int i = 0; i < outCount; i++) {
            replies.deliver(outInbox[i], outData[i]);
            outInbox[i] = null;
            outData[i] = null;
        }
        outCount = 0;
        outBytes = 0;
    }

    private void queue(String inbox, byte[] payload) {
        if (outCount == outInbox.length) {
            outInbox = java.util.Arrays.copyOf(outInbox, outCount * 2);
            outData = java.util.Arrays.copyOf(outData, outCount * 2);
        }
        outInbox[outCount] = inbox;
        outData[outCount] = payload;
        outCount++;
        outBytes += payload.length;
    }

    /** Redelivers every pending message of a resumed subscription now, flagged, before anything new. */
    void redeliverAllPending(Subscription sub) {
        long now = scheduler.now();
        PendingMap pending = sub.pending;
        for (int s = pending.first(); s >= 0; s = pending.after(s)) {
            pending.setDeadline(s, now);
        }
        redeliverExpired(sub, true);
    }

    private void armAckTimer(Subscription sub, long deadline) {
        if (sub.ackTimer != null) {
            sub.ackTimer.cancel();
        }
        sub.ackTimer = scheduler.at(deadline, () -> {
            sub.ackTimer = null;
            redeliverExpired(sub, false);
        });
    }

    /** Re-arms {@code sub}'s timer for its earliest pending deadline (or the given delay when sooner). */
    void rearm(Subscription sub, long delayNanos) {
        armAckTimer(sub, scheduler.now() + delayNanos);
    }

    /**
     * Redelivers, in deadline order, the pending messages of {@code sub} whose AckWait ran out. Forced: ignores
     * MaxInFlight. A plain or durable subscription whose client misses heartbeats is skipped (deadline moved on);
     * a queue member's message goes to the group's best member at this time.
     */
    private void redeliverExpired(Subscription sub, boolean force) {
        if (sub.offline) {
            return;
        }
        long now = scheduler.now();
        Channel ch = sub.channel;
        PendingMap pending = sub.pending;
        int due = 0;
        boolean cut = false;
        for (int s = pending.first(); s >= 0; s = pending.after(s)) {
            if (!force && pending.deadline(s) > now + DEADLINE_SLACK_NANOS) {
                break;
            }
            if (due == SLICE_MESSAGES || outBytes >= OUTBOX_MAX_BYTES) {
                cut = true; // the rest stays due at the head: the timer re-armed below takes the next slice
                break;
            }
            due++;
        }
        long first = ch.log.firstSequence();
        // The due entries are the first `due`: each is taken from the head, and whatever goes back goes to the tail.
        for (; due > 0; due--) {
            int head = pending.first();
            long seq = pending.sequence(head);
            int redeliveries = pending.redeliveries(head);
            pending.delete(seq);
            StoredMessage m = seq < first ? null : ch.read(seq);
            if (m == null) {
                state.acked(sub.id, seq); // removed by limits: acknowledged implicitly
                continue;
            }
            Subscription target = sub;
            if (sub.group != null) {
                target = sub.group.pickForRedelivery(sub);
            } else if (sub.clientUnresponsive() && !force) {
                pending.put(seq, now + sub.ackWaitNanos, redeliveries);
                continue;
            }
            redeliveries++;
            long deadline = now + target.ackWaitNanos;
            target.pending.put(seq, deadline, redeliveries);
            if (target != sub) {
                state.sent(target.id, seq);
                state.acked(sub.id, seq);
            }
            queue(target.inbox, Replies.redelivered(m.record(), redeliveries));
            target.redeliveredTotal++;
            counters.redelivered(m.record().length);
            if (target != sub && target.ackTimer == null) {
                armAckTimer(target, deadline);
            }
        }
        if (cut && !pending.isEmpty()) {
            armAckTimer(sub, now + 1); // next loop iteration, not within this timer pass
            return;
        }
        rearmForHead(sub);
    }

    private void rearmForHead(Subscription sub) {
        int head = sub.pending.first();
        if (head >= 0) {
            armAckTimer(sub, sub.pending.deadline(head));
        } else if (sub.ackTimer != null) {
            sub.ackTimer.cancel();
            sub.ackTimer = null;
        }
    }

    /**
     * Hands the pending messages of a leaving queue member to the remaining members, round robin, due at once:
     * they are redelivered (flagged) shortly after.
     */
    void handOver(Subscription leaving, List<Subscription> remaining) {
        PendingMap from = leaving.pending;
        if (from.isEmpty() || remaining.isEmpty()) {
            return;
        }
        long due = scheduler.now() - 1;
        int members = remaining.size();
        int i = 0;
        for (int s = from.first(); s >= 0; s = from.after(s)) {
            Subscription target = remaining.get(i++ % members);
            state.sent(target.id, from.sequence(s));
            state.acked(leaving.id, from.sequence(s));
        }
        // The handed-over entries are due first: they go to the head of each target's deadline order, in the order
        // they had (put first from the last one back), ahead of the target's own entries.
        for (int s = from.last(); s >= 0; s = from.before(s)) {
            remaining.get(--i % members).pending.putFirst(from.sequence(s), due, from.redeliveries(s));
        }
        int targets = Math.min(members, from.size());
        from.clear();
        for (int t = 0; t < targets; t++) {
            rearm(remaining.get(t), HANDOVER_DELAY_NANOS);
        }
    }

    /** Moves all pending state of {@code from} into {@code to} (a durable queue shadow to its new member). */
    void adopt(Subscription from, Subscription to) {
        PendingMap pending = from.pending;
        for (int s = pending.first(); s >= 0; s = pending.after(s)) {
            state.sent(to.id, pending.sequence(s));
            to.pending.put(pending.sequence(s), pending.deadline(s), pending.redeliveries(s));
        }
        pending.clear();
        cancelTimer(from);
    }

    void cancelTimer(Subscription sub) {
        if (sub.ackTimer != null) {
            sub.ackTimer.cancel();
            sub.ackTimer = null;
        }
    }
}
