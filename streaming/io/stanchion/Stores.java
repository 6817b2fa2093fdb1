package io.stanchion;

import io.stanchion.config.ServerConfig;
import io.stanchion.store.MessageStore;
import io.stanchion.store.StateStore;
import io.stanchion.store.StoreException;
import io.stanchion.store.chronicle.ChronicleMessageStore;
import io.stanchion.store.crypto.EncryptedMessageStore;
import io.stanchion.store.chronicle.ChronicleStateStore;
import io.stanchion.store.chronicle.DiskSpaceGuard;
import io.stanchion.store.memory.MemoryMessageStore;
import io.stanchion.store.memory.NoStateStore;

/**
 * The message store and the state store a configuration asks for, opened (and so recovered) together. The FILE
 * store keeps the state journal in {@code <dir>/_state}, beside the channel directories.
 */
public final class Stores implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("io.stanchion.STREAM");
    public final MessageStore messages;
    public final StateStore state;

    private Stores(MessageStore messages, StateStore state) {
        this.messages = messages;
        this.state = state;
    }

    /** Opens the stores; {@code background} runs the state journal's recovery beside the message logs'. */
    public static Stores open(ServerConfig config, java.util.concurrent.Executor background)
            throws StanchionServer.StartupException {
        try {
            if (config.storeType == ServerConfig.StoreType.MEMORY) {
                return new Stores(new MemoryMessageStore(), new NoStateStore());
            }
            // The two stores are independent: open (recover) them side by side.
            long t0 = System.nanoTime();
            // One free-space budget for both stores (same file system); used by the engine thread only.
            DiskSpaceGuard guard = new DiskSpaceGuard(config.dir, config.diskOps);
            java.util.concurrent.CompletableFuture<ChronicleStateStore> stateFuture =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> new ChronicleStateStore(
                            config.dir.resolve(ChronicleStateStore.DIRECTORY),
                            ChronicleStateStore.Options.defaults().withTruncateBadTail(config.fileTruncateBadEof)
                                    .withMinFreeBytes(config.fileMinFree / 2), config.diskOps, guard),
                            background);
            ChronicleMessageStore messages;
            try {
                messages = new ChronicleMessageStore(config.dir, ChronicleMessageStore.Options.defaults()
                        .withRollCycle(config.fileRollCycle).withMinFreeBytes(config.fileMinFree)
                        .withTruncateBadTail(config.fileTruncateBadEof), config.diskOps, guard);
            } catch (StoreException e) {
                stateFuture.thenAccept(ChronicleStateStore::close);
                throw e;
            }
            long t1 = System.nanoTime();
            ChronicleStateStore state;
            try {
                state = stateFuture.join();
            } catch (java.util.concurrent.CompletionException e) {
                messages.close();
                throw e.getCause() instanceof StoreException se ? se
                        : new StoreException("cannot open the state journal: " + e.getCause(), e.getCause());
            }
            messages.recoveryWarnings().forEach(w -> LOG.warn("{}", w));
            state.recoveryWarnings().forEach(w -> LOG.warn("{}", w));
            LOG.info("Recovered {} channel log(s) in {} ms; state journal ready after {} ms",
                    messages.channels().size(), (t1 - t0) / 1_000_000, (System.nanoTime() - t0) / 1_000_000);
            return new Stores(messages, state);
        } catch (StoreException e) {
            throw new StanchionServer.StartupException(e.getMessage());
        }
    }

    /**
     * The message store the engine works on: {@code messages} with payloads encrypted and decrypted when the
     * configuration turns encryption at rest on (a wrong key is refused here, before anything is served); else
     * {@code messages} itself, refused when it holds encrypted messages. In a cluster the leader wraps its recording
     * store, so the Raft log carries encrypted payloads too.
     */
    public static MessageStore forEngine(ServerConfig config, MessageStore messages)
            throws StanchionServer.StartupException {
        try {
            if (config.encryption == null) {
                EncryptedMessageStore.refuseEncryptedWithoutKey(messages);
                return messages;
            }
            MessageStore encrypted = new EncryptedMessageStore(messages, config.encryption);
            LOG.info("Encryption at rest: payloads sealed with {}", config.encryption.cipherName().equals("AES")
                    ? "AES-256-GCM" : "ChaCha20-Poly1305");
            return encrypted;
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
