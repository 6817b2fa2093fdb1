package io.stanchion.store.chronicle;

import io.stanchion.store.DiskOps;
import io.stanchion.store.StoreException;
import net.openhft.chronicle.core.io.IOTools;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A channel's {@code first-sequence} file: the logical first sequence once retention removed messages (format and
 * rules on {@link ChronicleMessageStore}: 16 bytes, {@code "STANFSQ1"} then the sequence, little-endian).
 *
 * <p>The first write of a log instance writes the whole file to {@code first-sequence.tmp}, maps it (shared) and
 * renames it over {@code first-sequence} (atomic); later writes store the new value into that mapping (one aligned
 * 8-byte store, no system call, cannot be torn by a process crash). {@link #force} makes the last write durable.
 *
 * <p>Threading: the log's owner thread.
 */
final class FirstSequenceFile {
    /** The file's name in the channel directory. */
    static final String NAME = "first-sequence";
    private static final String TEMP_NAME = NAME + ".tmp";
    static final byte[] MAGIC = "STANFSQ1".getBytes(StandardCharsets.US_ASCII);
    static final int VALUE_OFFSET = 8;
    static final int SIZE = 16;

    private final String channel;
    private final Path directory;
    /** Shared mapping of the file once this instance created it, else null. */
    private MappedByteBuffer map;
    /** The file was written since the last fsync. */
    private boolean unsynced;

    /** The file of channel {@code channel} (for messages) in {@code directory}. */
    FirstSequenceFile(String channel, Path directory) {
        this.channel = channel;
        this.directory = directory;
    }

    /**
     * Records {@code first} in the file. The first time (per log instance) the file is written whole to a temporary
     * file, mapped, and renamed over the old one; afterwards only its 8-byte value is stored into the shared mapping:
     * no system call, and the aligned store cannot be torn by a crash.
     *
     * @return true when the file was replaced by a rename (the directory changed)
     */
    boolean write(long first) {
        MappedByteBuffer m = map;
        if (m != null) {
            m.putLong(VALUE_OFFSET, first);
            unsynced = true;
            return false;
        }
        Path temp = directory.resolve(TEMP_NAME);
        Path file = directory.resolve(NAME);
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer content = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
                content.put(MAGIC).putLong(first).flip();
                while (content.hasRemaining()) {
                    ch.write(content);
                }
                m = ch.map(FileChannel.MapMode.READ_WRITE, 0, SIZE);
                m.order(ByteOrder.LITTLE_ENDIAN);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (Throwable e) {
            throw StoreFaults.wrap("channel " + channel + ": cannot write " + file, e);
        }
        map = m;
        unsynced = true;
        return true;
    }

    /** The sequence in the file, or 0 when there is none or it is not one this class wrote. */
    long read() {
        Path file = directory.resolve(NAME);
        if (!Files.exists(file)) {
            return 0;
        }
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new StoreException("channel " + channel + ": cannot read " + file + ": " + e, e);
        }
        if (content.length != SIZE) {
            return 0; // only a foreign or damaged file; without it the log merely keeps more messages
        }
        ByteBuffer b = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < MAGIC.length; i++) {
            if (b.get(i) != MAGIC[i]) {
                return 0;
            }
        }
        return Math.max(0, b.getLong(VALUE_OFFSET));
    }

    /** msync of the mapping when the file was written since the last call. */
    void force(DiskOps ops) throws IOException {
        if (unsynced && map != null) {
            ops.force(map, directory.resolve(NAME));
        }
        unsynced = false;
    }

    /** Unmaps the file now (no access follows: the log is closed), not at some later GC. */
    void unmap() {
        MappedByteBuffer m = map;
        map = null;
        if (m != null) {
            try {
                IOTools.clean(m);
            } catch (RuntimeException ignored) {
                // the garbage collector unmaps it eventually
            }
        }
    }
}
