package io.stanchion.partition;

import io.stanchion.config.ServerConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The channels a partitioned server serves: the names and wildcard patterns of {@code store_limits.channels}
 * (original §6.3). It receives publishes on one subject per entry ({@code _STAN.pub.<cid>.<entry>}, all in one
 * queue group of its own, so a channel that two of its entries match is received once) and ignores the
 * subscription and unsubscribe requests of channels no entry matches.
 */
public final class Partition {
    private final List<String> channels;
    private final String queue = "stanchion-part-" + UUID.randomUUID().toString().replace("-", "");

    public Partition(List<String> channels) {
        if (channels.isEmpty()) {
            throw new IllegalArgumentException("stan: no configured channel");
        }
        this.channels = List.copyOf(channels);
    }

    /** The partition of a server whose configuration turns partitioning on; null otherwise (it serves every channel). */
    public static Partition of(ServerConfig config) {
        return config.partitioning ? new Partition(new ArrayList<>(config.storeLimits.perChannel().keySet())) : null;
    }

    /** The configured entries (literal names and wildcard patterns). */
    public List<String> channels() {
        return channels;
    }

    /** Whether this server serves {@code channel} (a literal channel name). */
    public boolean owns(String channel) {
        for (String c : channels) {
            if (ChannelPatterns.matches(c, channel)) {
                return true;
            }
        }
        return false;
    }

    /** The publish subjects to subscribe: {@code <prefix>.<entry>} for each entry. */
    public List<String> publishSubjects(String publishPrefix) {
        List<String> subjects = new ArrayList<>(channels.size());
        for (String c : channels) {
            subjects.add(publishPrefix + "." + c);
        }
        return subjects;
    }

    /** The queue group of the publish subscriptions (unique to this server). */
    public String queue() {
        return queue;
    }
}
