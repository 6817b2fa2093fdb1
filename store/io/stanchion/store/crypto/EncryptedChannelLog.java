package io.stanchion.store.crypto;

import io.stanchion.store.ChannelLog;
import io.stanchion.store.ForwardingChannelLog;
import io.stanchion.store.StoreException;
import io.stanchion.store.StoredMessage;

import javax.crypto.AEADBadTagException;
import java.security.GeneralSecurityException;

/**
 * A channel log whose payloads are sealed on {@link #append} and opened on {@link #read}; everything else goes to
 * the wrapped log unchanged (so counts, byte totals and limits see the stored, sealed sizes). A record that cannot
 * be opened (sealed under another key, altered, unknown cipher) is a {@link StoreException} naming the channel and
 * sequence. Threading: {@link ChannelLog}'s (one owner thread).
 */
final class EncryptedChannelLog extends ForwardingChannelLog {
    private final RecordSealer sealer;

    EncryptedChannelLog(ChannelLog log, RecordSealer sealer) {
        super(log);
        this.sealer = sealer;
    }

    ChannelLog unwrapped() {
        return log;
    }

    @Override
    public long append(long timestampNanos, byte[] record) {
        long sequence = log.lastSequence() + 1;
        byte[] sealed;
        try {
            sealed = sealer.seal(sequence, record);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new StoreException("cannot encrypt message " + sequence + " of channel \"" + name() + "\": " + e, e);
        }
        return log.append(timestampNanos, sealed);
    }

    @Override
    public StoredMessage read(long sequence) {
        StoredMessage m = log.read(sequence);
        if (m == null) {
            return null;
        }
        byte[] record = open(m.sequence(), m.record());
        return record == m.record() ? m : new StoredMessage(m.sequence(), m.timestampNanos(), record);
    }

    /** The opened record; a {@link StoreException} with a message for the operator when it cannot be opened. */
    byte[] open(long sequence, byte[] record) {
        try {
            return sealer.open(sequence, record);
        } catch (AEADBadTagException e) {
            throw new StoreException("cannot decrypt message " + sequence + " of channel \"" + name()
                    + "\": wrong encryption key (the message was encrypted with another key, or altered)", e);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new StoreException("cannot decrypt message " + sequence + " of channel \"" + name() + "\": "
                    + e.getMessage(), e);
        }
    }
}
