package io.stanchion.monitor;

import io.stanchion.config.ChannelLimits;
import io.stanchion.config.ServerConfig;
import io.stanchion.config.StoreLimits;

import java.time.Duration;
import java.util.Map;

/** The {@code limits} object of /streaming/storez: the original's field names, durations as integer ns. */
final class LimitsJson {
    private LimitsJson() {
    }

    static void write(Json j, ServerConfig config) {
        StoreLimits limits = config.storeLimits;
        ChannelLimits d = limits.defaults();
        j.object("limits").field("max_channels", limits.maxChannels());
        fields(j, d.maxMsgs(), d.maxBytes(), d.maxAge(), d.maxSubs(), d.maxInactivity());
        Map<String, StoreLimits.Overrides> per = limits.perChannel();
        if (!per.isEmpty()) {
            j.object("channels");
            per.forEach((name, o) -> {
                j.object(name);
                ChannelLimits c = limits.forChannel(name);
                fields(j, c.maxMsgs(), c.maxBytes(), c.maxAge(), c.maxSubs(), c.maxInactivity());
                j.end();
            });
            j.end();
        }
        j.end();
    }

    private static void fields(Json j, long msgs, long bytes, Duration age, int subs, Duration inactivity) {
        j.field("max_msgs", msgs)
                .field("max_bytes", bytes)
                .field("max_age", age.toNanos())
                .field("max_subscriptions", subs)
                .field("max_inactivity", inactivity.toNanos());
    }
}
