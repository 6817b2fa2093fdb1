package io.stanchion.store.chronicle;

import io.stanchion.store.ClientRecord;
import io.stanchion.store.DiskOps;
import io.stanchion.store.RecoveredState;
import io.stanchion.store.StateStore;
import io.stanchion.store.StoreException;
import io.stanchion.store.SubscriptionRecord;
import net.openhft.chronicle.core.Jvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

import static io.stanchion.store.chronicle.JournalRecordFormat.ACKED;
import static io.stanchion.store.chronicle.JournalRecordFormat.ACKED_RANGES;
import static io.stanchion.store.chronicle.JournalRecordFormat.CRC_BYTES;
import static io.stanchion.store.chronicle.JournalRecordFormat.ORDINAL_BYTES;
import static io.stanchion.store.chronicle.JournalRecordFormat.SENT;
import static io.stanchion.store.chronicle.JournalRecordFormat.SENT_RANGES;
import static io.stanchion.store.chronicle.JournalRecordFormat.recordDiskCost;

/**
 * The FILE store's {@link StateStore}: a journal of small typed records in Chronicle Queue, compacted into a snapshot
 * at every open and, rarely, while running. It lives in {@code <storeRoot>/_state/} ({@link #DIRECTORY}), which the
 * message store skips.
 *
 * <p>This class is the store's front: the SPI calls, their write path (buffering, free space, failures) and the
 * threading contract. Its parts, each used only through it:
 * <ul>
 *   <li>{@link JournalRecordFormat}: the record layout (the on-disk format), written by {@link JournalRecordEncoder}
 *   and read by {@link JournalRecordDecoder};</li>
 *   <li>{@link JournalState}: the live state in memory and the replay rules;</li>
 *   <li>{@link JournalGeneration}: one generation's directory and queue (append, fsync);</li>
 *   <li>{@link JournalRecovery} and {@link GenerationReplay}: opening, i.e. which generation is recovered, torn writes
 *   and damage;</li>
 *   <li>{@link JournalCompaction}: writing the live state as a new generation (snapshot, sync, rename).</li>
 * </ul>
 *
 * <h2>Directory layout</h2>
 * <pre>
 * &lt;stateDir&gt;/
 *   .lock                      held (FileLock) while a store has the directory open
 *   gen-0000000007/            the current generation: one SingleChronicleQueue
 *     metadata.cq4t            Chronicle's metadata
 *     &lt;yyyyMMdd&gt;L.cq4          the journal (LARGE_DAILY naming; one file per generation, see JournalGeneration)
 *   .tmp-gen-0000000008/       a compaction being written (renamed to gen-0000000008 once complete); one left by a
 *                              crash is deleted at open
 *   gen-0000000006.damaged/    only after a recovery with truncateBadTail dropped records: the damaged generation,
 *                              kept for inspection (never read again; delete it at will)
 * </pre>
 *
 * <h2>Generations and compaction</h2>
 * A generation is a snapshot of the live state followed by journal records; it is complete once its snapshot's
 * SNAPSHOT_END is in ({@link JournalCompaction}). Opening replays the newest complete generation
 * ({@link JournalRecovery}), then compacts: the recovered state is written as a snapshot into a new generation, and
 * every other generation is deleted. While running, the same compaction runs inside the write call (the owner
 * thread) once the records appended since the last compaction exceed
 * max({@link Options#compactionMinRecords}, {@link Options#compactionLiveFactor} &times; live records), live
 * records being what a snapshot of the current state would hold. The store keeps the live state in memory for
 * that ({@link JournalState}), so a compaction writes the snapshot without reading the journal. If a running
 * compaction fails, the new generation is deleted and the store goes on with the old one (Chronicle's logger gets a
 * warning; it is retried after as many records again).
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
 * Chronicle's own single-thread checks are switched off. The parts above hold no lock either: this class calls them
 * on the thread it is called on, and nothing else does. {@link #current()} (a copy of the in-memory state) may be
 * called by another thread only while the owner is excluded by the caller (a cluster follower's monitoring and its
 * Raft applier share one lock).
 */
public final class ChronicleStateStore implements StateStore {

    static {
        ChronicleSettings.apply();
    }

    /** The state directory's name under the store root. */
    public static final String DIRECTORY = "_state";
    static final String LOCK_FILE = ".lock";

    /** Largest record (type to CRC). */
    public static final int MAX_RECORD_BYTES = JournalRecordFormat.MAX_RECORD_BYTES;

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
    private final JournalRecordEncoder encoder = new JournalRecordEncoder();
    /** SENT and ACKED events not written yet (written by flush, before any other record, or when full). */
    private final RunBuffer buffered = new RunBuffer();
    private final List<String> warnings = new ArrayList<>();
    private RecoveredState recovered;
    private JournalState state;
    private JournalGeneration current;
    /** Writes the new generations (set once recovery knows their first number). */
    private JournalCompaction compaction;
    private long appendedSinceCompaction;
    private long compactions;
    private boolean closed;
    /** Why the store refuses writes after a failed append, fsync or compaction, or null. */
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

    /** Recovers the state ({@link JournalRecovery}), writes it as a new generation and deletes the others. */
    private void recover() {
        JournalRecovery recovery = new JournalRecovery(stateDir, options.truncateBadTail, warnings);
        JournalState live = recovery.replayNewest();
        recovered = live.toRecovered();
        state = live;
        compaction = new JournalCompaction(stateDir, diskOps, options.syncCompaction, recovery.nextGeneration(),
                reason -> broken = reason);
        current = compaction.writeGeneration(live);
        compactions++;
        recovery.removeOldGenerations();
    }

    // ------------------------------------------------------------------------------------------------------------
    // StateStore

    @Override
    public RecoveredState recovered() {
        return recovered;
    }

    /** A copy of the in-memory {@link JournalState} (it already holds buffered SENT/ACKED). */
    @Override
    public RecoveredState current() {
        ensureOpen();
        return state.toRecovered();
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
        encoder.serverInfo(clusterId, ackToken); // first: a record too large changes nothing
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
        encoder.clientAdd(copy);
        reserveEncoded();
        state.clients.put(copy.id(), copy);
        append();
    }

    @Override
    public void deleteClient(String clientId) {
        Objects.requireNonNull(clientId, "clientId");
        beginWrite();
        encoder.clientDelete(clientId);
        reserveEncoded();
        state.clients.remove(clientId);
        append();
    }

    @Override
    public void putSubscription(SubscriptionRecord sub) {
        Objects.requireNonNull(sub, "sub");
        beginWrite();
        encoder.subscriptionPut(sub, sub.lastSent());
        reserveEncoded();
        state.putSubscription(sub);
        append();
    }

    @Override
    public void deleteSubscription(long subscriptionId) {
        beginWrite();
        encoder.subscriptionDelete(subscriptionId);
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
        JournalGeneration g = current;
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
        JournalGeneration g = current;
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
        JournalGeneration g = current;
        JournalRecordEncoder e = encoder;
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
                g.append(e);
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
        JournalGeneration g = current;
        try {
            g.append(encoder);
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

    /** A compaction while running, on the owner thread inside a write call. */
    private void compactRunning() {
        appendedSinceCompaction = 0;
        if (!spaceGuard.hasRoom(JournalCompaction.snapshotDiskBytes(state), options.minFreeBytes)) {
            // The old generation stays; retried after as many records again.
            Jvm.warn().on(ChronicleStateStore.class, "state journal compaction skipped: not enough free space");
            return;
        }
        JournalGeneration old = current;
        JournalGeneration next;
        try {
            next = compaction.writeGeneration(state);
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
}
