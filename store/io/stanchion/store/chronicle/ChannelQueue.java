package io.stanchion.store.chronicle;

import io.stanchion.store.StoreException;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.RollingResourcesCache;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One channel's Chronicle queue as the parts of its log see it ({@link ChronicleChannelLog}): the channel's name, its
 * directory, the queue and its roll cycle; which cycle file holds which cycle (exactly as the queue names them); the
 * disk bytes a new queue or cycle file takes; and the fault that names the channel when its log is found corrupt.
 *
 * <p>Threading: the log's owner thread (the file-name cache is not thread-safe).
 */
final class ChannelQueue {
    static final String METADATA_FILE = "metadata.cq4t";
    static final String CYCLE_SUFFIX = ".cq4";
    /** Chronicle's {@code metadata.cq4t} of a new queue (128 KiB measured with chronicle-queue 2026.4). */
    static final long METADATA_BYTES = 128 << 10;

    final String name;
    final Path directory;
    final SingleChronicleQueue queue;
    final RollCycle rollCycle;
    /** Cycle number to file name and back, exactly as the queue names its cycle files. */
    private final RollingResourcesCache cycleFiles;

    ChannelQueue(String name, Path directory, SingleChronicleQueue queue) {
        this.name = name;
        this.directory = directory;
        this.queue = queue;
        this.rollCycle = queue.rollCycle();
        File dirFile = directory.toFile();
        this.cycleFiles = new RollingResourcesCache(rollCycle, queue.epoch(),
                text -> new File(dirFile, text + CYCLE_SUFFIX),
                file -> stripSuffix(file.getName()));
    }

    /** Disk bytes of a cycle file before its first excerpt: 64 KiB of header pages, two index arrays. */
    static long cycleFileBytes(int indexCount) {
        return (64 << 10) + 2L * indexCount * 8;
    }

    /** Disk bytes of a new channel's queue before its first excerpt. */
    static long newQueueBytes(RollCycle rollCycle) {
        return METADATA_BYTES + cycleFileBytes(rollCycle.defaultIndexCount());
    }

    /** The cycle file holding {@code index}. */
    File cycleFile(long index) {
        return cycleFiles.resourceFor(rollCycle.toCycle(index)).path;
    }

    /**
     * The cycle files in the directory whose cycle is below {@code cycle} (empty ones included): only names the
     * queue itself gives its cycles.
     */
    List<Path> cycleFilesBelow(int cycle) throws IOException {
        List<Path> below = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + CYCLE_SUFFIX)) {
            for (Path f : files) {
                int c = cycleOfFile(f);
                if (c != Integer.MIN_VALUE && c < cycle) {
                    below.add(f);
                }
            }
        }
        return below;
    }

    /** The cycle of a cycle file of this queue, or {@link Integer#MIN_VALUE} when the name is not one. */
    int cycleOfFile(Path file) {
        try {
            Long cycle = cycleFiles.toLong(file.toFile());
            if (cycle == null || cycle < Integer.MIN_VALUE + 1L || cycle > Integer.MAX_VALUE) {
                return Integer.MIN_VALUE;
            }
            int c = (int) (long) cycle;
            // Only a name the queue itself would give that cycle: never delete a stray file by a lenient parse.
            return cycleFiles.resourceFor(c).path.getName().equals(file.getFileName().toString()) ? c
                    : Integer.MIN_VALUE;
        } catch (RuntimeException e) {
            return Integer.MIN_VALUE;
        }
    }

    private static String stripSuffix(String fileName) {
        return fileName.endsWith(CYCLE_SUFFIX) ? fileName.substring(0, fileName.length() - CYCLE_SUFFIX.length())
                : fileName;
    }

    /** The log is inconsistent with what the queue holds: a store fault naming the channel and its directory. */
    StoreException corrupt(String what) {
        return new StoreException("channel " + name + " in " + directory + " is corrupt: " + what);
    }
}
