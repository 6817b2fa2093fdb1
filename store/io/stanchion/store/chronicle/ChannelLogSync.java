package io.stanchion.store.chronicle;

import io.stanchion.store.DiskOps;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code flush(true)} of a channel log must make durable, and doing it ({@link #force}): {@code fdatasync} of
 * every cycle file appended to since the last call (the current one, and any left by a roll), {@code msync} of the
 * {@code first-sequence} mapping when retention changed it, then, when a cycle file or the channel directory was
 * created or a file renamed or deleted since, {@code fdatasync} of {@code metadata.cq4t} and {@code fsync} of the
 * channel directory (and of the root for a new channel). The rules are on {@link ChronicleMessageStore}
 * ("Durability").
 *
 * <p>Threading: the log's owner thread.
 */
final class ChannelLogSync {
    private final Path directory;
    /** Cycle file of the log's last append. */
    private File appendFile;
    /** Cycle files appended to (or given an end-of-file marker) since the last fsync, the current one excluded. */
    private final List<File> rolledFiles = new ArrayList<>(2);
    /** Something was appended since the last fsync. */
    private boolean unsynced;
    /** A cycle file was created in {@link #directory} since the last fsync (directory entry + metadata file). */
    private boolean directoryDirty;
    /** The channel directory itself is new: the root directory's entry is not yet synced. */
    private boolean parentDirty;
    private FileChannel syncChannel;
    private File syncChannelFile;

    /** The sync state of the log in {@code directory}; {@code created}: the directory was just created. */
    ChannelLogSync(Path directory, boolean created) {
        this.directory = directory;
        this.parentDirty = created;
        this.directoryDirty = created;
    }

    /** An excerpt was appended. */
    void appended() {
        unsynced = true;
    }

    /** Appends go to {@code file} from now on (the first append of the log, or a roll). */
    void appendingTo(File file) {
        if (appendFile != null) {
            rolledFiles.add(appendFile); // our last bytes there, and the end-of-file marker the roll wrote
        }
        appendFile = file;
    }

    /** A file was created, renamed or deleted in the channel directory. */
    void directoryChanged() {
        directoryDirty = true;
    }

    /** Cycle files were deleted: those still to be synced are dropped from the list. */
    void forgetDeletedFiles() {
        rolledFiles.removeIf(f -> !f.exists());
    }

    /** Forces what changed since the last call (see the class comment); {@code firstSequence}: the log's file. */
    void force(DiskOps ops, FirstSequenceFile firstSequence) throws IOException {
        for (File f : rolledFiles) {
            ops.fsyncFile(f.toPath());
        }
        rolledFiles.clear();
        if (unsynced && appendFile != null) {
            if (!appendFile.equals(syncChannelFile)) {
                close();
                syncChannel = FileChannel.open(appendFile.toPath(), StandardOpenOption.WRITE);
                syncChannelFile = appendFile;
            }
            ops.force(syncChannel, appendFile.toPath(), false);
        }
        unsynced = false;
        firstSequence.force(ops);
        if (directoryDirty) {
            Path metadata = directory.resolve(ChannelQueue.METADATA_FILE);
            if (metadata.toFile().isFile()) {
                ops.fsyncFile(metadata);
            }
            ops.fsyncDirectory(directory);
            directoryDirty = false;
        }
        if (parentDirty) {
            ops.fsyncDirectory(directory.getParent());
            parentDirty = false;
        }
    }

    /** Closes the channel kept open for fsync (only used for {@code force}; nothing buffered). */
    void close() {
        if (syncChannel != null) {
            try {
                syncChannel.close();
            } catch (IOException ignored) {
                // only used for force(); nothing buffered
            }
            syncChannel = null;
            syncChannelFile = null;
        }
    }
}
