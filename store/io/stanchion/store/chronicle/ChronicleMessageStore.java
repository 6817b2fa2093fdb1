package io.stanchion.store.chronicle;

import io.stanchion.store.ChannelLog;
import io.stanchion.store.DiskOps;
import io.stanchion.store.MessageStore;
import io.stanchion.store.StoreException;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.LargeRollCycles;
import net.openhft.chronicle.queue.rollcycles.LegacyRollCycles;
import net.openhft.chronicle.queue.rollcycles.SparseRollCycles;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link MessageStore} keeping each channel in its own Chronicle Queue. Type {@code FILE}.
 *
 * <h2>Directory layout</h2>
 * <pre>
 * &lt;root&gt;/
 *   .lock                      held (FileLock) while a store has the directory open
 *   &lt;channel&gt;/                 one SingleChronicleQueue per channel
 *     metadata.cq4t            Chronicle's own metadata (roll cycle, directory listing, write lock)
 *     &lt;cycle&gt;.cq4              one file per roll cycle holding messages, e.g. 20250101L.cq4 for LARGE_DAILY
 *     first-sequence           only once retention removed messages: the logical first sequence (below)
 *     first-sequence.tmp       transient, while first-sequence is being replaced
 *   .deleted-&lt;n&gt;-&lt;m&gt;/        a deleted channel's directory, renamed before its files are removed;
 *                              any left over (crash, failed removal) is removed when the store opens
 *   .rebuild-&lt;dir&gt;/ .rebuilt-&lt;dir&gt;/  a channel being cut back to its last good record (see below)
 *   .damaged-&lt;ms&gt;-&lt;dir&gt;/    a channel directory replaced by its cut-back copy, kept for inspection
 *   _anything/ .anything       ignored: reserved for other state (e.g. a future _state/ directory)
 * </pre>
 * The directory name is the channel name, except that {@code %}, {@code /}, {@code \}, control characters, and a
 * leading {@code _} or {@code .} are written as {@code %XX} (hex of the character) so that every valid channel name,
 * including ones starting with {@code _}, maps to a directory that recovery does not skip. At open, every directory
 * under root whose name does not start with {@code _} or {@code .}, decodes to a channel name, and contains
 * {@code metadata.cq4t} or a {@code *.cq4} file is recovered as a channel; anything else is ignored.
 *
 * <h2>Excerpt layout (the on-disk format; one message = one Chronicle data excerpt)</h2>
 * Written as raw bytes into the excerpt (no Wire field names or type tags), little-endian (Chronicle's byte order):
 * <pre>
 * offset size  field
 *      0    8  sequence          STAN sequence of the message (1, 2, 3 ... dense)
 *      8    8  timestamp         ns since the epoch, non-decreasing along the log
 *     16    8  cumulative        sum of the record lengths of every message before this one in the channel
 *     24    4  length            record length in bytes (n)
 *     28    n  record            the record bytes as given to append
 *   28+n    4  crc               CRC-32C (java.util.zip.CRC32C) of bytes 0 .. 28+n (header and record)
 * </pre>
 * Chronicle adds its own 4-byte excerpt header (length + flags) in front. Because of the cumulative field, the byte
 * count is {@code cumulative(last) + length(last) - cumulative(first)} and needs no scan at recovery.
 * <p>Logs written before the CRC existed hold excerpts of exactly {@code 28 + n} bytes; the size tells the two
 * formats apart (any other size is damage), so old data directories keep working (old excerpts are read unchecked,
 * new appends carry the CRC, one log may hold both). The CRC is checked on every read of an excerpt (reads and the
 * timestamp/cumulative probes of the searches): a mismatch is a {@link StoreException} naming the channel, the
 * sequence and the cycle file. At open it is checked on the excerpts recovery reads anyway: the first of each cycle
 * (a failure stops the open; with {@link Options#truncateBadTail}, damage in the first record of the last cycle is
 * a damaged tail: that whole cycle is cut off) and the last one. A damaged last record stops the open with a {@link StoreException}
 * naming the channel directory and the sequence, unless {@link Options#truncateBadTail}: then recovery walks back to
 * the last record that passes its checks and {@link ChannelRebuild} cuts the log back to it (Chronicle cannot
 * truncate a queue in place: the good excerpts are copied into a sibling directory, cycle by cycle, with
 * {@code first-sequence}, synced, and swapped in by renames; the damaged directory is kept as
 * {@code .damaged-<ms>-<dir>}); {@link #recoveryWarnings()} says how many records were dropped.
 *
 * <h2>Retention: {@code first-sequence} and cycle file deletion</h2>
 * {@link ChannelLog#removeBefore} keeps the messages in the queue and moves the <em>logical</em> first sequence; the
 * byte count stays O(1): {@code cumulative(last) + length(last) - cumulative(new first)} (one excerpt read for the
 * new first message's cumulative and timestamp). The new first sequence is persisted in {@code first-sequence}:
 * <pre>
 * offset size  field
 *      0    8  magic             ASCII "STANFSQ1"
 *      8    8  first sequence    little-endian; messages below it are removed
 * </pre>
 * It is written only by {@code removeBefore}: the first call of a log instance writes the whole file to
 * {@code first-sequence.tmp}, maps it (shared) and renames it over {@code first-sequence} (atomic); later calls store
 * the new value into that mapping (one aligned 8-byte store, no system call, cannot be torn by a process crash). Like
 * an append, it then survives a crash of the process; {@code flush(true)} also forces it (and the directory entry
 * after the rename) to the device. At recovery the first sequence is {@code max(first excerpt on disk, file)}, clamped
 * to {@code last + 1} (after a power loss without fsync the file may be ahead of the recovered tail); a missing file or
 * one of another size or magic counts as absent (the log then only keeps more messages). Recovery reads one more
 * excerpt (the logical first) when the file raises the first sequence; it still scans nothing.
 *
 * <p>Then every cycle file whose messages all lie below the new first sequence is deleted: the cycle holding the new
 * first message is kept, and when everything is removed the cycle holding the last message is kept, so recovery can
 * still find the last sequence and the cycle being appended to is never deleted. Deleting means: close the log's
 * tailers parked in those cycles, drain Chronicle's background resource releaser (so no mapping or descriptor of them
 * remains and the space is really freed), unlink the files whose names are exactly the queue's names for cycles
 * below the kept one (empty cycle files included), drop their entries from the sequence map, and refresh Chronicle's
 * directory listing (the lowest cycle in {@code metadata.cq4t} and the queue's cached cycle tree), so that later
 * appends, tailers and reopen see a queue starting at the kept cycle. When every message was removed and an append
 * opens a new cycle, the older cycles (holding only removed messages) are deleted the same way at once. The file is
 * written before anything is deleted: a crash in between leaves cycle files that the next recovery deletes, never a
 * first sequence inside deleted cycles.
 * Deletion runs on the owner thread inside {@code removeBefore}, only when a whole cycle falls out of the log (a
 * check against the lowest cycle on disk otherwise); it costs a directory listing, the unlinks and a possible re-map
 * of a tailer later. A file that cannot be deleted is tried again at the next deletion.
 *
 * <p>{@link #delete(String)} closes the log, drains the releaser, renames the channel directory to
 * {@code .deleted-<n>-<m>} (atomic; ignored by recovery), fsyncs the root directory, and removes the renamed tree.
 *
 * <h2>Sequence to Chronicle index</h2>
 * Chronicle indices are dense within a roll cycle. Each log keeps one (first sequence, first index, first timestamp,
 * first cumulative) entry per non-empty cycle ({@link SequenceIndexMap}); recovery builds it by reading the first
 * excerpt of each cycle, and checks that each cycle's first sequence is the previous cycle's first sequence plus the
 * previous cycle's excerpt count (from Chronicle's index, no excerpt read) and that the last excerpt holds the
 * sequence the map predicts. So opening a channel reads (cycles + 1) excerpts, whatever its size (one more when
 * {@code first-sequence} raises the first sequence). A read is a binary search in that map, {@code moveToIndex},
 * and one excerpt read whose sequence field is verified (a mismatch throws {@link StoreException}: corruption).
 * Sequential reads skip the {@code moveToIndex}.
 * {@code sequenceAtOrAfter} answers from the cached first/last timestamps when it can, else picks the cycle from the
 * map's first timestamps and binary-searches inside it reading one timestamp per probe: at most about
 * log2(messages in that cycle) + 1 excerpt reads, all in one cycle file. {@code firstSequenceWithinBytes} works the
 * same way on the cumulative field ({@code bytes(s..last) = cumulative(last) + length(last) - cumulative(s)}): the
 * map's first cumulatives pick the cycle, then a galloping search from the current first message (or the cycle's
 * start) reads O(log d) excerpts in that cycle, d being how many messages it skips: one or two reads when a byte
 * limit is enforced after every append.
 *
 * <p>Moving a tailer into another cycle maps that cycle file and (when nothing else holds it) unmaps the one it
 * leaves, about 1-2 ms measured here against sub-microsecond reads inside a cycle; each log therefore keeps up to
 * 4 tailers ({@code ExcerptReader.MAX_TAILERS}), each parked in the cycle it last read (least recently used one
 * moves), so readers in a few different cycles do not thrash one tailer.
 *
 * <h2>Clock</h2>
 * Chronicle picks the cycle from the time of the append. Each queue gets a clock that never goes back (see
 * {@link MonotonicTimeProvider}): if the wall clock steps back across a cycle boundary, or the process restarts with a
 * clock behind the newest cycle file, appends go on in the newest cycle instead of creating an earlier one, which
 * would break the index order.
 *
 * <h2>Durability ({@link ChannelLog#flush(boolean)})</h2>
 * <ul>
 *   <li><b>After {@code append} returns</b> (and so after {@code flush(false)}, which does nothing more): the excerpt
 *   was written into a shared memory mapping of the cycle file and its Chronicle header marked complete when the
 *   write's {@code DocumentContext} closed. The bytes are in the kernel's page cache: they survive a crash or kill -9
 *   of the JVM, and the kernel writes them to the device on its own schedule (Linux: dirty_expire, 30 s by default).
 *   They do not survive a power loss or kernel crash before that writeback.</li>
 *   <li><b>{@code flush(true)}</b>: {@code fdatasync} ({@code FileChannel.force(false)}) of every cycle file appended
 *   to since the previous {@code flush(true)} (the current one and any left by a roll), {@code msync} of the
 *   {@code first-sequence} mapping when retention changed it, then, when a cycle file or the channel directory was
 *   created or a file renamed or deleted since, {@code fdatasync} of {@code metadata.cq4t} and {@code fsync} of the
 *   channel directory (and of root for a new channel) so the directory entries are durable too. On Linux, fsync of a
 *   file writes back the page-cache pages dirtied through any mapping of it, so after return every message appended
 *   before the call is on the device (as far as the device honours flushes) and survives a power loss.</li>
 * </ul>
 * Every fsync goes through the store's {@link io.stanchion.store.DiskOps} ({@code SYSTEM} unless a test injects
 * another). A failed fsync is never retried (after a failed writeback Linux may drop the dirty pages and report
 * success to the next fsync, the "fsyncgate" lesson PostgreSQL learned): {@code flush} throws {@link StoreException}
 * "channel X: fsync failed in dir: reason" and the log refuses every later call with a {@link StoreException}.
 * Reopening the store (after the operator fixed the disk) recovers what the files hold.
 * <p>Why not Chronicle's {@code ExcerptAppender.sync()} (checked in chronicle-queue 2026.4 / chronicle-bytes 2026.4):
 * it calls {@code MappedBytesStore.syncUpTo(writePosition)}, which msyncs with the queue's {@code SyncMode} only from
 * the page of the previous sync's high-water mark up to the write position of the current chunk. With the default
 * {@code ASYNC} mode that is {@code msync(MS_ASYNC)}, a no-op on Linux; with {@code SYNC} it still skips the pages
 * below the high-water mark that Chronicle rewrites later (the file header's write position, index arrays), the
 * previous cycle file after a roll, and directory entries; and {@code SYNC} also msyncs each whole 64 MiB chunk
 * synchronously whenever it is released (unmapped), whether or not anyone asked for durability. The queues are
 * therefore built with {@code SyncMode.NONE} and fsync is done on the files as above.
 *
 * <h2>Free space and a full file system</h2>
 * What Chronicle does when the file system fills (measured with chronicle-queue 2026.4 on a 48 MiB tmpfs, JDK 17,
 * 1,000-byte records, guard bypassed): cycle and metadata files are created sparse (80 MiB cycle files: a 64 MiB
 * block plus overlap; 128 KiB {@code metadata.cq4t}), so creating them never fails; the first write into a page the
 * file system cannot allocate raises SIGBUS, which the JVM turns into {@code java.lang.InternalError: a fault
 * occurred in a recent unsafe memory access operation in compiled Java code}, reported at an imprecise place (seen in
 * {@code AbstractWire.checkNoDataAfterEnd} while closing the excerpt). No {@code IOException} is ever raised. The same
 * happens to a new channel's queue (while writing its metadata header: a half-initialised {@code metadata.cq4t} is
 * left) and to a new state-journal generation. The failed excerpt was not committed (its header never completed): the
 * appender retried after space was freed wrote at the same place and the sequence was not lost; closing and
 * reopening the queue then found every message, the half-created channel as an empty one. Every append after the
 * fault but before space came back raised the same error.
 * <p>Because the fault's place is imprecise and nothing guarantees that state in general, a mapped-access fault is a
 * store fault here ({@link StoreException}, the log refuses further use), and the store avoids it: every log charges
 * its appends (and {@link #channel} a new queue) to a {@link DiskSpaceGuard} before writing, which refuses a write that
 * would leave less than {@link Options#minFreeBytes} free with {@link io.stanchion.store.StoreFullException} ("no
 * space left on device"), nothing written. The estimate per message is {@code 4 (Chronicle header) + 3 (padding) +
 * 8 (index) + 32 (this store's header and CRC) + record}, plus a new cycle file's header and index pages
 * ({@code 64 KiB + 2 * indexCount * 8}) when the append may open one.
 *
 * <h2>Threading</h2>
 * {@link #channel}, {@link #existing}, {@link #delete} and {@link #close} from the engine thread; {@link #channels()}
 * and the counts of every log from any thread (a {@link ConcurrentHashMap} and volatile fields). Each log has one
 * appender (created on its first append) and its tailers, used by its owner thread only; Chronicle's single-thread
 * check is disabled on them because recovery may run on the thread that opens the store, not the engine thread.
 *
 * <h2>Other behaviour</h2>
 * <ul>
 *   <li>A timestamp below the previous message's is stored as the previous one (the log stays sorted by time).</li>
 *   <li>A record too large for an excerpt (about a quarter of the block size: 16 MiB by default) throws
 *   {@link StoreException}; the partial excerpt is rolled back and the sequence is not used.</li>
 *   <li>A channel that fails the recovery checks makes the whole open fail with a {@link StoreException} naming its
 *   directory: better than serving a channel with holes.</li>
 *   <li>{@code <root>/.lock} is locked ({@link DirectoryLock}) for the life of the store: a second store (another
 *   process, or this one) on the same directory fails to open.</li>
 * </ul>
 *
 * <h2>Chronicle settings</h2>
 * Before the first Chronicle class initialises, unless already set: {@code chronicle.analytics.disable=true} (no
 * usage reporting; the analytics jar is also excluded from the build), {@code chronicle.announcer.disable=true} (no
 * banner) and {@code disable.perf.info=true} (no "Took N ms to ..." lines). Nothing in the code paths used here opens
 * a network connection. The JVM still needs the {@code --add-exports/--add-opens} flags listed in the pom.
 */
public final class ChronicleMessageStore implements MessageStore {

    static {
        ChronicleSettings.apply();
    }

    public static final String TYPE = "FILE";
    static final String LOCK_FILE = ".lock";
    /** Prefix of a deleted channel's directory until its files are removed. */
    static final String TRASH_PREFIX = ".deleted-";
    private static final String METADATA_FILE = "metadata.cq4t";
    private static final String CYCLE_SUFFIX = ".cq4";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /**
     * Store options.
     *
     * @param rollCycle    Chronicle roll cycle of new channel queues (an existing queue keeps the cycle it was
     *                     created with); default {@link LargeRollCycles#LARGE_DAILY}: one file per UTC day, up to
     *                     2^37 messages per channel per day
     * @param timeProvider clock Chronicle uses to pick the cycle; {@code null} for the system clock (tests use a
     *                     settable one to roll cycles at will)
     * @param blockSize    Chronicle block (mapping chunk) size in bytes, 0 for Chronicle's default (64 MiB on 64-bit
     *                     JVMs); the largest excerpt is about a quarter of it
     * @param minFreeBytes free space an append must leave on the file system, else it is refused with
     *                     {@code StoreFullException} (see {@link DiskSpaceGuard}); default {@link #DEFAULT_MIN_FREE}
     *                     (64 MiB). The state journal keeps half of it, so that acks can still be recorded once
     *                     messages are refused.
     * @param truncateBadTail at open, a log whose newest records fail their checks is cut back to the last good
     *                     record (a warning in {@link #recoveryWarnings()}) instead of failing the open; default
     *                     false
     */
    public record Options(RollCycle rollCycle, TimeProvider timeProvider, long blockSize, long minFreeBytes,
                          boolean truncateBadTail) {

        /** Default of {@link #minFreeBytes}: 64 MiB. */
        public static final long DEFAULT_MIN_FREE = 64L << 20;

        static {
            ChronicleSettings.apply();
        }

        public Options {
            Objects.requireNonNull(rollCycle, "rollCycle");
            if (blockSize < 0) {
                throw new IllegalArgumentException("blockSize " + blockSize + " < 0");
            }
            if (minFreeBytes < 0) {
                throw new IllegalArgumentException("minFreeBytes " + minFreeBytes + " < 0");
            }
        }

        public static Options defaults() {
            return new Options(LargeRollCycles.LARGE_DAILY, null, 0, DEFAULT_MIN_FREE, false);
        }

        public Options withRollCycle(RollCycle cycle) {
            return new Options(cycle, timeProvider, blockSize, minFreeBytes, truncateBadTail);
        }

        /** With the roll cycle of that enum constant name, e.g. {@code LARGE_DAILY}, {@code FAST_HOURLY}. */
        public Options withRollCycle(String cycleName) {
            return withRollCycle(rollCycleNamed(cycleName));
        }

        public Options withTimeProvider(TimeProvider provider) {
            return new Options(rollCycle, provider, blockSize, minFreeBytes, truncateBadTail);
        }

        public Options withBlockSize(long size) {
            return new Options(rollCycle, timeProvider, size, minFreeBytes, truncateBadTail);
        }

        public Options withMinFreeBytes(long bytes) {
            return new Options(rollCycle, timeProvider, blockSize, bytes, truncateBadTail);
        }

        public Options withTruncateBadTail(boolean truncate) {
            return new Options(rollCycle, timeProvider, blockSize, minFreeBytes, truncate);
        }

        /** The Chronicle roll cycle named {@code name} (any of Chronicle's roll-cycle enums), or a StoreException. */
        public static RollCycle rollCycleNamed(String name) {
            Objects.requireNonNull(name, "name");
            List<String> known = new ArrayList<>();
            for (RollCycle[] family : new RollCycle[][]{RollCycles.values(), LargeRollCycles.values(),
                    SparseRollCycles.values(), LegacyRollCycles.values(), TestRollCycles.values()}) {
                for (RollCycle c : family) {
                    String n = ((Enum<?>) c).name();
                    if (n.equalsIgnoreCase(name.trim())) {
                        return c;
                    }
                    known.add(n);
                }
            }
            throw new StoreException("unknown Chronicle roll cycle '" + name + "'; known: " + String.join(", ", known));
        }
    }

    private final Path root;
    private final Options options;
    private final DiskOps diskOps;
    /** Engine-thread owned; shared with the state store when the opener passes one guard to both. */
    private final DiskSpaceGuard spaceGuard;
    private final List<String> warnings = new ArrayList<>();
    private final DirectoryLock lock;
    private final ConcurrentHashMap<String, ChronicleChannelLog> channels = new ConcurrentHashMap<>();
    private final AtomicLong trashCounter = new AtomicLong();
    private volatile boolean closed;

    /** Opens (creating if needed) the store at {@code root} with {@link Options#defaults()}. */
    public ChronicleMessageStore(Path root) {
        this(root, Options.defaults());
    }

    /**
     * Opens the store at {@code root}, creating the directory if needed, and recovers every channel in it.
     *
     * @throws StoreException when the directory cannot be created or written, is used by another store, or holds a
     *                        corrupt channel
     */
    public ChronicleMessageStore(Path root, Options options) {
        this(root, options, DiskOps.SYSTEM);
    }

    /** As {@link #ChronicleMessageStore(Path, Options, DiskOps, DiskSpaceGuard)} with a guard of its own. */
    public ChronicleMessageStore(Path root, Options options, DiskOps diskOps) {
        this(root, options, diskOps, null);
    }

    /**
     * Opens the store at {@code root}, creating the directory if needed, and recovers every channel in it.
     *
     * @param diskOps    every fsync and the free-space query go through it ({@link DiskOps#SYSTEM} normally)
     * @param spaceGuard the free-space budget of root's file system, shared with the state store when it is on the
     *                   same one; null for one of the store's own (through {@code diskOps})
     * @throws StoreException when the directory cannot be created or written, is used by another store, or holds a
     *                        corrupt channel
     */
    public ChronicleMessageStore(Path root, Options options, DiskOps diskOps, DiskSpaceGuard spaceGuard) {
        this.options = Objects.requireNonNull(options, "options");
        this.diskOps = Objects.requireNonNull(diskOps, "diskOps");
        this.root = prepareRoot(Objects.requireNonNull(root, "root"));
        this.spaceGuard = spaceGuard != null ? spaceGuard : new DiskSpaceGuard(this.root, diskOps);
        Path lockFile = this.root.resolve(LOCK_FILE);
        this.lock = DirectoryLock.acquire(lockFile, "store directory " + this.root
                + " is in use by another store (lock " + lockFile + " is held)");
        try {
            removeLeftoverTrash();
            ChannelRebuild.finishInterrupted(this.root, diskOps);
            recoverChannels();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private static Path prepareRoot(Path root) {
        Path abs = root.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new StoreException("store directory " + abs + " exists and is not a directory");
        }
        try {
            Files.createDirectories(abs);
        } catch (IOException | SecurityException e) {
            throw new StoreException("cannot create store directory " + abs + ": " + FileOps.oneLine(e));
        }
        if (!Files.isWritable(abs)) {
            throw new StoreException("store directory " + abs + " is not writable");
        }
        return abs;
    }

    private void recoverChannels() {
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(root)) {
            for (Path p : stream) {
                dirs.add(p);
            }
        } catch (IOException e) {
            throw new StoreException("cannot list store directory " + root + ": " + FileOps.oneLine(e), e);
        }
        dirs.sort(null);
        for (Path dir : dirs) {
            String dirName = dir.getFileName().toString();
            if (dirName.startsWith("_") || dirName.startsWith(".") || !Files.isDirectory(dir)) {
                continue;
            }
            String channel = channelName(dirName);
            if (channel == null || !isChannelQueue(dir)) {
                continue;
            }
            channels.put(channel, recoverLog(channel, dir));
        }
    }

    /** Opens a recovered channel; with {@link Options#truncateBadTail}, cuts a damaged tail off first. */
    private ChronicleChannelLog recoverLog(String channel, Path dir) {
        try {
            return openLog(channel, dir, false);
        } catch (ChannelLogRecovery.DamagedTailException e) {
            ChannelRebuild.Result r = ChannelRebuild.cutBack(dir, e.lastGood, options.blockSize(), diskOps);
            ChronicleChannelLog log = openLog(channel, dir, false);
            warnings.add(e.getMessage() + "; cut the log back to sequence " + log.lastSequence() + " ("
                    + (e.lastSequence - e.lastGood) + " record(s) dropped, " + r.copied() + " kept); the damaged"
                    + " directory is kept as " + r.damagedDirectory());
            return log;
        }
    }

    /** Removes the directories of channels deleted by an earlier store that could not remove them (best effort). */
    private void removeLeftoverTrash() {
        List<Path> trash = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(root, TRASH_PREFIX + "*")) {
            for (Path p : stream) {
                trash.add(p);
            }
        } catch (IOException e) {
            return; // recovery lists root again and reports
        }
        for (Path p : trash) {
            try {
                FileOps.deleteTree(p);
            } catch (IOException ignored) {
                // ignored by recovery anyway; tried again at the next open
            }
        }
    }

    private static boolean isChannelQueue(Path dir) {
        if (Files.isRegularFile(dir.resolve(METADATA_FILE))) {
            return true;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*" + CYCLE_SUFFIX)) {
            return stream.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }

    private ChronicleChannelLog openLog(String channel, Path dir, boolean created) {
        TimeProvider time = options.timeProvider() != null ? options.timeProvider() : SystemTimeProvider.INSTANCE;
        MonotonicTimeProvider clock = new MonotonicTimeProvider(time);
        SingleChronicleQueue queue;
        try {
            SingleChronicleQueueBuilder builder = SingleChronicleQueueBuilder.binary(dir)
                    .rollCycle(options.rollCycle())
                    .timeProvider(clock)
                    .syncMode(SyncMode.NONE);
            if (options.blockSize() > 0) {
                builder.blockSize(options.blockSize());
            }
            queue = builder.build();
        } catch (Throwable e) {
            throw StoreFaults.wrap("channel " + channel + ": cannot open queue in " + dir, e);
        }
        // closes the queue if it throws
        return new ChronicleChannelLog(channel, dir, queue, clock, created, new ChronicleChannelLog.Disk(diskOps,
                spaceGuard, options.minFreeBytes()), options.truncateBadTail());
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public ChannelLog channel(String name) {
        Objects.requireNonNull(name, "name");
        ensureOpen();
        ChronicleChannelLog log = channels.get(name);
        if (log != null) {
            return log;
        }
        return channels.computeIfAbsent(name, this::create);
    }

    private ChronicleChannelLog create(String name) {
        String dirName = directoryName(name);
        if (dirName.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new StoreException("channel name too long for a directory name (" + name.length() + " chars): "
                    + name.substring(0, Math.min(name.length(), 64)) + "...");
        }
        Path dir = root.resolve(dirName);
        boolean created = !Files.isDirectory(dir);
        if (created) {
            // Chronicle's metadata file and the first cycle file's header and index pages.
            spaceGuard.reserve(ChannelQueue.newQueueBytes(options.rollCycle()), options.minFreeBytes());
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StoreException("channel " + name + ": cannot create directory " + dir + ": "
                    + FileOps.oneLine(e), e);
        }
        return openLog(name, dir, created);
    }

    @Override
    public ChannelLog existing(String name) {
        Objects.requireNonNull(name, "name");
        return channels.get(name);
    }

    @Override
    public boolean delete(String name) {
        Objects.requireNonNull(name, "name");
        ensureOpen();
        ChronicleChannelLog log = channels.remove(name);
        if (log == null) {
            return false;
        }
        Path dir = log.directory();
        StoreException failure = null;
        try {
            log.close();
        } catch (Throwable e) {
            failure = StoreFaults.wrap("channel " + name + ": cannot close " + dir, e);
        }
        BackgroundResourceReleaser.releasePendingResources(); // unmap and close its cycle files before unlinking
        // Rename first: one atomic step after which recovery no longer sees the channel, whatever happens next.
        Path trash = root.resolve(TRASH_PREFIX + System.nanoTime() + "-" + trashCounter.incrementAndGet());
        boolean renamed;
        try {
            Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
            renamed = true;
        } catch (IOException e) {
            trash = dir; // remove it in place
            renamed = false;
        }
        if (renamed) {
            try {
                diskOps.fsyncDirectory(root); // the channel stays deleted after a power loss
            } catch (Throwable e) {
                // Never retried (see ChannelLog): a store fault.
                StoreException se = StoreFaults.wrap("channel " + name + ": fsync failed in " + root, e);
                if (failure == null) {
                    failure = se;
                } else {
                    failure.addSuppressed(se);
                }
            }
        }
        try {
            FileOps.deleteTree(trash);
        } catch (IOException e) {
            if (!renamed) {
                StoreException se = new StoreException("channel " + name + ": cannot delete " + dir + ": "
                        + FileOps.oneLine(e), e);
                if (failure == null) {
                    failure = se;
                } else {
                    failure.addSuppressed(se);
                }
            }
            // else: the channel is gone; the leftover .deleted-* directory is removed at the next open
        }
        if (failure != null) {
            throw failure;
        }
        return true;
    }

    @Override
    public Collection<ChannelLog> channels() {
        return List.copyOf(channels.values());
    }

    /** The store's root directory (absolute). */
    public Path root() {
        return root;
    }

    public Options options() {
        return options;
    }

    /** The free-space budget the logs charge their appends to. */
    public DiskSpaceGuard spaceGuard() {
        return spaceGuard;
    }

    /**
     * What opening found worth logging: logs cut back to their last good record ({@link Options#truncateBadTail}).
     * Empty after a clean open. The store logs nothing itself.
     */
    public List<String> recoveryWarnings() {
        return java.util.Collections.unmodifiableList(warnings);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        StoreException failure = null;
        for (ChronicleChannelLog log : channels.values()) {
            try {
                log.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e instanceof StoreException se ? se : new StoreException(e.toString(), e);
                }
            }
        }
        channels.clear();
        if (lock != null) {
            lock.release();
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new StoreException("store " + root + " is closed");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Channel name <-> directory name

    /** The directory name of a channel: the name itself, with the few unsafe characters written as %XX. */
    static String directoryName(String channel) {
        if (channel.isEmpty()) {
            throw new StoreException("empty channel name");
        }
        StringBuilder sb = null;
        for (int i = 0; i < channel.length(); i++) {
            char c = channel.charAt(i);
            boolean escape = c == '%' || c == '/' || c == '\\' || c < 0x20 || c == 0x7f
                    || (i == 0 && (c == '_' || c == '.'));
            if (escape) {
                if (sb == null) {
                    sb = new StringBuilder(channel.length() + 8).append(channel, 0, i);
                }
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? channel : sb.toString();
    }

    /** The channel stored in directory {@code dirName}, or null when the name is not one {@link #directoryName} makes. */
    static String channelName(String dirName) {
        if (dirName.indexOf('%') < 0) {
            try {
                return directoryName(dirName).equals(dirName) ? dirName : null;
            } catch (StoreException e) {
                return null;
            }
        }
        StringBuilder sb = new StringBuilder(dirName.length());
        for (int i = 0; i < dirName.length(); i++) {
            char c = dirName.charAt(i);
            if (c == '%') {
                if (i + 2 >= dirName.length()) {
                    return null;
                }
                int hi = Character.digit(dirName.charAt(i + 1), 16);
                int lo = Character.digit(dirName.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                sb.append((char) (hi << 4 | lo));
                i += 2;
            } else {
                sb.append(c);
            }
        }
        String channel = sb.toString();
        try {
            return !channel.isEmpty() && directoryName(channel).equals(dirName) ? channel : null;
        } catch (StoreException e) {
            return null;
        }
    }

    /** The reason in words, as an operator reads it (no exception class names). */

}
