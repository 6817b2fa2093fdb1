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
 * with the other cipher stay readable ({@link RecordSealer}). Opening it decrypts the first and the newest encrypted
 * message of every channel, so a wrong key is refused at startup with a clear error instead of at the first
 * delivery.
 *
 * <p>Threading: {@link MessageStore}'s — the logs it hands out are wrappers created on the engine thread;
 * {@link #channels()} may be called from any thread, but other threads may only read the logs' counts (their
 * cipher objects belong to the engine thread).
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
     * reach subscribers empty. Reads the first message of every channel and its newest one with a payload (looking
     * back over at most {@value #SKIP_EMPTY} messages without one); a store whose encrypted messages are only in the
     * middle of a log is not detected here.
     *
     * @throws StoreException naming the channel, with what to do
     */
    public static void refuseEncryptedWithoutKey(MessageStore store) {
        for (ChannelLog log : store.channels()) {
            if (log.messageCount() == 0) {
                continue;
            }
            long newest = newest(log, SKIP_EMPTY, m -> FieldSpan.find(m.record(), RecordSealer.DATA_FIELD) != null
                    || RecordSealer.isSealed(m.record()));
            for (long seq : new long[] {log.firstSequence(), newest}) {
                StoredMessage m = log.read(seq);
                if (m != null && RecordSealer.isSealed(m.record())) {
                    throw new StoreException("channel \"" + log.name() + "\" holds encrypted messages (message "
                            + seq + "): start the server with -encrypt and the key it was written with (environment "
                            + "variable " + EncryptionKey.ENV_VARIABLE + " or -encryption_key)");
                }
            }
        }
    }

    /** Messages looked back over for one with a payload (no-key check) or a sealed one (key check). */
    static final int SKIP_EMPTY = 64;
    static final int SEALED_LOOKBACK = 1000;

    /**
     * The newest sequence among the last {@code lookback} messages whose record {@code wanted} accepts, else the
     * last sequence. Reads {@code log} as stored (no decryption).
     */
    private static long newest(ChannelLog log, int lookback, java.util.function.Predicate<StoredMessage> wanted) {
        long last = log.lastSequence();
        long stop = Math.max(log.firstSequence(), last - lookback + 1);
        for (long seq = last; seq >= stop; seq--) {
            StoredMessage m = log.read(seq);
            if (m != null && wanted.test(m)) {
                return seq;
            }
        }
        return last;
    }

    /**
     * Decrypts the first message of the channel and its newest encrypted one (looking back over at most
     * {@value #SEALED_LOOKBACK} messages: unencrypted ones, written before -encrypt was turned on, and empty
     * payloads are not sealed).
     */
    private static void checkReadable(EncryptedChannelLog log) {
        ChannelLog stored = log.unwrapped();
        if (stored.messageCount() == 0) {
            return;
        }
        log.read(stored.firstSequence());
        log.read(newest(stored, SEALED_LOOKBACK, m -> RecordSealer.isSealed(m.record())));
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
