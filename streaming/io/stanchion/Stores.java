package io.stanchion;

import io.stanchion.config.ServerConfig;
import io.stanchion.store.MessageStore;
import io.stanchion.store.StateStore;
import io.stanchion.store.StoreException;
import io.stanchion.store.chronicle.ChronicleMessageStore;
import io.stanchion.store.memory.MemoryMessageStore;
import io.stanchion.store.memory.NoStateStore;

/**
 * The message store and the state store a configuration asks for, opened (and so recovered) together. The FILE
 * store keeps the state journal in {@code <dir>/_state}, beside the channel directories.
 */
final class Stores implements AutoCloseable {
    final MessageStore messages;
    final StateStore state;

    private Stores(MessageStore messages, StateStore state) {
        this.messages = messages;
        this.state = state;
    }

    static Stores open(ServerConfig config) throws StanchionServer.StartupException {
        try {
            if (config.storeType == ServerConfig.StoreType.MEMORY) {
                return new Stores(new MemoryMessageStore(), new NoStateStore());
            }
            MessageStore messages = new ChronicleMessageStore(config.dir);
            try {
                return new Stores(messages, new NoStateStore()); // TEMP until ChronicleStateStore lands
            } catch (StoreException e) {
                messages.close();
                throw e;
            }
        } catch (StoreException e) {
            throw new StanchionServer.StartupException(e.getMessage());
        }
    }

    @Override
    public void close() {
        state.close();
        messages.close();
    }
}
