package io.stanchion.store.chronicle;

import io.stanchion.store.DiskOps;
import io.stanchion.store.StoreException;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.LargeRollCycles;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;

import static io.stanchion.store.chronicle.JournalRecordFormat.ORDINAL_BYTES;

/**
 * One generation of the state journal: its directory ({@code gen-NNNNNNNNNN} under the state directory) and its
 * Chronicle queue, appended to and fsynced by the owner thread.
 *
 * <p>A generation's queue is built with a clock frozen at the generation's creation, so it never rolls: all its
 * records are in one cycle file, and a record's position in the generation (its <em>ordinal</em>, 0, 1, 2 ...) is
 * its Chronicle sequence number within that cycle. The ordinal goes into each record's CRC
 * ({@link JournalRecordFormat}).
 *
 * <p>Threading: the store's owner thread.
 */
final class JournalGeneration {
    static final String GENERATION_PREFIX = "gen-";
    /** A complete generation's directory name. */
    static final Pattern GENERATION_NAME = Pattern.compile("gen-(\\d{10})");
    /** Prefix of a generation being written by a compaction ({@code .tmp-gen-NNNNNNNNNN}). */
    static final String TEMPORARY_PREFIX = ".tmp-";
    private static final String METADATA_FILE = "metadata.cq4t";
    private static final String CYCLE_SUFFIX = ".cq4";

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

    private JournalGeneration(long number, Path dir, DiskOps ops, long frozenMillis, long ordinal,
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
    static JournalGeneration create(Path dir, long number, DiskOps ops) throws IOException {
        Files.createDirectory(dir);
        return new JournalGeneration(number, dir, ops, System.currentTimeMillis(), 0, true);
    }

    /** The closed generation {@code g}, moved to {@code dir}, opened again to append after its records. */
    static JournalGeneration reopen(JournalGeneration g, Path dir, boolean directoriesUnsynced) {
        return new JournalGeneration(g.number, dir, g.ops, g.frozenMillis, g.ordinal, directoriesUnsynced);
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
     * Appends the record in {@code record}, completed for this generation's next ordinal
     * ({@link JournalRecordEncoder#finish}).
     */
    void append(JournalRecordEncoder record) {
        int end = record.finish(ordinal);
        append(record.buf, ORDINAL_BYTES, end - ORDINAL_BYTES);
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
        return "JournalGeneration[" + dir + ", " + ordinal + " records" + (file == null ? "" : ", " + file) + "]";
    }

    /** The directory of generation {@code number} in {@code stateDir}. */
    static Path generationDir(Path stateDir, long number) {
        return stateDir.resolve(String.format("%s%010d", GENERATION_PREFIX, number));
    }

    static SingleChronicleQueue openQueue(Path dir, long frozenMillis) {
        // A clock frozen at the generation's creation: the queue never rolls (one cycle file per generation).
        TimeProvider frozen = () -> frozenMillis;
        return SingleChronicleQueueBuilder.binary(dir)
                .rollCycle(LargeRollCycles.LARGE_DAILY)
                .timeProvider(frozen)
                .syncMode(SyncMode.NONE)
                .build();
    }

    /** The journal file in generation directory {@code dir} (for messages; {@code dir/*.cq4} when none is found). */
    static String cycleFileName(Path dir) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*" + CYCLE_SUFFIX)) {
            for (Path p : s) {
                return p.toString();
            }
        } catch (IOException ignored) {
            // only for a message
        }
        return dir + "/*" + CYCLE_SUFFIX;
    }
}
