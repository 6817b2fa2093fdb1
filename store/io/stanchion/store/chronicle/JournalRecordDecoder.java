package io.stanchion.store.chronicle;

import io.stanchion.store.ClientRecord;
import io.stanchion.store.SubscriptionRecord;
import net.openhft.chronicle.bytes.Bytes;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

import static io.stanchion.store.chronicle.JournalRecordFormat.ACKED;
import static io.stanchion.store.chronicle.JournalRecordFormat.ACKED_RANGES;
import static io.stanchion.store.chronicle.JournalRecordFormat.CLIENT_ADD;
import static io.stanchion.store.chronicle.JournalRecordFormat.CLIENT_DELETE;
import static io.stanchion.store.chronicle.JournalRecordFormat.CRC_BYTES;
import static io.stanchion.store.chronicle.JournalRecordFormat.FORMAT_VERSION;
import static io.stanchion.store.chronicle.JournalRecordFormat.MAX_RANGES_PER_RECORD;
import static io.stanchion.store.chronicle.JournalRecordFormat.MAX_RECORD_BYTES;
import static io.stanchion.store.chronicle.JournalRecordFormat.MIN_RECORD_BYTES;
import static io.stanchion.store.chronicle.JournalRecordFormat.ORDINAL_BYTES;
import static io.stanchion.store.chronicle.JournalRecordFormat.SENT;
import static io.stanchion.store.chronicle.JournalRecordFormat.SENT_RANGES;
import static io.stanchion.store.chronicle.JournalRecordFormat.SERVER_INFO;
import static io.stanchion.store.chronicle.JournalRecordFormat.SNAPSHOT_END;
import static io.stanchion.store.chronicle.JournalRecordFormat.SUB_DELETE;
import static io.stanchion.store.chronicle.JournalRecordFormat.SUB_PUT;

/**
 * Reads, checks and applies one state-journal record ({@link JournalRecordFormat}) at a time to a
 * {@link JournalState}; reuses its buffer. A record is checked whole (size, CRC for the expected ordinal, known type,
 * fields that fill it exactly, valid ranges) before anything of it is applied.
 *
 * <p>Threading: one replay (see {@link GenerationReplay}) on the thread opening the store.
 */
final class JournalRecordDecoder {
    private byte[] buf = new byte[512];
    private ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
    private final CRC32C crc = new CRC32C();
    /** Type of the last record applied. */
    byte type;

    /**
     * Checks the excerpt in {@code bytes} (its read position and remaining) as record {@code ordinal} and applies
     * it to {@code s}. Returns null, or what is wrong with it (then nothing was applied).
     */
    String readAndApply(Bytes<?> bytes, long ordinal, JournalState s) {
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
