package io.stanchion.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The limits in force for one channel, fully resolved (see {@link StoreLimits#forChannel}). For every field
 * 0 means "unlimited".
 *
 * @param maxMsgs       messages kept before the oldest are dropped
 * @param maxBytes      bytes kept before the oldest messages are dropped
 * @param maxAge        age after which a message is removed
 * @param maxSubs       subscriptions the channel may hold
 * @param maxInactivity time without subscription and without new message after which the channel is deleted
 */
public record ChannelLimits(long maxMsgs, long maxBytes, Duration maxAge, int maxSubs, Duration maxInactivity) {

    /**
     * The original server's per-channel defaults, as declared in {@link OptionRegistry}: 1,000,000 msgs,
     * 1,024,000,000 bytes, 1000 subs, no age/inactivity.
     */
    public static final ChannelLimits DEFAULT = new ChannelLimits(OptionRegistry.MAX_MSGS.defaultValue(),
            OptionRegistry.MAX_BYTES.defaultValue(), OptionRegistry.MAX_AGE.defaultValue(),
            OptionRegistry.MAX_SUBS.defaultValue(), OptionRegistry.MAX_INACTIVITY.defaultValue());

    /** No limit at all. */
    public static final ChannelLimits UNLIMITED = new ChannelLimits(0, 0, Duration.ZERO, 0, Duration.ZERO);

    public ChannelLimits {
        Objects.requireNonNull(maxAge, "maxAge");
        Objects.requireNonNull(maxInactivity, "maxInactivity");
        if (maxMsgs < 0 || maxBytes < 0 || maxSubs < 0 || maxAge.isNegative() || maxInactivity.isNegative()) {
            throw new IllegalArgumentException("channel limits can't be negative: " + StoreLimits.render(
                    maxMsgs, maxBytes, maxAge, maxSubs, maxInactivity));
        }
    }

    /** A copy with {@code maxSubs} replaced. */
    public ChannelLimits withMaxSubs(int v) {
        return new ChannelLimits(maxMsgs, maxBytes, maxAge, v, maxInactivity);
    }

    @Override
    public String toString() {
        return StoreLimits.render(maxMsgs, maxBytes, maxAge, maxSubs, maxInactivity);
    }
}
