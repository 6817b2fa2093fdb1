package io.stanchion.engine;

import io.stanchion.config.ChannelLimits;
import io.stanchion.store.ChannelLog;
import io.stanchion.store.StoredMessage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A channel: its log plus the subscriptions reading it. Threading: engine thread only. */
final class Channel {
    final String name;
    /** {@link #name} in UTF-8, to recognise it in undecoded acks. */
    private final byte[] nameUtf8;
    final ChannelLog log;
    /** Highest sequence flushed to the log per the durability policy; nothing above it is delivered. */
    long committed;
    /** Timestamp of the newest message; the next one is clamped to be at least this. */
    long lastTimestamp;
    /** Plain and durable (online and offline) subscriptions. */
    final List<Subscription> subscriptions = new ArrayList<>();
    final Map<String, Subscription> durables = new HashMap<>();
    final Map<String, QueueGroup> queueGroups = new HashMap<>();
    /** Appended to in the current batch: flush and deliver before the batch's PubAcks. */
    boolean dirty;
    /**
     * The records appended in the current batch (sequences {@code recentFirst ..}), so that live delivery right
     * after the commit sends them without reading them back from the log. Cleared at the start of each batch.
     */
    final java.util.ArrayList<StoredMessage> recent = new java.util.ArrayList<>();

    /** The message at {@code seq}: from this batch's records when there, else from the log. */
    StoredMessage read(long seq) {
        int n = recent.size();
        if (n > 0) {
            long first = recent.get(0).sequence();
            if (seq >= first && seq < first + n) {
                return recent.get((int) (seq - first));
            }
        }
        return log.read(seq);
    }

    /** Whether {@code utf8[at, at + len)} is this channel's name. */
    boolean isNamed(byte[] utf8, int at, int len) {
        return java.util.Arrays.equals(nameUtf8, 0, nameUtf8.length, utf8, at, at + len);
    }

    /** The limits that apply to this channel (per-channel entries resolved against the global ones). */
    final ChannelLimits limits;
    /** {@link Clock#nanos()} of the last publish or subscription (for max_inactivity). */
    long lastActivity;
    /** The "reached limits" warning was logged for this channel. */
    boolean limitWarned;
    /** Deleted (max_inactivity): its log is closed; whatever still refers to it must leave it alone. */
    boolean deleted;

    Channel(String name, ChannelLog log, ChannelLimits limits, long now) {
        this.name = name;
        this.lastActivity = now;
        this.nameUtf8 = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        this.log = log;
        this.limits = limits;
        this.committed = log.lastSequence();
        if (log.messageCount() > 0) {
            var last = log.read(log.lastSequence());
            this.lastTimestamp = last == null ? 0 : last.timestampNanos();
        }
    }

    /** True when some subscription is online (offline durables and shadows do not count). */
    boolean hasActiveSubscription() {
        for (Subscription s : subscriptions) {
            if (!s.offline) {
                return true;
            }
        }
        for (QueueGroup g : queueGroups.values()) {
            if (!g.members.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** Stored subscriptions counted against max_subs: plain, durable (offline too), queue members and shadows. */
    int subscriptionCount() {
        int n = subscriptions.size();
        for (QueueGroup g : queueGroups.values()) {
            n += g.members.size() + (g.shadow != null ? 1 : 0);
        }
        return n;
    }
}
