package io.stanchion.engine;

import io.stanchion.codec.Errors;

import io.stanchion.config.StoreLimits;
import io.stanchion.store.ChannelLog;
import io.stanchion.store.MessageStore;
import io.stanchion.store.StoreException;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The channels of the server, created on first publish or subscription. Threading: engine thread only, except
 * {@link #all()} which returns an unmodifiable view that other threads may only read through the logs' counters.
 */
final class Channels {
    private final MessageStore store;
    private final int maxChannels;
    private final StoreLimits limits;
    private final Map<String, Channel> byName = new HashMap<>();
    /** Lower-cased name → actual name: two channels differing only by case are refused, as in the original. */
    private final Map<String, String> byFoldedName = new HashMap<>();

    private final Clock clock;

    Channels(MessageStore store, StoreLimits limits, Clock clock) {
        this.store = store;
        this.clock = clock;
        this.limits = limits;
        this.maxChannels = limits.maxChannels();
        for (ChannelLog log : store.channels()) {
            add(new Channel(log.name(), log, limits.forChannel(log.name()), clock.nanos()));
        }
    }

    Channel get(String name) {
        return byName.get(name);
    }

    /**
     * The channel, created if needed; refused past max_channels, when its name clashes by case, or when the store
     * cannot create it (e.g. a name too long for a FILE store directory): the client gets the store's reason.
     */
    Channel getOrCreate(String name) throws Refusal {
        Channel ch = byName.get(name);
        if (ch != null) {
            return ch;
        }
        String existing = byFoldedName.get(name.toLowerCase(Locale.ROOT));
        if (existing != null) {
            throw new Refusal(Errors.caseClash(name, existing));
        }
        if (maxChannels > 0 && byName.size() >= maxChannels) {
            throw new Refusal(Errors.TOO_MANY_CHANNELS);
        }
        ChannelLog log;
        try {
            log = store.channel(name);
        } catch (StoreException e) {
            throw new Refusal(e.getMessage());
        }
        ch = new Channel(name, log, limits.forChannel(name), clock.nanos());
        add(ch);
        return ch;
    }

    /** Deletes a channel and its log (files included); its subscriptions must already be gone. */
    void delete(Channel ch) {
        byName.remove(ch.name);
        byFoldedName.remove(ch.name.toLowerCase(Locale.ROOT));
        ch.deleted = true;
        store.delete(ch.name);
    }

    Collection<Channel> all() {
        return Collections.unmodifiableCollection(byName.values());
    }

    private void add(Channel ch) {
        byName.put(ch.name, ch);
        byFoldedName.put(ch.name.toLowerCase(Locale.ROOT), ch.name);
    }
}
