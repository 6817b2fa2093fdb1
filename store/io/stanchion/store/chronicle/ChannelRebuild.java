package io.stanchion.store.chronicle;

import io.stanchion.store.DiskOps;
import io.stanchion.store.StoreException;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a channel's log back to its last good record (opening with {@code truncateBadTail}). Chronicle cannot
 * truncate a queue in place (its index and write position would still count the dropped excerpts), so the log is
 * rebuilt beside it and swapped in:
 * <ol>
 *   <li>every excerpt from the first one on disk up to the last good sequence is copied, payload byte for byte, into
 *   a new queue in {@code <root>/.rebuild-<dir>}, each into the cycle it came from (the copy's clock is set to that
 *   cycle), with the same roll cycle and epoch; {@code first-sequence} is copied too;</li>
 *   <li>its files and directory are fsynced, and it is renamed to {@code .rebuilt-<dir>} (complete), root fsynced;</li>
 *   <li>the damaged directory is renamed to {@code .damaged-<n>-<dir>} (kept for inspection, never read again), the
 *   rebuilt one to {@code <dir>}, and root is fsynced.</li>
 * </ol>
 * A crash in between is finished at the next open ({@link #finishInterrupted}): a {@code .rebuilt-<dir>} without
 * {@code <dir>} is renamed to it; one beside {@code <dir>} (the swap had not started) and any {@code .rebuild-*}
 * are deleted, and the open meets the damage again. Names starting with {@code .} are ignored by recovery.
 *
 * <p>Threading: runs on the thread opening the store, before the log exists.
 */
final class ChannelRebuild {
    static final String BUILDING_PREFIX = ".rebuild-";
    static final String BUILT_PREFIX = ".rebuilt-";
    static final String DAMAGED_PREFIX = ".damaged-";
    private static final String FIRST_SEQUENCE_FILE = FirstSequenceFile.NAME;

    private ChannelRebuild() {
    }

    /**
     * Rebuilds channel directory {@code dir} keeping the sequences up to {@code lastGood}.
     *
     * @return how many excerpts were copied, and where the damaged directory now is
     */
    static Result cutBack(Path dir, long lastGood, long blockSize, DiskOps ops) {
        Path root = dir.getParent();
        String dirName = dir.getFileName().toString();
        Path building = root.resolve(BUILDING_PREFIX + dirName);
        Path built = root.resolve(BUILT_PREFIX + dirName);
        Path damaged = root.resolve(DAMAGED_PREFIX + System.currentTimeMillis() + "-" + dirName);
        long copied;
        try {
            FileOps.deleteTree(building);
            FileOps.deleteTree(built);
            Files.createDirectory(building);
            copied = copy(dir, building, lastGood, blockSize);
            BackgroundResourceReleaser.releasePendingResources();
            Path firstSequence = dir.resolve(FIRST_SEQUENCE_FILE);
            if (Files.isRegularFile(firstSequence)) {
                Files.copy(firstSequence, building.resolve(FIRST_SEQUENCE_FILE));
            }
            for (Path f : files(building)) {
                ops.fsyncFile(f);
            }
            ops.fsyncDirectory(building);
            Files.move(building, built, StandardCopyOption.ATOMIC_MOVE);
            ops.fsyncDirectory(root);
            Files.move(dir, damaged, StandardCopyOption.ATOMIC_MOVE);
            Files.move(built, dir, StandardCopyOption.ATOMIC_MOVE);
            ops.fsyncDirectory(root);
        } catch (Throwable e) {
            throw StoreFaults.wrap("channel directory " + dir + ": cannot cut the log back to sequence " + lastGood,
                    e);
        }
        return new Result(copied, damaged);
    }

    record Result(long copied, Path damagedDirectory) {
    }

    private static long copy(Path from, Path to, long lastGood, long blockSize) {
        try (SingleChronicleQueue source = SingleChronicleQueueBuilder.binary(from).syncMode(SyncMode.NONE).build();
             ExcerptTailer tailer = source.createTailer()) {
            RollCycle rollCycle = source.rollCycle();
            SetTimeProvider clock = new SetTimeProvider(0);
            SingleChronicleQueueBuilder builder = SingleChronicleQueueBuilder.binary(to).rollCycle(rollCycle)
                    .epoch(source.epoch()).timeProvider(clock).syncMode(SyncMode.NONE);
            if (blockSize > 0) {
                builder.blockSize(blockSize);
            }
            long copied = 0;
            try (SingleChronicleQueue target = builder.build(); ExcerptAppender appender = target.createAppender()) {
                byte[] buf = new byte[256];
                long next = -1; // the sequence of the next excerpt: counted, not read from possibly damaged bytes
                while (true) {
                    int length;
                    int cycle;
                    try (DocumentContext dc = tailer.readingDocument()) {
                        if (!dc.isPresent()) {
                            break;
                        }
                        Bytes<?> bytes = dc.wire().bytes();
                        if (next < 0) {
                            next = bytes.readLong(bytes.readPosition()); // the first excerpt, verified at open
                        }
                        if (next > lastGood) {
                            break;
                        }
                        length = (int) bytes.readRemaining();
                        if (buf.length < length) {
                            buf = new byte[Math.max(length, buf.length * 2)];
                        }
                        bytes.read(bytes.readPosition(), buf, 0, length);
                        cycle = rollCycle.toCycle(dc.index());
                    }
                    long cycleStart = source.epoch() + (long) cycle * rollCycle.lengthInMillis();
                    if (clock.currentTimeMillis() < cycleStart) {
                        clock.currentTimeMillis(cycleStart);
                    }
                    try (DocumentContext out = appender.writingDocument()) {
                        out.wire().bytes().write(buf, 0, length);
                    }
                    copied++;
                    next++;
                }
            }
            return copied;
        }
    }

    /**
     * Finishes or undoes a rebuild a crash interrupted (see the class comment). Best effort for the deletions;
     * a failed rename is a {@link StoreException}.
     */
    static void finishInterrupted(Path root, DiskOps ops) {
        List<Path> leftovers = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(root, ".rebuil*")) {
            s.forEach(leftovers::add);
        } catch (IOException e) {
            return; // recovery lists root again and reports
        }
        for (Path p : leftovers) {
            String name = p.getFileName().toString();
            try {
                if (name.startsWith(BUILT_PREFIX)) {
                    Path dir = root.resolve(name.substring(BUILT_PREFIX.length()));
                    if (!Files.exists(dir)) {
                        Files.move(p, dir, StandardCopyOption.ATOMIC_MOVE);
                        ops.fsyncDirectory(root);
                        continue;
                    }
                }
                if (name.startsWith(BUILT_PREFIX) || name.startsWith(BUILDING_PREFIX)) {
                    FileOps.deleteTree(p);
                }
            } catch (IOException e) {
                throw new StoreException("cannot finish the interrupted rebuild " + p + ": " + FileOps.oneLine(e), e);
            }
        }
    }

    private static List<Path> files(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (Files.isRegularFile(p)) {
                    out.add(p);
                }
            }
        }
        return out;
    }
}
