package io.stanchion.store;

/**
 * The message log of one channel: messages with dense sequences starting at 1 and non-decreasing timestamps.
 * Retention ({@link #removeBefore}) only ever removes the oldest messages, so the stored ones are always the dense
 * range {@link #firstSequence()} .. {@link #lastSequence()}.
 *
 * <p>Threading: a log has exactly one owner thread (the engine thread that writes it); every method is called from
 * that thread only, except {@link #messageCount()}, {@link #byteCount()}, {@link #firstSequence()} and
 * {@link #lastSequence()}, which may be read from any thread (monitoring) and then return a recent value.
 *
 * <p>Durability: {@link #append} makes the message readable at once. For a memory-mapped implementation the bytes
 * are then in the OS page cache and survive a crash of the process; {@link #flush(boolean)} with {@code fsync}
 * forces them to the device (survives power loss).
 *
 * <p>Failures (the store fault contract): {@link #append} throws {@link StoreFullException} when it refuses a message
 * for lack of disk space <em>before writing anything</em>: the log is unchanged and usable, the caller answers the
 * publish with an error and goes on. Any other failure of a write path ({@link #append}, {@link #flush},
 * {@link #removeBefore}) is a plain {@link StoreException}, including JVM errors raised by faults in memory-mapped
 * access (a SIGBUS on a full file system or a truncated file surfaces as {@code InternalError}), and means <b>log state
 * unknown</b>: the caller stops the server (fail-stop). A failed fsync is never retried; afterwards the log refuses
 * every further write with {@link StoreException}. {@link #read} throws {@link StoreException} for a record that
 * fails its checks (checksum, sequence): a store fault too.
 */
public interface ChannelLog extends AutoCloseable {

    /** The channel's name. */
    String name();

    /**
     * Appends a message whose sequence is {@link #lastSequence()} + 1 and returns that sequence.
     *
     * @param timestampNanos wall-clock receive time in ns since the epoch; callers keep it non-decreasing (a lower one
     *                       is stored as the previous message's, even when {@link #removeBefore} removed that one)
     * @param record         the message as the server encodes it; stored and returned byte for byte
     */
    long append(long timestampNanos, byte[] record);

    /** The message at {@code sequence}, or {@code null} when it is below the first or above the last. */
    StoredMessage read(long sequence);

    /**
     * Sequence of the oldest stored message; {@code lastSequence() + 1} when the log is empty (never appended to, or
     * everything removed by {@link #removeBefore}).
     */
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
     * Removes every message whose sequence is below {@code sequence} (retention: max_msgs, max_bytes, max_age).
     *
     * <p>{@code sequence} is clamped to {@code lastSequence() + 1}; nothing happens when it is at or below
     * {@link #firstSequence()}. Afterwards {@link #firstSequence()} is the new first, {@link #messageCount()} and
     * {@link #byteCount()} count only the remaining messages, {@link #read} of a removed sequence returns
     * {@code null} and {@link #sequenceAtOrAfter} never answers a removed one. {@link #lastSequence()} does not
     * change, even when every message is removed ({@code firstSequence() == lastSequence() + 1}): the next
     * {@link #append} still gets {@code lastSequence() + 1}.
     *
     * <p>A persistent log keeps the new first sequence across a restart (with the durability of {@link #append}:
     * the process may crash after return; {@link #flush(boolean) flush(true)} makes it survive a power loss too)
     * and returns the space of removed messages to the file system as far as its storage granularity allows.
     *
     * @param sequence the new first sequence; any value is accepted
     */
    void removeBefore(long sequence);

    /**
     * The first sequence to keep so that the stored messages total at most {@code maxBytes} record bytes: the
     * smallest {@code s >= firstSequence()} such that the record sizes of {@code s .. lastSequence()} sum to at most
     * {@code maxBytes}, but never above {@code lastSequence()} (the newest message is always kept, whatever its
     * size). {@code firstSequence()} when the whole log fits (and when it is empty). Pass the result to
     * {@link #removeBefore} to enforce a byte limit. O(log n) reads at most, using the stored cumulative sizes;
     * no read at all when the log already fits.
     *
     * @param maxBytes the byte budget; a negative one keeps only the newest message
     */
    long firstSequenceWithinBytes(long maxBytes);

    /**
     * Makes every appended message durable to the policy's level: after return a crash of the process loses
     * nothing appended before the call; with {@code fsync} a power loss neither.
     */
    void flush(boolean fsync);

    /** Releases the log's resources; the log is unusable afterwards. */
    @Override
    void close();
}
