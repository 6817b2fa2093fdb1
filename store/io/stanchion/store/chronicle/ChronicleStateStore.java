package io.stanchion.store.chronicle;

import io.stanchion.store.ClientRecord;
import io.stanchion.store.DiskOps;
import io.stanchion.store.RecoveredState;
import io.stanchion.store.StateStore;
import io.stanchion.store.StoreException;
import io.stanchion.store.SubscriptionRecord;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.Jvm;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;
import net.openhft.chronicle.queue.rollcycles.LargeRollCycles;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.File;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The FILE store's {@link StateStore}: a journal of small typed records in Chronicle Queue, compacted into a snapshot
 * at every open and, rarely, while running. It lives in {@code <storeRoot>/_state/} ({@link #DIRECTORY}), which the
 * message store skips.
 *
 * <h2>Directory layout</h2>
 * <pre>
 * &lt;stateDir&gt;/
 *   .lock                      held (FileLock) while a store has the directory open
 *   gen-0000000007/            the current generation: one SingleChronicleQueue
 *     metadata.cq4t            Chronicle's metadata
 *     &lt;yyyyMMdd&gt;L.cq4          the journal (LARGE_DAILY naming; one file per generation, see below)
 *   .tmp-gen-0000000008/       a compaction being written (renamed to gen-0000000008 once complete); one left by a
 *                              crash is deleted at open
 *   gen-0000000006.damaged/    only after a recovery with truncateBadTail dropped records: the damaged generation,
 *                              kept for inspection (never read again; delete it at will)
 * </pre>
 * A generation's queue is built with a clock frozen at the generation's creation, so it never rolls: all its records
 * are in one cycle file, and a record's position in the generation (its <em>ordinal</em>, 0, 1, 2 ...) is its
 * Chronicle sequence number within that cycle.
 *
 * <h2>Record format (the on-disk format)</h2>
 * One record = one Chronicle data excerpt, written as raw bytes (no Wire field names or type tags), little-endian.
 * Chronicle adds its own 4-byte excerpt header (length + flags) in front.
 * <pre>
 * type(1) fields... crc(4)
 *
 * type  name           fields
 *    1  SERVER_INFO    clusterId:str ackToken:str
 *    2  CLIENT_ADD     id:str heartbeatInbox:str connId:bin protocol:i32 pingInterval:i32 pingMaxOut:i32
 *    3  CLIENT_DELETE  id:str
 *    4  SUB_PUT        id:i64 channel:str clientId:str inbox:str ackInbox:str queueGroup:str durableName:str
 *                      maxInFlight:i32 ackWaitNanos:i64 lastSent:i64 offline:u8(0|1)
 *    5  SUB_DELETE     id:i64
 *    6  SENT           subscriptionId:i64 sequence:i64
 *    7  ACKED          subscriptionId:i64 sequence:i64
 *    8  SNAPSHOT_END   formatVersion:i32 (= 1) maxSubscriptionId:i64
 *    9  SENT_RANGES    subscriptionId:i64 n:i32 then n times (first:i64 count:i32),
 *                      1 &lt;= n &lt;= 4096, count &gt;= 1:
 *                      a SENT of every sequence first .. first+count-1 of every range, in order
 *   10  ACKED_RANGES   the same for ACKED
 *
 * str = length:i32 then that many bytes of UTF-8; length -1 = null
 * bin = length:i32 then that many bytes;           length -1 = null
 * crc = CRC-32C (java.util.zip.CRC32C) of ordinal:i64 followed by every record byte from type to the last field
 * </pre>
 * The ordinal is not stored: the reader supplies the ordinal it expects, so a record that is damaged, missing (a
 * Chronicle header damaged so that the excerpt is skipped), or read at the wrong place fails its check. A record is
 * at most {@link #MAX_RECORD_BYTES}.
 *
 * <h2>Replay rules</h2>
 * Records apply in order: SERVER_INFO sets both values (last wins); CLIENT_ADD adds or replaces the client of that
 * id (a replaced client keeps its place in the order); CLIENT_DELETE removes it; SUB_PUT creates a subscription
 * (pending empty, last sent = the descriptor's) or replaces its descriptor, keeping its pending set, with last sent
 * = max(last sent, descriptor's); SUB_DELETE removes it and its pending set; SENT adds the sequence to the pending
 * set and raises last sent to it; ACKED removes it from the pending set; SENT and ACKED for an unknown (or deleted)
 * subscription are ignored. The largest subscription id ever seen is the max of every SUB_PUT/SUB_DELETE id and of
 * every SNAPSHOT_END's maxSubscriptionId (which carries it across compactions that drop deleted subscriptions).
 * Recovered clients keep journal order; recovered subscriptions are in ascending id order, pending ascending, and
 * each recovered descriptor carries the subscription's last sent (so it does not depend on when compactions ran).
 *
 * <h2>Generations and compaction</h2>
 * A generation starts with a snapshot of the live state: SERVER_INFO (when set), a CLIENT_ADD per client, per
 * subscription a SUB_PUT (last sent folded in) followed by SENT_RANGES records of its pending sequences, then
 * SNAPSHOT_END. (This version writes SENT and ACKED only as range records; it reads the single ones too.) Journal
 * records follow. A generation is <em>complete</em> once its SNAPSHOT_END is in.
 * <p>Opening replays the newest complete generation (a newer incomplete one is an interrupted compaction: it is
 * deleted, see below), then compacts: the recovered state is written as a snapshot into a new generation (number =
 * largest existing + 1), and every other generation is deleted. A new generation is written in
 * {@code .tmp-gen-N}, fsynced (its file, Chronicle's metadata file, its directory; {@link Options#syncCompaction}),
 * renamed to {@code gen-N} (then the state directory is fsynced) and reopened for appending; only then are older
 * generations deleted. So a crash leaves either a {@code .tmp-gen-N} (deleted at open) or a complete
 * {@code gen-N}, never a {@code gen-N} whose Chronicle files are half created. A new store thus starts with
 * generation 1 holding just SNAPSHOT_END. While running, the same compaction runs inside the write call (the owner
 * thread) once the records appended since the last compaction exceed
 * max({@link Options#compactionMinRecords}, {@link Options#compactionLiveFactor} &times; live records), live
 * records being what a snapshot of the current state would hold. The store keeps the live state in memory for
 * that (bitmap windows of the pending sequences, {@link SequenceSet}), so a compaction writes the snapshot without
 * reading the journal. If a running compaction fails, the new generation is deleted and the store goes on with the
 * old one (Chronicle's logger gets a warning; it is retried after as many records again).
 *
 * <h2>Torn writes and corruption</h2>
 * <ul>
 *   <li><b>kill -9 mid-write.</b> Chronicle writes an excerpt's payload after a header left at 0 and then sets the
 *   header to the length in one ordered 4-byte write (checked in chronicle-wire 2026.6, {@code AbstractWire
 *   .enterHeader/updateHeader}; a test kills a JVM inside a write to check it). A record is therefore either
 *   complete or invisible to a reader: a process crash leaves at most an unfinished excerpt whose header is still
 *   0 (or has the not-complete bit), which readers see as the end of the queue. Recovery treats it as not written,
 *   not as corruption. The stale write lock of the dead writer in {@code metadata.cq4t} does not matter: an old
 *   generation is only ever read (the opening compaction writes a new one); Chronicle may log that it force-unlocked
 *   it.</li>
 *   <li><b>Damage</b> (a torn page after a power loss without fsync, a flipped bit, a truncated file): a record
 *   whose CRC fails, whose excerpt is too short or too long, whose type is unknown or whose fields do not fill it
 *   exactly; or records the tailer cannot reach (a damaged excerpt header reads as the end of the queue, yet
 *   {@code queue.lastIndex()}, or the cycle file's write position, which Chronicle moves to an excerpt only once its
 *   header is complete, is beyond the last record read). In the newest complete
 *   generation this throws a {@link StoreException} naming the generation directory and file, the record's ordinal,
 *   Chronicle index and file offset, unless {@link Options#truncateBadTail} is set: then the state up to the last
 *   good record is recovered, a description goes to {@link #recoveryWarnings()} (the store logs nothing), the
 *   damaged generation is kept as {@code gen-N.damaged} and the store goes on with a fresh compacted generation.</li>
 *   <li>A {@code gen-N} without SNAPSHOT_END (this version never leaves one, thanks to the rename, but the rule
 *   stands) that is newer than the newest complete one is an interrupted compaction (compaction deletes older
 *   generations only after the new one is complete and synced), whatever its content, damaged or not: it is deleted
 *   and noted in {@link #recoveryWarnings()}, as are {@code .tmp-gen-N} directories. When no generation is complete, empty
 *   ones are a store creation that did not finish (a new store), and a non-empty one is an error (or, with
 *   truncateBadTail, replayed as far as it goes and kept as {@code gen-N.damaged}).</li>
 * </ul>
 *
 * <h2>Durability</h2>
 * Every call but {@link #sent} and {@link #acked} writes its record into the shared memory mapping of the journal
 * file before it returns (survives a process crash). {@code sent} and {@code acked} are buffered ({@link RunBuffer})
 * and written, in call order, as range records by the next {@link #flush(boolean) flush}, before the next record of
 * another type, when 4,096 runs are buffered, or at close: so the journal is always a prefix of the calls in their
 * order, and a crash loses at most the events since the last write-out. The engine flushes before it publishes
 * the deliveries it recorded (a crash can then only cause a redelivery) and at the end of every batch.
 * {@code flush(true)} then does {@code fdatasync} of the journal file (and, if the generation's directory entries
 * were not yet synced, of the metadata file and the directories). The queues are built with
 * {@code SyncMode.NONE}. Every fsync goes through the store's {@link DiskOps}; a failed one (in {@code flush} or in
 * a compaction) is never retried: the store throws {@link StoreException} and refuses every later write.
 *
 * <h2>Free space</h2>
 * Each record written by a call (and each write-out of buffered SENT/ACKED, as an upper bound) is charged to the
 * {@link DiskSpaceGuard} before anything is written or changed in memory: when it would leave less than
 * {@link Options#minFreeBytes} free, the call throws {@code StoreFullException} and the journal, the buffer and the
 * in-memory state are as before the call. A running compaction is skipped while the guard sees no room for the new
 * generation. The writes made while opening (the opening compaction) are not charged: a full file system there
 * fails the open (a mapped-access fault, see {@link ChronicleMessageStore}).
 *
 * <h2>Cost</h2>
 * SENT and ACKED go into a fixed buffer of runs; a write-out encodes one record per subscription and type into a
 * reused buffer, checksums it with the intrinsic CRC-32C and copies it into the excerpt (one Chronicle append for a
 * whole delivery pass instead of one per message); the in-memory state uses primitive hash structures, so neither
 * allocates (beyond occasional table resizes). A SENT
 * that changes nothing (the sequence already pending and not above last sent, e.g. a redelivery) and an ACKED of a
 * sequence that is not pending are not written, as replay would ignore them.
 *
 * <h2>Threading</h2>
 * One owner thread at a time (the SPI's contract); the constructor may run on another thread than later calls, so
 * Chronicle's own single-thread checks are switched off.
 */
public final class ChronicleStateStore implements StateStore {

    static {
        ChronicleSettings.apply();
    }

    /** The state directory's name under the store root. */
    public static final String DIRECTORY = "_state";
    static final String LOCK_FILE = ".lock";
    static final String GENERATION_PREFIX = "gen-";
    static final String DAMAGED_SUFFIX = ".damaged";
    static final String TEMPORARY_PREFIX = ".tmp-";
    private static final Pattern GENERATION_NAME = Pattern.compile("gen-(\\d{10})");
    private static final String METADATA_FILE = "metadata.cq4t";
    private static final String CYCLE_SUFFIX = ".cq4";

    static final int FORMAT_VERSION = 1;

    static final byte SERVER_INFO = 1;
    static final byte CLIENT_ADD = 2;
    static final byte CLIENT_DELETE = 3;
    static final byte SUB_PUT = 4;
    static final byte SUB_DELETE = 5;
    static final byte SENT = 6;
    static final byte ACKED = 7;
    static final byte SNAPSHOT_END = 8;
    static final byte SENT_RANGES = 9;
    static final byte ACKED_RANGES = 10;
    /** Ranges in one SENT_RANGES / ACKED_RANGES record at most (12 bytes each: far below the record limit). */
    static final int MAX_RANGES_PER_RECORD = RunBuffer.CAPACITY;

    /** Largest record (type to CRC). */
    public static final int MAX_RECORD_BYTES = 1 << 20;
    private static final int ORDINAL_BYTES = 8;
    private static final int CRC_BYTES = 4;
    private static final int MIN_RECORD_BYTES = 1 + CRC_BYTES;

    /**
     * Store options.
     *
     * @param truncateBadTail      when the journal is damaged, recover the state up to the last good record
     *                             (described in {@link #recoveryWarnings()}) instead of failing with a
     *                             {@link StoreException}; default false
     * @param syncCompaction       fsync a new generation (file, metadata, directories) before older ones are deleted;
     *                             default true. Without it a power loss soon after a compaction can lose the state.
     * @param compactionMinRecords a running compaction needs more than this many records appended since the last
     *                             one; default 1,000,000
     * @param compactionLiveFactor ... and more than this many times the live records; default 8
     * @param minFreeBytes         free space a journal write must leave, else it is refused with
     *                             {@code StoreFullException}; default {@link #DEFAULT_MIN_FREE} (32 MiB: half the
     *                             message logs' default, so acks and deliveries are still journaled once messages
     *                             are refused). A running compaction is skipped while it would not leave it free.
     */
    public record Options(boolean truncateBadTail, boolean syncCompaction, long compactionMinRecords,
                          int compactionLiveFactor, long minFreeBytes) {

        /** Default of {@link #minFreeBytes}: 32 MiB. */
        public static final long DEFAULT_MIN_FREE = ChronicleMessageStore.Options.DEFAULT_MIN_FREE / 2;

        public Options {
            if (minFreeBytes < 0) {
                throw new IllegalArgumentException("minFreeBytes " + minFreeBytes + " < 0");
            }
            if (compactionMinRecords < 1) {
                throw new IllegalArgumentException("compactionMinRecords " + compactionMinRecords + " < 1");
            }
            if (compactionLiveFactor < 1) {
                throw new IllegalArgumentException("compactionLiveFactor " + compactionLiveFactor + " < 1");
            }
        }

        public static Options defaults() {
            return new Options(false, true, 1_000_000, 8, DEFAULT_MIN_FREE);
        }

        public Options withTruncateBadTail(boolean truncate) {
            return new Options(truncate, syncCompaction, compactionMinRecords, compactionLiveFactor, minFreeBytes);
        }

        public Options withSyncCompaction(boolean sync) {
            return new Options(truncateBadTail, sync, compactionMinRecords, compactionLiveFactor, minFreeBytes);
        }

        public Options withCompaction(long minRecords, int liveFactor) {
            return new Options(truncateBadTail, syncCompaction, minRecords, liveFactor, minFreeBytes);
        }

        public Options withMinFreeBytes(long bytes) {
            return new Options(truncateBadTail, syncCompaction, compactionMinRecords, compactionLiveFactor, bytes);
        }
    }

    private final Path stateDir;
    private final Options options;
    private final DiskOps diskOps;
    /** Engine-thread owned (not used while opening); shared with the message store when the opener passes one. */
    private final DiskSpaceGuard spaceGuard;
    private final DirectoryLock lock;
    private final Encoder encoder = new Encoder();
    /** SENT and ACKED events not written yet (written by flush, before any other record, or when full). */
    private final RunBuffer buffered = new RunBuffer();
    private final List<String> warnings = new ArrayList<>();
    private RecoveredState recovered;
    private State state;
    private Generation current;
    /** Number for the next generation created (never reused, even for an abandoned compaction). */
    private long nextGeneration;
    private long appendedSinceCompaction;
    private long compactions;
    private boolean closed;
    /** Why the store refuses writes after a failed append, or null. */
    private String broken;

    /** Opens (creating if needed) the state store in {@code stateDir} with {@link Options#defaults()}. */
    public ChronicleStateStore(Path stateDir) {
        this(stateDir, Options.defaults());
    }

    /** As {@link #ChronicleStateStore(Path, Options)} with the defaults but {@link Options#truncateBadTail}. */
    public ChronicleStateStore(Path stateDir, boolean truncateBadTail) {
        this(stateDir, Options.defaults().withTruncateBadTail(truncateBadTail));
    }

    /**
     * Opens the state store in {@code stateDir} (normally {@code <storeRoot>/_state}, see {@link #inStoreRoot}),
     * creating it if needed, recovers its state and compacts it into a new generation.
     *
     * @throws StoreException when the directory cannot be created or written, is in use by another store, or holds a
     *                        damaged journal (unless {@link Options#truncateBadTail})
     */
    public ChronicleStateStore(Path stateDir, Options options) {
        this(stateDir, options, DiskOps.SYSTEM, null);
    }

    /**
     * As {@link #ChronicleStateStore(Path, Options)}, with every fsync and the free-space query going through
     * {@code diskOps}, and journal writes charged to {@code spaceGuard} (shared with the message store on the same
     * file system; null for one of the store's own).
     */
    public ChronicleStateStore(Path stateDir, Options options, DiskOps diskOps, DiskSpaceGuard spaceGuard) {
        this.options = Objects.requireNonNull(options, "options");
        this.diskOps = Objects.requireNonNull(diskOps, "diskOps");
        this.stateDir = prepareDirectory(Objects.requireNonNull(stateDir, "stateDir"));
        this.spaceGuard = spaceGuard != null ? spaceGuard : new DiskSpaceGuard(this.stateDir, diskOps);
        this.lock = DirectoryLock.acquire(this.stateDir.resolve(LOCK_FILE), "state directory " + this.stateDir
                + " is in use by another store (lock " + this.stateDir.resolve(LOCK_FILE) + ")");
        try {
            recover();
        } catch (Throwable e) {
            try {
                close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw StoreFaults.wrap("state directory " + this.stateDir + ": cannot open", e);
        }
    }

    /** Opens the state store of the store rooted at {@code storeRoot}: {@code <storeRoot>/_state}. */
    public static ChronicleStateStore inStoreRoot(Path storeRoot, Options options) {
        return new ChronicleStateStore(storeRoot.resolve(DIRECTORY), options);
    }

    private static Path prepareDirectory(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new StoreException("state directory " + abs + " exists and is not a directory");
        }
        try {
            Files.createDirectories(abs);
        } catch (IOException | SecurityException e) {
            throw new StoreException("cannot create state directory " + abs + ": " + e, e);
        }
        if (!Files.isWritable(abs)) {
            throw new StoreException("state directory " + abs + " is not writable");
        }
        return abs;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Recovery

    private void recover() {
        for (Path tmp : temporaryDirectories(stateDir)) {
            try {
                FileOps.deleteTree(tmp);
                warnings.add("discarded " + tmp + ": an interrupted compaction");
            } catch (IOException e) {
                throw new StoreException("cannot delete the interrupted compaction " + tmp + ": " + e, e);
            }
        }
        List<Long> numbers = generationNumbers(stateDir);
        numbers.sort(Comparator.reverseOrder());
        State chosen = null;
        long chosenNumber = -1;
        boolean keepDamaged = false;
        // Newest first, up to the first complete generation; the newer ones are interrupted compactions.
        List<Candidate> incomplete = new ArrayList<>();
        for (long n : numbers) {
            Path dir = generationDir(stateDir, n);
            State s = new State();
            Replay r = replay(dir, s);
            if (!r.sawEnd) {
                incomplete.add(new Candidate(n, r, s));
                continue;
            }
            if (r.problem != null) {
                if (!options.truncateBadTail) {
                    throw new StoreException(r.problem + " (opening with truncateBadTail recovers the state up to"
                            + " the last good record)");
                }
                warnings.add(r.problem + "; recovered the state up to the last good record (" + r.records
                        + " records); the damaged generation is kept as " + damagedName(dir));
                keepDamaged = true;
            }
            chosen = s;
            chosenNumber = n;
            break;
        }
        for (Candidate inc : incomplete) {
            long n = inc.number();
            Replay r = inc.replay();
            Path dir = generationDir(stateDir, n);
            boolean empty = r.records == 0 && r.problem == null;
            if (chosen != null && chosenNumber > n) {
                warnings.add("discarded " + dir + ": older than the recovered generation, without SNAPSHOT_END");
            } else if (chosen != null) {
                // Compaction deletes older generations only once the new one is complete (and synced).
                warnings.add("discarded " + dir + ": an interrupted compaction ("
                        + (empty ? "empty" : r.records + " records, no SNAPSHOT_END")
                        + (r.problem == null ? "" : "; " + r.problem) + ")");
            } else if (!empty && !keepDamaged) {
                // No complete generation at all, yet this one holds something: not a store creation that stopped
                // before its first record.
                String what = "state journal " + dir + " has " + r.records + " records but no SNAPSHOT_END, and no"
                        + " complete generation to fall back to" + (r.problem == null ? "" : "; " + r.problem);
                if (!options.truncateBadTail) {
                    throw new StoreException(what + " (opening with truncateBadTail recovers what it holds)");
                }
                warnings.add(what + "; recovered the state it holds; the generation is kept as "
                        + damagedName(dir));
                chosen = inc.state();
                chosenNumber = n;
                keepDamaged = true;
            }
        }
        State live = chosen != null ? chosen : new State();
        recovered = live.toRecovered();
        state = live;
        nextGeneration = (numbers.isEmpty() ? 0 : numbers.get(0)) + 1;

        current = writeGeneration(live);
        compactions++;
        for (long n : numbers) {
            Path dir = generationDir(stateDir, n);
            if (n == chosenNumber && keepDamaged) {
                try {
                    Files.move(dir, damagedName(dir));
                } catch (IOException e) {
                    warnings.add("could not rename the damaged generation " + dir + ": " + e);
                }
            } else {
                try {
                    FileOps.deleteTree(dir);
                } catch (IOException e) {
                    warnings.add("could not delete the old generation " + dir + " (it is ignored): " + e);
                }
            }
        }
    }

    private record Candidate(long number, Replay replay, State state) {
    }

    /** Where a damaged generation is kept: {@code gen-N.damaged}, or {@code gen-N.damaged-2} ... when taken. */
    private static Path damagedName(Path dir) {
        Path p = dir.resolveSibling(dir.getFileName() + DAMAGED_SUFFIX);
        Path candidate = p;
        for (int i = 2; Files.exists(candidate); i++) {
            candidate = p.resolveSibling(p.getFileName() + "-" + i);
        }
        return candidate;
    }

    /** The replay of one generation into a state. */
    static final class Replay {
        /** Good records applied. */
        long records;
        /** A SNAPSHOT_END was applied. */
        boolean sawEnd;
        /** Description of the first bad record (or unreachable records), or null. */
        String problem;
    }

    /** Replays generation directory {@code dir} into {@code s}, stopping at the first bad record. */
    static Replay replay(Path dir, State s) {
        Replay r = new Replay();
        Decoder decoder = new Decoder();
        File file = null;
        long lastIndex = Long.MIN_VALUE;
        long lastPosition = -1;
        long lastEnd = -1;
        try (SingleChronicleQueue queue = openQueue(dir, System.currentTimeMillis());
             ExcerptTailer tailer = queue.createTailer()) {
            tailer.singleThreadedCheckDisabled(true);
            while (true) {
                long index = -1;
                long position = -1;
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        break;
                    }
                    if (file == null) {
                        file = tailer.currentFile();
                    }
                    Bytes<?> bytes = dc.wire().bytes();
                    index = dc.index();
                    position = bytes.readPosition() - 4;
                    String bad = decoder.readAndApply(bytes, r.records, s);
                    if (bad != null) {
                        r.problem = where(dir, file, r.records, index, position) + ": " + bad;
                        break;
                    }
                    lastEnd = bytes.readPosition() + bytes.readRemaining();
                } catch (RuntimeException e) {
                    r.problem = (index == -1
                            ? where(dir, file, r.records, -1, -1) + " (after file offset " + lastEnd + ")"
                            : where(dir, file, r.records, index, position))
                            + ": cannot be read: " + e;
                    break;
                }
                if (decoder.type == SNAPSHOT_END) {
                    r.sawEnd = true;
                }
                r.records++;
                lastIndex = index;
                lastPosition = position;
            }
            if (r.problem == null) {
                String hidden;
                try {
                    hidden = hiddenRecords(queue, lastIndex, lastPosition);
                } catch (RuntimeException e) {
                    hidden = "the end of the queue cannot be found: " + e;
                }
                if (hidden != null) {
                    r.problem = where(dir, file, r.records, -1, -1) + " (after file offset " + lastEnd
                            + ") cannot be read, but " + hidden;
                }
            }
        } catch (RuntimeException e) {
            if (r.problem == null) {
                r.problem = "state journal " + dir + ": cannot read the queue after " + r.records + " records: " + e;
            }
        }
        return r;
    }

    /**
     * After the tailer found no further record: whether Chronicle knows of records beyond the last one read (at
     * {@code lastIndex}, excerpt header at {@code lastPosition}; {@code Long.MIN_VALUE} and -1 when none was read),
     * which a damaged excerpt header hides from the tailer. Two checks: the queue's last index (from its write
     * position and index), and the cycle file's write position itself (the header of the last excerpt completed;
     * Chronicle moves it only after completing that header, so it is never past a torn write).
     *
     * @return a description of the hidden records, or null
     */
    private static String hiddenRecords(SingleChronicleQueue queue, long lastIndex, long lastPosition) {
        long end = queue.lastIndex();
        if (end != -1 && end > lastIndex) {
            return "the queue's last record is at Chronicle index 0x" + Long.toHexString(end)
                    + ": a damaged excerpt header hides the records from here on";
        }
        int cycle = queue.lastCycle();
        if (cycle == Integer.MIN_VALUE) {
            return null; // no cycle file
        }
        SingleChronicleQueueStore store = queue.storeForCycle(cycle, queue.epoch(), false, null);
        if (store == null) {
            return null;
        }
        try {
            long writePosition = store.writePosition();
            boolean readInCycle = lastIndex != Long.MIN_VALUE && queue.rollCycle().toCycle(lastIndex) == cycle;
            // 0: no excerpt was ever completed in the file.
            if (writePosition > 0 && (!readInCycle || writePosition > lastPosition)) {
                return "the last excerpt completed in " + store.file() + " is at offset " + writePosition
                        + ": a damaged excerpt header hides the records from here on";
            }
            return null;
        } finally {
            queue.closeStore(store);
        }
    }

    private static String where(Path dir, File file, long ordinal, long index, long position) {
        StringBuilder sb = new StringBuilder("state journal ").append(dir).append(" is damaged: ");
        sb.append("record #").append(ordinal);
        if (index != -1) {
            sb.append(" (Chronicle index 0x").append(Long.toHexString(index)).append(", excerpt header at offset ")
                    .append(position).append(" of ").append(file == null ? cycleFileName(dir) : file.getPath())
                    .append(')');
        } else {
            sb.append(" in ").append(file == null ? cycleFileName(dir) : file.getPath());
        }
        return sb.toString();
    }

    private static String cycleFileName(Path dir) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*" + CYCLE_SUFFIX)) {
            for (Path p : s) {
                return p.toString();
            }
        } catch (IOException ignored) {
            // only for a message
        }
        return dir + "/*" + CYCLE_SUFFIX;
    }

    // ------------------------------------------------------------------------------------------------------------
    // StateStore

    @Override
    public RecoveredState recovered() {
        return recovered;
    }

    /**
     * What recovery found worth logging: damaged records dropped under {@link Options#truncateBadTail}, interrupted
     * compactions discarded, old generations that could not be deleted. Empty after a clean open.
     */
    public List<String> recoveryWarnings() {
        return Collections.unmodifiableList(warnings);
    }

    @Override
    public void serverInfo(String clusterId, String ackToken) {
        beginWrite();
        encodeServerInfo(clusterId, ackToken); // first: a record too large changes nothing
        reserveEncoded();
        state.clusterId = clusterId;
        state.ackToken = ackToken;
        append();
    }

    @Override
    public void addClient(ClientRecord client) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(client.id(), "client.id");
        beginWrite();
        ClientRecord copy = client.connId() == null ? client
                : new ClientRecord(client.id(), client.heartbeatInbox(), client.connId().clone(), client.protocol(),
                client.pingInterval(), client.pingMaxOut());
        encodeClient(copy);
        reserveEncoded();
        state.clients.put(copy.id(), copy);
        append();
    }

    @Override
    public void deleteClient(String clientId) {
        Objects.requireNonNull(clientId, "clientId");
        beginWrite();
        encoder.begin(CLIENT_DELETE);
        encoder.putString(clientId);
        reserveEncoded();
        state.clients.remove(clientId);
        append();
    }

    @Override
    public void putSubscription(SubscriptionRecord sub) {
        Objects.requireNonNull(sub, "sub");
        beginWrite();
        encodeSubscription(sub, sub.lastSent());
        reserveEncoded();
        state.putSubscription(sub);
        append();
    }

    @Override
    public void deleteSubscription(long subscriptionId) {
        beginWrite();
        encoder.begin(SUB_DELETE);
        encoder.putLong(subscriptionId);
        reserveEncoded();
        state.deleteSubscription(subscriptionId);
        append();
    }

    @Override
    public void sent(long subscriptionId, long sequence) {
        ensureWritable();
        makeRoomForRun();
        if (!state.sent(subscriptionId, sequence)) {
            return; // replay would ignore it
        }
        buffer(SENT, subscriptionId, sequence);
    }

    @Override
    public void acked(long subscriptionId, long sequence) {
        ensureWritable();
        makeRoomForRun();
        if (!state.acked(subscriptionId, sequence)) {
            return; // not pending: replay would ignore it
        }
        buffer(ACKED, subscriptionId, sequence);
    }

    @Override
    public void flush(boolean fsync) {
        ensureWritable();
        writeBuffered();
        if (!fsync) {
            return; // every record is now in the shared mapping
        }
        Generation g = current;
        try {
            g.fsync(true, true);
        } catch (Throwable e) {
            // Never retried: the journal refuses every further write (see ChannelLog's contract).
            StoreException failure = StoreFaults.wrap("state journal " + g.dir + ": fsync failed", e);
            broken = failure.getMessage();
            throw failure;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        StoreException failure = null;
        if (broken == null && current != null) {
            try {
                writeBuffered();
            } catch (StoreException e) {
                failure = e;
            }
        }
        closed = true;
        Generation g = current;
        current = null;
        if (g != null) {
            try {
                g.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = new StoreException("state journal " + g.dir + ": close failed: " + e, e);
                }
            }
        }
        if (lock != null) {
            lock.release();
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** The state directory (absolute). */
    public Path directory() {
        return stateDir;
    }

    /** Number of the current generation (its directory is {@code gen-} and the number in 10 digits). */
    public long generation() {
        ensureOpen();
        return current.number;
    }

    /** Compactions done by this instance, the one at open included. */
    public long compactions() {
        return compactions;
    }

    public Options options() {
        return options;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Writing

    private void ensureOpen() {
        if (closed) {
            throw new StoreException("state store " + stateDir + " is closed");
        }
    }

    private void ensureWritable() {
        if (closed || broken != null) {
            ensureOpen();
            throw new StoreException("state journal " + stateDir + " is unusable after an earlier failure: " + broken);
        }
    }

    /** {@link #ensureWritable()}, then the buffered events go first, so that the journal keeps the call order. */
    private void beginWrite() {
        ensureWritable();
        writeBuffered();
    }

    /**
     * Writes the buffer out when it is full, before the caller changes the in-memory state: a write-out refused for
     * lack of space then leaves state, buffer and journal as they were.
     */
    private void makeRoomForRun() {
        if (buffered.runs() == RunBuffer.CAPACITY) {
            writeBuffered();
        }
    }

    /** Charges the record in the encoder to the space guard (StoreFullException: nothing written or changed). */
    private void reserveEncoded() {
        spaceGuard.reserve(recordDiskCost(encoder.position() - ORDINAL_BYTES + CRC_BYTES), options.minFreeBytes);
    }

    /**
     * Disk bytes a record of {@code recordBytes} (type to CRC) occupies, an upper bound: Chronicle's 4-byte header,
     * up to 3 bytes of padding, 8 bytes of index.
     */
    static long recordDiskCost(long recordBytes) {
        return recordBytes + 4 + 3 + 8;
    }

    private void buffer(byte type, long subscriptionId, long sequence) {
        if (!buffered.add(type, subscriptionId, sequence)) {
            writeBuffered();
            buffered.add(type, subscriptionId, sequence);
        }
    }

    /**
     * Writes the buffered events, one SENT_RANGES / ACKED_RANGES record per group of adjacent runs of one type and
     * subscription; compacts when due (only here and after other records, when nothing is buffered: a snapshot
     * holds the live state, which already includes the buffered events).
     */
    private void writeBuffered() {
        RunBuffer b = buffered;
        if (b.isEmpty()) {
            return;
        }
        Generation g = current;
        Encoder e = encoder;
        // An upper bound: as if every run were a record of its own (type, subscription, count, one range, CRC).
        spaceGuard.reserve(b.runs() * recordDiskCost(1 + 8 + 4 + 12 + CRC_BYTES), options.minFreeBytes);
        try {
            for (int i = 0; i < b.runs(); ) {
                int end = b.groupEnd(i);
                e.begin(b.type(i) == SENT ? SENT_RANGES : ACKED_RANGES);
                e.putLong(b.subscription(i));
                e.putInt(end - i);
                for (int j = i; j < end; j++) {
                    e.putLong(b.first(j));
                    e.putInt(b.count(j));
                }
                writeRecord(g);
                i = end;
            }
        } catch (Throwable ex) {
            StoreException failure = StoreFaults.wrap("state journal " + g.dir + ": cannot append", ex);
            broken = failure.getMessage();
            throw failure;
        }
        long events = b.events();
        b.clear();
        appended(events);
    }

    /** Appends the encoded record to the current generation; compacts when due. */
    private void append() {
        Generation g = current;
        try {
            writeRecord(g);
        } catch (Throwable e) {
            // The record may or may not be in the queue; the ordinals would no longer match: refuse further writes.
            StoreException failure = StoreFaults.wrap("state journal " + g.dir + ": cannot append", e);
            broken = failure.getMessage();
            throw failure;
        }
        appended(1);
    }

    /** Counts {@code events} (records, or buffered SENT/ACKED events) towards the next running compaction. */
    private void appended(long events) {
        long n = appendedSinceCompaction += events;
        if (n > options.compactionMinRecords && n > options.compactionLiveFactor * state.liveRecords()) {
            compactRunning();
        }
    }

    private void writeRecord(Generation g) {
        Encoder e = encoder;
        int end = e.finish(g.ordinal);
        g.append(e.buf, ORDINAL_BYTES, end - ORDINAL_BYTES);
    }

    /**
     * Writes {@code s} as a new complete generation: the snapshot and SNAPSHOT_END go into a temporary directory
     * ({@code .tmp-gen-N}), which is synced ({@link Options#syncCompaction}) and then renamed to {@code gen-N}; the
     * queue is then reopened there for appending. So a crash never leaves a {@code gen-N} without its SNAPSHOT_END
     * (Chronicle's own files can be half-initialised when a process dies while creating a queue).
     *
     * @throws StoreException when it fails; nothing is left behind, unless the renamed generation cannot be removed
     *                        again, in which case the store is marked broken (that generation would win at the next
     *                        open over anything appended to the old one)
     */
    private Generation writeGeneration(State s) {
        long n = nextGeneration++;
        Path dir = generationDir(stateDir, n);
        Path tmp = stateDir.resolve(TEMPORARY_PREFIX + dir.getFileName());
        Generation g = null;
        try {
            FileOps.deleteTree(tmp);
            g = Generation.create(tmp, n, diskOps);
            writeSnapshot(g, s);
            if (options.syncCompaction) {
                try {
                    g.fsync(true, false);
                } catch (IOException | RuntimeException e) {
                    broken = "fsync failed in " + tmp + ": " + FileOps.oneLine(e); // never retried
                    throw e;
                }
            }
            g.close();
        } catch (Throwable e) {
            if (g != null) {
                g.closeQuietly();
            }
            deleteTreeQuietly(tmp);
            throw StoreFaults.wrap("state directory " + stateDir + ": cannot write generation " + dir, e);
        }
        try {
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (Throwable e) {
            deleteTreeQuietly(tmp);
            throw StoreFaults.wrap("state directory " + stateDir + ": cannot rename " + tmp + " to " + dir, e);
        }
        try {
            if (options.syncCompaction) {
                try {
                    diskOps.fsyncDirectory(stateDir);
                } catch (IOException | RuntimeException e) {
                    broken = "fsync failed in " + stateDir + ": " + FileOps.oneLine(e); // never retried
                    throw e;
                }
            }
            return Generation.reopen(g, dir, !options.syncCompaction);
        } catch (Throwable e) {
            try {
                FileOps.deleteTree(dir);
            } catch (IOException | RuntimeException e2) {
                broken = "generation " + dir + " is complete but could not be opened (" + e + ") nor removed (" + e2
                        + ")";
            }
            throw StoreFaults.wrap("state directory " + stateDir + ": cannot open the new generation " + dir, e);
        }
    }

    /** Writes the snapshot of {@code s} followed by SNAPSHOT_END into the new generation {@code g}. */
    private void writeSnapshot(Generation g, State s) {
        if (s.clusterId != null || s.ackToken != null) {
            encodeServerInfo(s.clusterId, s.ackToken);
            writeRecord(g);
        }
        for (ClientRecord c : s.clients.values()) {
            encodeClient(c);
            writeRecord(g);
        }
        for (Sub sub : s.sortedSubscriptions()) {
            encodeSubscription(sub.descriptor, sub.lastSent);
            writeRecord(g);
            writePendingRanges(g, sub.descriptor.id(), sub.pending.toSortedArray());
        }
        encoder.begin(SNAPSHOT_END);
        encoder.putInt(FORMAT_VERSION);
        encoder.putLong(s.maxSubscriptionId);
        writeRecord(g);
    }

    /** Writes ascending {@code pending} as SENT_RANGES records of at most {@link #MAX_RANGES_PER_RECORD} ranges. */
    private void writePendingRanges(Generation g, long subscriptionId, long[] pending) {
        int i = 0;
        while (i < pending.length) {
            Encoder e = encoder;
            e.begin(SENT_RANGES);
            e.putLong(subscriptionId);
            int countAt = e.position();
            e.putInt(0);
            int ranges = 0;
            while (i < pending.length && ranges < MAX_RANGES_PER_RECORD) {
                long first = pending[i];
                int n = 1;
                while (i + n < pending.length && pending[i + n] == first + n && n < Integer.MAX_VALUE) {
                    n++;
                }
                e.putLong(first);
                e.putInt(n);
                i += n;
                ranges++;
            }
            e.putIntAt(countAt, ranges);
            writeRecord(g);
        }
    }

    /** A compaction while running, on the owner thread inside a write call. */
    private void compactRunning() {
        appendedSinceCompaction = 0;
        if (!spaceGuard.hasRoom(snapshotDiskBytes(state), options.minFreeBytes)) {
            // The old generation stays; retried after as many records again.
            Jvm.warn().on(ChronicleStateStore.class, "state journal compaction skipped: not enough free space");
            return;
        }
        Generation old = current;
        Generation next;
        try {
            next = writeGeneration(state);
        } catch (StoreException e) {
            if (broken != null) {
                throw e;
            }
            Jvm.warn().on(ChronicleStateStore.class, "state journal compaction failed; going on with " + old.dir, e);
            return;
        }
        // The new generation is complete (and synced): from now on it is the one recovery picks.
        current = next;
        compactions++;
        old.closeQuietly();
        try {
            FileOps.deleteTree(old.dir);
        } catch (IOException e) {
            Jvm.warn().on(ChronicleStateStore.class, "could not delete the old state generation " + old.dir
                    + " (it is ignored and deleted at the next open)", e);
        }
    }

    /**
     * Disk bytes a snapshot of {@code s} may take, a rough upper bound: a new queue, 512 bytes per client and
     * subscription record, 12 bytes per pending sequence (one range each at worst).
     */
    private static long snapshotDiskBytes(State s) {
        return ChronicleChannelLog.newQueueBytes(LargeRollCycles.LARGE_DAILY)
                + (s.clients.size() + s.subs.size() + 2L) * recordDiskCost(512) + s.pendingCount * 12;
    }

    private void encodeServerInfo(String clusterId, String ackToken) {
        Encoder e = encoder;
        e.begin(SERVER_INFO);
        e.putString(clusterId);
        e.putString(ackToken);
    }

    private void encodeClient(ClientRecord c) {
        Encoder e = encoder;
        e.begin(CLIENT_ADD);
        e.putString(c.id());
        e.putString(c.heartbeatInbox());
        e.putBytes(c.connId());
        e.putInt(c.protocol());
        e.putInt(c.pingInterval());
        e.putInt(c.pingMaxOut());
    }

    private void encodeSubscription(SubscriptionRecord r, long lastSent) {
        Encoder e = encoder;
        e.begin(SUB_PUT);
        e.putLong(r.id());
        e.putString(r.channel());
        e.putString(r.clientId());
        e.putString(r.inbox());
        e.putString(r.ackInbox());
        e.putString(r.queueGroup());
        e.putString(r.durableName());
        e.putInt(r.maxInFlight());
        e.putLong(r.ackWaitNanos());
        e.putLong(lastSent);
        e.putByte(r.offline() ? 1 : 0);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Generations and files

    static Path generationDir(Path stateDir, long number) {
        return stateDir.resolve(String.format("%s%010d", GENERATION_PREFIX, number));
    }

    /** Numbers of the {@code gen-NNNNNNNNNN} directories in {@code stateDir}, in no particular order. */
    static List<Long> generationNumbers(Path stateDir) {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(stateDir)) {
            for (Path p : s) {
                Matcher m = GENERATION_NAME.matcher(p.getFileName().toString());
                if (m.matches() && Files.isDirectory(p)) {
                    out.add(Long.parseLong(m.group(1)));
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot list state directory " + stateDir + ": " + e, e);
        }
        return out;
    }

    /** The {@code .tmp-gen-NNNNNNNNNN} directories in {@code stateDir}: compactions that did not finish. */
    static List<Path> temporaryDirectories(Path stateDir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(stateDir)) {
            for (Path p : s) {
                String name = p.getFileName().toString();
                if (name.startsWith(TEMPORARY_PREFIX)
                        && GENERATION_NAME.matcher(name.substring(TEMPORARY_PREFIX.length())).matches()) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot list state directory " + stateDir + ": " + e, e);
        }
        return out;
    }

    private static SingleChronicleQueue openQueue(Path dir, long frozenMillis) {
        // A clock frozen at the generation's creation: the queue never rolls (one cycle file per generation).
        TimeProvider frozen = () -> frozenMillis;
        return SingleChronicleQueueBuilder.binary(dir)
                .rollCycle(LargeRollCycles.LARGE_DAILY)
                .timeProvider(frozen)
                .syncMode(SyncMode.NONE)
                .build();
    }

    /** One generation's queue, written by the owner thread. */
    static final class Generation {
        final long number;
        final Path dir;
        private final DiskOps ops;
        /** The queue's frozen clock: its one cycle. */
        private final long frozenMillis;
        private final SingleChronicleQueue queue;
        private final ExcerptAppender appender;
        /** Ordinal of the next record. */
        long ordinal;
        private File file;
        private FileChannel syncChannel;
        private boolean unsynced;
        /** The directory entries (this generation's directory, its files) are not yet synced. */
        private boolean directoriesUnsynced;

        private Generation(long number, Path dir, DiskOps ops, long frozenMillis, long ordinal,
                           boolean directoriesUnsynced) {
            this.number = number;
            this.dir = dir;
            this.ops = ops;
            this.frozenMillis = frozenMillis;
            this.ordinal = ordinal;
            this.directoriesUnsynced = directoriesUnsynced;
            SingleChronicleQueue q = openQueue(dir, frozenMillis);
            ExcerptAppender app;
            try {
                app = q.createAppender();
                app.singleThreadedCheckDisabled(true);
            } catch (RuntimeException e) {
                q.close();
                throw e;
            }
            this.queue = q;
            this.appender = app;
        }

        /** A new generation's queue in the new directory {@code dir}. */
        static Generation create(Path dir, long number, DiskOps ops) throws IOException {
            Files.createDirectory(dir);
            return new Generation(number, dir, ops, System.currentTimeMillis(), 0, true);
        }

        /** The closed generation {@code g}, moved to {@code dir}, opened again to append after its records. */
        static Generation reopen(Generation g, Path dir, boolean directoriesUnsynced) {
            return new Generation(g.number, dir, g.ops, g.frozenMillis, g.ordinal, directoriesUnsynced);
        }

        void append(byte[] buf, int offset, int length) {
            DocumentContext dc = appender.writingDocument();
            try {
                dc.wire().bytes().write(buf, offset, length);
            } catch (Throwable t) {
                dc.rollbackOnClose();
                throw t;
            } finally {
                dc.close();
            }
            ordinal++;
            unsynced = true;
        }

        /**
         * fdatasync of the journal file; with {@code withDirectories}, also (once) of the metadata file, the
         * generation's directory and, with {@code withParent}, the state directory.
         */
        void fsync(boolean withDirectories, boolean withParent) throws IOException {
            if (unsynced) {
                if (syncChannel == null) {
                    File f = appender.currentFile();
                    if (f == null) {
                        f = new File(cycleFileName(dir));
                    }
                    file = f;
                    syncChannel = FileChannel.open(f.toPath(), StandardOpenOption.WRITE);
                }
                ops.force(syncChannel, file.toPath(), false);
                unsynced = false;
            }
            if (withDirectories && directoriesUnsynced) {
                Path metadata = dir.resolve(METADATA_FILE);
                if (Files.isRegularFile(metadata)) {
                    ops.fsyncFile(metadata);
                }
                ops.fsyncDirectory(dir);
                if (withParent) {
                    ops.fsyncDirectory(dir.getParent());
                }
                directoriesUnsynced = false;
            }
        }

        void close() {
            FileOps.closeQuietly(syncChannel);
            syncChannel = null;
            RuntimeException failure = null;
            for (AutoCloseable c : new AutoCloseable[]{appender, queue}) {
                try {
                    c.close();
                } catch (Exception e) {
                    if (failure == null) {
                        failure = e instanceof RuntimeException re ? re : new StoreException(e.toString(), e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        }

        void closeQuietly() {
            try {
                close();
            } catch (RuntimeException ignored) {
                // best effort
            }
        }

        @Override
        public String toString() {
            return "Generation[" + dir + ", " + ordinal + " records" + (file == null ? "" : ", " + file) + "]";
        }
    }



    private static void deleteTreeQuietly(Path root) {
        try {
            FileOps.deleteTree(root);
        } catch (IOException ignored) {
            // a generation without SNAPSHOT_END is discarded at the next open anyway
        }
    }


    // ------------------------------------------------------------------------------------------------------------
    // Live state (the same rules at replay and while running)

    static final class Sub {
        SubscriptionRecord descriptor;
        long lastSent;
        final SequenceSet pending = new SequenceSet();
    }

    static final class State {
        String clusterId;
        String ackToken;
        final LinkedHashMap<String, ClientRecord> clients = new LinkedHashMap<>();
        final LongObjectHashMap<Sub> subs = new LongObjectHashMap<>();
        long maxSubscriptionId;
        /** Sum of the pending set sizes. */
        long pendingCount;

        void putSubscription(SubscriptionRecord r) {
            Sub s = subs.get(r.id());
            if (s == null) {
                s = new Sub();
                s.lastSent = r.lastSent();
                subs.put(r.id(), s);
            } else {
                s.lastSent = Math.max(s.lastSent, r.lastSent());
            }
            s.descriptor = r;
            maxSubscriptionId = Math.max(maxSubscriptionId, r.id());
        }

        void deleteSubscription(long id) {
            Sub s = subs.remove(id);
            if (s != null) {
                pendingCount -= s.pending.size();
            }
            maxSubscriptionId = Math.max(maxSubscriptionId, id);
        }

        /** @return true when the state changed */
        boolean sent(long id, long seq) {
            Sub s = subs.get(id);
            if (s == null) {
                return false;
            }
            boolean added = s.pending.add(seq);
            if (added) {
                pendingCount++;
            }
            if (seq > s.lastSent) {
                s.lastSent = seq;
                return true;
            }
            return added;
        }

        /** @return true when the state changed */
        boolean acked(long id, long seq) {
            Sub s = subs.get(id);
            if (s == null || !s.pending.remove(seq)) {
                return false;
            }
            pendingCount--;
            return true;
        }

        /** Records a snapshot of this state holds. */
        long liveRecords() {
            return (clusterId != null || ackToken != null ? 1 : 0) + clients.size() + subs.size() + pendingCount + 1;
        }

        List<Sub> sortedSubscriptions() {
            List<Sub> list = subs.values();
            list.sort(Comparator.comparingLong(x -> x.descriptor.id()));
            return list;
        }

        RecoveredState toRecovered() {
            List<RecoveredState.RecoveredSubscription> rs = new ArrayList<>(subs.size());
            for (Sub s : sortedSubscriptions()) {
                rs.add(new RecoveredState.RecoveredSubscription(withLastSent(s.descriptor, s.lastSent), s.lastSent,
                        s.pending.toSortedArray()));
            }
            return new RecoveredState(clusterId, ackToken, List.copyOf(clients.values()), List.copyOf(rs),
                    maxSubscriptionId);
        }
    }

    /** {@code r} with its last sent replaced (r itself when it already has it). */
    static SubscriptionRecord withLastSent(SubscriptionRecord r, long lastSent) {
        if (r.lastSent() == lastSent) {
            return r;
        }
        return new SubscriptionRecord(r.id(), r.channel(), r.clientId(), r.inbox(), r.ackInbox(), r.queueGroup(),
                r.durableName(), r.maxInFlight(), r.ackWaitNanos(), lastSent, r.offline());
    }

    // ------------------------------------------------------------------------------------------------------------
    // Encoding

    /** Encodes one record at a time into a reused buffer: 8 bytes of ordinal (not written), type, fields, CRC. */
    static final class Encoder {
        byte[] buf = new byte[512];
        private ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
        private final CRC32C crc = new CRC32C();

        void begin(byte type) {
            bb.clear();
            bb.position(ORDINAL_BYTES);
            bb.put(type);
        }

        /** Room for {@code n} more bytes and the CRC, within {@link #MAX_RECORD_BYTES}. */
        private void ensure(int n) {
            int needed = bb.position() + n + CRC_BYTES;
            if (needed - ORDINAL_BYTES > MAX_RECORD_BYTES || needed < 0) {
                throw new StoreException("state record too large: more than " + MAX_RECORD_BYTES + " bytes");
            }
            if (bb.remaining() >= n + CRC_BYTES) {
                return;
            }
            byte[] bigger = new byte[Math.max(needed, buf.length * 2)];
            System.arraycopy(buf, 0, bigger, 0, bb.position());
            int pos = bb.position();
            buf = bigger;
            bb = ByteBuffer.wrap(bigger).order(ByteOrder.LITTLE_ENDIAN);
            bb.position(pos);
        }

        int position() {
            return bb.position();
        }

        void putIntAt(int at, int v) {
            bb.putInt(at, v);
        }

        void putByte(int v) {
            ensure(1);
            bb.put((byte) v);
        }

        void putInt(int v) {
            ensure(4);
            bb.putInt(v);
        }

        void putLong(long v) {
            ensure(8);
            bb.putLong(v);
        }

        void putString(String s) {
            putBytes(s == null ? null : s.getBytes(StandardCharsets.UTF_8));
        }

        void putBytes(byte[] b) {
            if (b == null) {
                putInt(-1);
                return;
            }
            ensure(4 + b.length);
            bb.putInt(b.length);
            bb.put(b);
        }

        /** Completes the record for {@code ordinal}; returns its end: the record is {@code buf[8, end)}. */
        int finish(long ordinal) {
            bb.putLong(0, ordinal);
            int end = bb.position();
            crc.reset();
            crc.update(buf, 0, end);
            bb.putInt((int) crc.getValue()); // ensure() always left room for the CRC
            return bb.position();
        }
    }

    /** Reads, checks and applies one record at a time; reuses its buffer. */
    static final class Decoder {
        private byte[] buf = new byte[512];
        private ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
        private final CRC32C crc = new CRC32C();
        /** Type of the last record applied. */
        byte type;

        /**
         * Checks the excerpt in {@code bytes} (its read position and remaining) as record {@code ordinal} and applies
         * it to {@code s}. Returns null, or what is wrong with it (then nothing was applied).
         */
        String readAndApply(Bytes<?> bytes, long ordinal, State s) {
            type = 0;
            long n = bytes.readRemaining();
            if (n < MIN_RECORD_BYTES) {
                return "excerpt of " + n + " bytes is shorter than any record";
            }
            if (n > MAX_RECORD_BYTES) {
                return "excerpt of " + n + " bytes is longer than the largest record (" + MAX_RECORD_BYTES + ")";
            }
            int len = (int) n;
            int total = ORDINAL_BYTES + len;
            if (buf.length < total) {
                buf = new byte[Math.max(total, buf.length * 2)];
                bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
            }
            long got = bytes.read(bytes.readPosition(), buf, ORDINAL_BYTES, len);
            if (got != len) {
                return "excerpt of " + n + " bytes could only be read for " + got;
            }
            bb.clear();
            bb.putLong(0, ordinal);
            int crcAt = total - CRC_BYTES;
            crc.reset();
            crc.update(buf, 0, crcAt);
            int computed = (int) crc.getValue();
            int stored = bb.getInt(crcAt);
            if (computed != stored) {
                return "CRC mismatch (stored 0x" + Integer.toHexString(stored) + ", computed 0x"
                        + Integer.toHexString(computed) + " for record #" + ordinal + "): the record is damaged, or a"
                        + " record before it is missing";
            }
            bb.limit(crcAt).position(ORDINAL_BYTES);
            byte t = bb.get();
            try {
                switch (t) {
                    case SERVER_INFO -> {
                        String cluster = getString();
                        String token = getString();
                        if (bb.hasRemaining()) {
                            return trailing(t);
                        }
                        s.clusterId = cluster;
                        s.ackToken = token;
                    }
                    case CLIENT_ADD -> {
                        ClientRecord c = new ClientRecord(getString(), getString(), getBytes(), bb.getInt(),
                                bb.getInt(), bb.getInt());
                        if (bb.hasRemaining()) {
                            return trailing(t);
                        }
                        if (c.id() == null) {
                            return "CLIENT_ADD without a client id";
                        }
                        s.clients.put(c.id(), c);
                    }
                    case CLIENT_DELETE -> {
                        String id = getString();
                        if (bb.hasRemaining()) {
                            return trailing(t);
                        }
                        s.clients.remove(id);
                    }
                    case SUB_PUT -> {
                        SubscriptionRecord r = new SubscriptionRecord(bb.getLong(), getString(), getString(),
                                getString(), getString(), getString(), getString(), bb.getInt(), bb.getLong(),
                                bb.getLong(), getBoolean());
                        if (bb.hasRemaining()) {
                            return trailing(t);
                        }
                        s.putSubscription(r);
                    }
                    case SUB_DELETE -> {
                        long id = bb.getLong();
                        if (bb.hasRemaining()) {
                            return trailing(t);
                        }
                        s.deleteSubscription(id);
                    }
                    case SENT, ACKED -> {
                        long id = bb.getLong();
                        long seq = bb.getLong();
                        if (bb.hasRemaining()) {
                            return trailing(t);
                        }
                        if (t == SENT) {
                            s.sent(id, seq);
                        } else {
                            s.acked(id, seq);
                        }
                    }
                    case SENT_RANGES, ACKED_RANGES -> {
                        long id = bb.getLong();
                        int ranges = bb.getInt();
                        if (ranges < 1 || ranges > MAX_RANGES_PER_RECORD || bb.remaining() != ranges * 12) {
                            return "record of type " + t + " announces " + ranges + " ranges in "
                                    + bb.remaining() + " bytes";
                        }
                        int start = bb.position();
                        for (int i = 0; i < ranges; i++) {
                            long first = bb.getLong();
                            int count = bb.getInt();
                            if (first < 0 || count < 1 || first + count < first) {
                                return "record of type " + t + " has a bad range " + first + " +" + count;
                            }
                        }
                        bb.position(start);
                        for (int i = 0; i < ranges; i++) {
                            long first = bb.getLong();
                            int count = bb.getInt();
                            for (long seq = first; seq < first + count; seq++) {
                                if (t == SENT_RANGES) {
                                    s.sent(id, seq);
                                } else {
                                    s.acked(id, seq);
                                }
                            }
                        }
                    }
                    case SNAPSHOT_END -> {
                        int version = bb.getInt();
                        long maxId = bb.getLong();
                        if (bb.hasRemaining()) {
                            return trailing(t);
                        }
                        if (version != FORMAT_VERSION) {
                            return "SNAPSHOT_END of format version " + version + " (this version reads "
                                    + FORMAT_VERSION + ")";
                        }
                        s.maxSubscriptionId = Math.max(s.maxSubscriptionId, maxId);
                    }
                    default -> {
                        return "unknown record type " + t;
                    }
                }
            } catch (BufferUnderflowException e) {
                return "record of type " + t + " is shorter than its fields";
            } catch (IllegalArgumentException e) {
                return "record of type " + t + " has a bad field: " + e.getMessage();
            }
            type = t;
            return null;
        }

        private String trailing(byte t) {
            return "record of type " + t + " has " + bb.remaining() + " bytes after its fields";
        }

        private String getString() {
            byte[] b = getBytes();
            return b == null ? null : new String(b, StandardCharsets.UTF_8);
        }

        private byte[] getBytes() {
            int n = bb.getInt();
            if (n == -1) {
                return null;
            }
            if (n < 0 || n > bb.remaining()) {
                throw new IllegalArgumentException("length " + n + " with " + bb.remaining() + " bytes left");
            }
            byte[] b = new byte[n];
            bb.get(b);
            return b;
        }

        private boolean getBoolean() {
            byte b = bb.get();
            if (b != 0 && b != 1) {
                throw new IllegalArgumentException("boolean byte " + b);
            }
            return b == 1;
        }
    }
}
