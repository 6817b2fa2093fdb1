package io.stanchion.store.crypto;

import io.stanchion.store.ChannelLog;
import io.stanchion.store.MessageStore;
import io.stanchion.store.StoreException;
import io.stanchion.store.StoredMessage;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Encryption at rest over any message store, as the original server's: only message payloads are encrypted, each
 * channel with its own key derived from the master key ({@link EncryptionKey}); records written unencrypted or
 * with the other cipher stay readable ({@link RecordSealer}). Opening it checks the first and last stored message
 * of every channel, so a wrong key is refused at startup with a clear error instead of at the first delivery.
 *
 * <p>Threading: {@link MessageStore}'s — the logs it hands out are wrappers created on the engine thread;
 * {@link #channels()} may be read from any thread.
 */
public final class EncryptedMessageStore implements MessageStore {
    private final MessageStore store;
    private final EncryptionKey key;
    private final ConcurrentHashMap<String, EncryptedChannelLog> logs = new ConcurrentHashMap<>();

    /**
     * Wraps {@code store} and checks its existing channels.
     *
     * @throws StoreException when a stored message cannot be decrypted with {@code key} (the message says so)
     */
    public EncryptedMessageStore(MessageStore store, EncryptionKey key) {
        this.store = store;
        this.key = key;
        for (ChannelLog log : store.channels()) {
            EncryptedChannelLog wrapped = wrap(log);
            checkReadable(wrapped);
        }
    }

    /**
     * Refuses a store that holds encrypted messages when the server runs without encryption: their payloads would
     * reach subscribers empty. Checks the first and last message of every channel.
     *
     * @throws StoreException naming the channel, with what to do
     */
    public static void refuseEncryptedWithoutKey(MessageStore store) {
        for (ChannelLog log : store.channels()) {
            for (long seq : ends(log)) {
                StoredMessage m = log.read(seq);
                if (m != null && RecordSealer.isSealed(m.record())) {
                    throw new StoreException("channel \"" + log.name() + "\" holds encrypted messages (message "
                            + seq + "): start the server with -encrypt and the key it was written with (environment "
                            + "variable " + EncryptionKey.ENV_VARIABLE + " or -encryption_key)");
                }
            }
        }
    }

    private static long[] ends(ChannelLog log) {
        if (log.messageCount() == 0) {
            return new long[0];
        }
        return log.firstSequence() == log.lastSequence() ? new long[] {log.lastSequence()}
                : new long[] {log.firstSequence(), log.lastSequence()};
    }

    private static void checkReadable(EncryptedChannelLog log) {
        for (long seq : ends(log)) {
            log.read(seq);
        }
    }

    private EncryptedChannelLog wrap(ChannelLog log) {
        return logs.compute(log.name(), (name, existing) -> existing != null && existing.unwrapped() == log
                ? existing : new EncryptedChannelLog(log, new RecordSealer(key, name)));
    }

    @Override
    public String type() {
        return store.type();
    }

    @Override
    public ChannelLog channel(String name) {
        return wrap(store.channel(name));
    }

    @Override
    public ChannelLog existing(String name) {
        ChannelLog log = store.existing(name);
        return log == null ? null : wrap(log);
    }

    @Override
    public boolean delete(String name) {
        boolean existed = store.delete(name);
        logs.remove(name);
        return existed;
    }

    @Override
    public Collection<ChannelLog> channels() {
        Collection<ChannelLog> underlying = store.channels();
        List<ChannelLog> out = new ArrayList<>(underlying.size());
        for (ChannelLog log : underlying) {
            EncryptedChannelLog wrapped = logs.get(log.name());
            out.add(wrapped != null && wrapped.unwrapped() == log ? wrapped : new EncryptedChannelLog(log,
                    new RecordSealer(key, log.name())));
        }
        return out;
    }

    @Override
    public void close() {
        store.close();
    }
}
