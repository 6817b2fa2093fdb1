package io.stanchion.engine;

import io.stanchion.config.ChannelLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Enforces the channel limits, as the original: past max_msgs or max_bytes the oldest messages are dropped (the
 * newest is always kept) right after each batch is stored; messages older than max_age are dropped by a background
 * tick; a channel with no active subscription and no publish or subscription for max_inactivity is deleted with all
 * its state, offline durables included. Subscribers skip what was removed; pending ones are acked implicitly at
 * their next redelivery. Threading: engine thread only.
 */
final class Retention {
    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
    /** How often max_age and max_inactivity are checked. */
    static final long TICK_NANOS = 1_000_000_000L;

    private final Channels channels;
    private final Subscriptions subscriptions;

    private final Clock clock;

    Retention(Channels channels, Subscriptions subscriptions, Clock clock) {
        this.clock = clock;
        this.channels = channels;
        this.subscriptions = subscriptions;
    }

    /** Applies max_msgs and max_bytes to a channel that was just appended to (or recovered). */
    void trim(Channel ch) {
        ChannelLimits l = ch.limits;
        long before = ch.log.firstSequence();
        if (l.maxMsgs() > 0 && ch.log.messageCount() > l.maxMsgs()) {
            ch.log.removeBefore(ch.log.lastSequence() - l.maxMsgs() + 1);
        }
        if (l.maxBytes() > 0 && ch.log.byteCount() > l.maxBytes()) {
            ch.log.removeBefore(ch.log.firstSequenceWithinBytes(l.maxBytes()));
        }
        if (ch.log.firstSequence() != before && !ch.limitWarned) {
            ch.limitWarned = true;
            LOG.warn("Reached limits for store \"{}\" (msgs={} bytes={}), dropping old messages", ch.name,
                    l.maxMsgs(), l.maxBytes());
        }
    }

    /** The periodic pass: age expiry on every channel, then deletion of inactive channels. */
    void tick(long nowNanos) {
        long nowWall = clock.wallNanos();
        List<Channel> inactive = new ArrayList<>();
        for (Channel ch : channels.all()) {
            expire(ch, nowWall);
            long maxInactivity = ch.limits.maxInactivity().toNanos();
            if (maxInactivity > 0 && nowNanos - ch.lastActivity >= maxInactivity && !ch.hasActiveSubscription()) {
                inactive.add(ch);
            }
        }
        for (Channel ch : inactive) {
            LOG.info("Channel \"{}\" has been inactive for {}, deleting it", ch.name, ch.limits.maxInactivity());
            subscriptions.deleteAll(ch);
            channels.delete(ch);
        }
    }

    /** Drops the messages older than the channel's max_age. */
    void expire(Channel ch, long nowWall) {
        long maxAge = ch.limits.maxAge().toNanos();
        if (maxAge <= 0 || ch.log.messageCount() == 0) {
            return;
        }
        long keepFrom = ch.log.sequenceAtOrAfter(nowWall - maxAge);
        if (keepFrom > ch.log.firstSequence()) {
            ch.log.removeBefore(keepFrom);
        }
    }

    /** Applies every limit to every channel (after recovery: limits always come from the current config). */
    void applyAll() {
        long nowWall = clock.wallNanos();
        for (Channel ch : channels.all()) {
            trim(ch);
            expire(ch, nowWall);
        }
    }
}
