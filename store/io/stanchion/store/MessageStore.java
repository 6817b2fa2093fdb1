package io.stanchion.store;

import java.util.Collection;

/**
 * All channel logs of one server. Opening an implementation recovers every channel found in its storage.
 *
 * <p>Threading: {@link #channel(String)}, {@link #delete(String)} and {@link #close()} are called from the engine
 * thread only; {@link #channels()} may be read from any thread.
 *
 * <p>Failures: {@link #channel(String)} throws {@link StoreFullException} when it refuses to create a channel for
 * lack of disk space (nothing created); any other failure of {@link #channel(String)} or {@link #delete(String)} is a
 * plain {@link StoreException}: store state unknown, the server stops. The logs follow {@link ChannelLog}'s contract.
 */
public interface MessageStore extends AutoCloseable {

    /** {@code MEMORY} or {@code FILE}: the name the monitoring endpoints report. */
    String type();

    /** The log of an existing channel, or a new empty one created (on disk for a persistent store). */
    ChannelLog channel(String name);

    /** The log of an existing channel, or {@code null}. */
    ChannelLog existing(String name);

    /**
     * Deletes a channel: closes its log (which is unusable afterwards) and removes all its storage. Afterwards
     * {@link #existing} returns {@code null} for it and {@link #channel} creates a new empty log whose sequences start
     * at 1 again (as when the original server deletes an inactive channel). For a persistent store the channel does
     * not come back at the next open.
     *
     * @return {@code true} when the channel existed
     */
    boolean delete(String name);

    /** Every channel currently in the store, recovered ones included. */
    Collection<ChannelLog> channels();

    /** Closes every log. */
    @Override
    void close();
}
