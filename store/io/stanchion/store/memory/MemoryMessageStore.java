package io.stanchion.store.memory;

import io.stanchion.store.ChannelLog;
import io.stanchion.store.MessageStore;
import io.stanchion.store.StoreException;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link MessageStore} that keeps every channel in memory: nothing survives the process. Type {@code MEMORY}.
 *
 * <p>Each channel is a set of growable arrays (timestamps, records, cumulative sizes) indexed by
 * {@code sequence - first}: append is amortised O(1), read O(1) (plus a copy of the record),
 * {@code sequenceAtOrAfter} and {@code firstSequenceWithinBytes} binary searches, {@code removeBefore} O(removed).
 * {@link ChannelLog#flush(boolean)} is a no-op at every level. {@link #delete} drops the channel's log.
 */
public final class MemoryMessageStore implements MessageStore {

    public static final String TYPE = "MEMORY";

    private final ConcurrentHashMap<String, MemoryChannelLog> channels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public ChannelLog channel(String name) {
        Objects.requireNonNull(name, "name");
        ensureOpen();
        return channels.computeIfAbsent(name, MemoryChannelLog::new);
    }

    @Override
    public ChannelLog existing(String name) {
        Objects.requireNonNull(name, "name");
        return channels.get(name);
    }

    @Override
    public boolean delete(String name) {
        Objects.requireNonNull(name, "name");
        ensureOpen();
        MemoryChannelLog log = channels.remove(name);
        if (log == null) {
            return false;
        }
        log.close();
        return true;
    }

    @Override
    public Collection<ChannelLog> channels() {
        return List.copyOf(channels.values());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        channels.values().forEach(MemoryChannelLog::close);
        channels.clear();
    }

    private void ensureOpen() {
        if (closed) {
            throw new StoreException("memory store is closed");
        }
    }
}
