package io.stanchion.store;

/**
 * A channel log that passes every call to another one: the base of wrappers that change one or two operations
 * (recording writes as operations, sealing payloads). Threading and failures: the wrapped log's.
 */
public abstract class ForwardingChannelLog implements ChannelLog {
    protected final ChannelLog log;

    protected ForwardingChannelLog(ChannelLog log) {
        this.log = log;
    }

    @Override
    public String name() {
        return log.name();
    }

    @Override
    public long append(long timestampNanos, byte[] record) {
        return log.append(timestampNanos, record);
    }

    @Override
    public StoredMessage read(long sequence) {
        return log.read(sequence);
    }

    @Override
    public long firstSequence() {
        return log.firstSequence();
    }

    @Override
    public long lastSequence() {
        return log.lastSequence();
    }

    @Override
    public long messageCount() {
        return log.messageCount();
    }

    @Override
    public long byteCount() {
        return log.byteCount();
    }

    @Override
    public long sequenceAtOrAfter(long timestampNanos) {
        return log.sequenceAtOrAfter(timestampNanos);
    }

    @Override
    public void removeBefore(long sequence) {
        log.removeBefore(sequence);
    }

    @Override
    public long firstSequenceWithinBytes(long maxBytes) {
        return log.firstSequenceWithinBytes(maxBytes);
    }

    @Override
    public void flush(boolean fsync) {
        log.flush(fsync);
    }

    @Override
    public void close() {
        log.close();
    }
}
