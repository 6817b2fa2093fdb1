package io.stanchion.store;

/**
 * The message log of one channel: messages with dense sequences starting at 1 and non-decreasing timestamps.
 *
 * <p>Threading: a log has exactly one owner thread (the engine thread that writes it); every method is called from
 * that thread only, except {@link #messageCount()}, {@link #byteCount()}, {@link #firstSequence()} and
 * {@link #lastSequence()}, which may be read from any thread (monitoring) and then return a recent value.
 *
 * <p>Durability: {@link #append} makes the message readable at once. For a memory-mapped implementation the bytes
 * are then in the OS page cache and survive a crash of the process; {@link #flush(boolean)} with {@code fsync}
 * forces them to the device (survives power loss).
 */
public interface ChannelLog extends AutoCloseable {

    /** The channel's name. */
    String name();

    /**
     * Appends a message whose sequence is {@link #lastSequence()} + 1 and returns that sequence.
     *
     * @param timestampNanos wall-clock receive time in ns since the epoch; callers keep it non-decreasing
     * @param record         the message as the server encodes it; stored and returned byte for byte
     */
    long append(long timestampNanos, byte[] record);

    /** The message at {@code sequence}, or {@code null} when it is below the first or above the last. */
    StoredMessage read(long sequence);

    /** Sequence of the oldest stored message; {@code lastSequence() + 1} when the log is empty. */
    long firstSequence();

    /** Sequence of the newest message ever appended (0 for a new channel); kept even when older ones are removed. */
    long lastSequence();

    /** Number of stored messages. */
    long messageCount();

    /** Sum of the record sizes of the stored messages. */
    long byteCount();

    /**
     * The first sequence whose timestamp is at or after {@code timestampNanos}, or {@code lastSequence() + 1} when
     * every stored message is older. Never scans the log: O(log n) reads or better.
     */
    long sequenceAtOrAfter(long timestampNanos);

    /**
     * Makes every appended message durable to the policy's level: after return a crash of the process loses
     * nothing appended before the call; with {@code fsync} a power loss neither.
     */
    void flush(boolean fsync);

    /** Releases the log's resources; the log is unusable afterwards. */
    @Override
    void close();
}
