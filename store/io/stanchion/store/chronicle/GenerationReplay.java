package io.stanchion.store.chronicle;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.File;
import java.nio.file.Path;

import static io.stanchion.store.chronicle.JournalRecordFormat.SNAPSHOT_END;

/**
 * The replay of one generation of the state journal into a {@link JournalState}: every record in order, checked
 * ({@link JournalRecordDecoder}) and applied, up to the end of the queue or the first bad record. Damage is described,
 * not thrown: {@link JournalRecovery} decides what it means for the generation.
 *
 * <p>Damage is a record whose CRC fails, whose excerpt is too short or too long, whose type is unknown or whose fields
 * do not fill it exactly; or records the tailer cannot reach: a damaged excerpt header reads as the end of the queue,
 * yet {@code queue.lastIndex()}, or the cycle file's write position (which Chronicle moves to an excerpt only once its
 * header is complete), is beyond the last record read. An excerpt whose header is still 0 (a write a process crash
 * left unfinished) is the end of the queue, not damage. A description names the generation directory and file, the
 * record's ordinal, Chronicle index and file offset.
 *
 * <p>Threading: the thread opening the store.
 */
final class GenerationReplay {

    /** Good records applied. */
    long records;
    /** A SNAPSHOT_END was applied. */
    boolean sawEnd;
    /** Description of the first bad record (or unreachable records), or null. */
    String problem;

    private GenerationReplay() {
    }

    /** Replays generation directory {@code dir} into {@code s}, stopping at the first bad record. */
    static GenerationReplay replay(Path dir, JournalState s) {
        GenerationReplay r = new GenerationReplay();
        JournalRecordDecoder decoder = new JournalRecordDecoder();
        File file = null;
        long lastIndex = Long.MIN_VALUE;
        long lastPosition = -1;
        long lastEnd = -1;
        try (SingleChronicleQueue queue = JournalGeneration.openQueue(dir, System.currentTimeMillis());
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
                    .append(position).append(" of ")
                    .append(file == null ? JournalGeneration.cycleFileName(dir) : file.getPath()).append(')');
        } else {
            sb.append(" in ").append(file == null ? JournalGeneration.cycleFileName(dir) : file.getPath());
        }
        return sb.toString();
    }
}
