package io.stanchion;

import io.stanchion.config.ServerConfig;
import io.stanchion.store.MessageStore;
import io.stanchion.store.StateStore;
import io.stanchion.store.StoreException;
import io.stanchion.store.chronicle.ChronicleMessageStore;
import io.stanchion.store.chronicle.ChronicleStateStore;
import io.stanchion.store.memory.MemoryMessageStore;
import io.stanchion.store.memory.NoStateStore;

/**
 * The message store and the state store a configuration asks for, opened (and so recovered) together. The FILE
 * store keeps the state journal in {@code <dir>/_state}, beside the channel directories.
 */
final class Stores implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("io.stanchion.STREAM");
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
            MessageStore messages = new ChronicleMessageStore(config.dir,
                    ChronicleMessageStore.Options.defaults().withRollCycle(config.fileRollCycle));
            try {
                ChronicleStateStore state = new ChronicleStateStore(config.dir.resolve(ChronicleStateStore.DIRECTORY),
                        config.fileTruncateBadEof);
                state.recoveryWarnings().forEach(w -> LOG.warn("{}", w));
                return new Stores(messages, state);
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
