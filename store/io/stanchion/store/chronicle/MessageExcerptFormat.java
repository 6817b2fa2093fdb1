package io.stanchion.store.chronicle;

import net.openhft.chronicle.bytes.Bytes;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The message excerpt of a channel log (one message = one Chronicle data excerpt; the layout is documented with the
 * store's other on-disk formats on {@link ChronicleMessageStore}): {@code sequence(8) timestamp(8) cumulative(8)
 * length(4) record(length) crc32c(4)}, little-endian, the CRC-32C covering everything before it. An excerpt of
 * exactly {@code HEADER_SIZE + length} bytes was written before checksums existed and is read unchecked; the size
 * tells the two formats apart, any other size is damage.
 *
 * <p>An instance encodes the header and CRC of an excerpt to append, and checks excerpts read back (size, sequence
 * field, CRC), in reused buffers.
 *
 * <p>Threading: the log's owner thread (the buffers are shared by its appends and reads).
 */
final class MessageExcerptFormat {

    /** Offsets in an excerpt. */
    static final int SEQUENCE_OFFSET = 0;
    static final int TIMESTAMP_OFFSET = 8;
    static final int CUMULATIVE_OFFSET = 16;
    static final int LENGTH_OFFSET = 24;
    static final int HEADER_SIZE = 28;
    /**
     * The CRC-32C after the record: over the header and the record (the whole excerpt before it). An excerpt of
     * exactly {@code HEADER_SIZE + length} bytes was written before checksums existed and is read unchecked.
     */
    static final int CRC_SIZE = 4;

    /**
     * Disk bytes an excerpt costs besides its payload, an upper bound: Chronicle's 4-byte excerpt header, up to 3
     * bytes of alignment padding before the next header, and 8 bytes for Chronicle's index (one 8-byte entry per
     * indexed excerpt; Chronicle indexes one excerpt in 16 or fewer, so this over-counts).
     */
    static final int EXCERPT_OVERHEAD = 4 + 3 + 8;

    private final CRC32C crc = new CRC32C();
    /** An excerpt's header, as bytes, for its CRC. */
    private final byte[] headerBytes = new byte[HEADER_SIZE];
    private final ByteBuffer header = ByteBuffer.wrap(headerBytes).order(ByteOrder.LITTLE_ENDIAN);
    /** A record read only for its CRC (timestamp and cumulative probes). */
    private byte[] recordScratch = new byte[256];

    /** Disk bytes an append of a {@code recordLength}-byte record occupies, an upper bound (see EXCERPT_OVERHEAD). */
    static long diskCost(int recordLength) {
        return EXCERPT_OVERHEAD + HEADER_SIZE + CRC_SIZE + (long) recordLength;
    }

    /**
     * Encodes the header of the excerpt of {@code record} and returns its CRC; {@link #write} then writes the
     * excerpt.
     */
    int encode(long sequence, long timestamp, long cumulative, byte[] record) {
        header.putLong(SEQUENCE_OFFSET, sequence).putLong(TIMESTAMP_OFFSET, timestamp)
                .putLong(CUMULATIVE_OFFSET, cumulative).putInt(LENGTH_OFFSET, record.length);
        crc.reset();
        crc.update(headerBytes, 0, HEADER_SIZE);
        crc.update(record, 0, record.length);
        return (int) crc.getValue();
    }

    /** Writes the excerpt last {@link #encode encoded}: header, {@code record}, {@code checksum}. */
    void write(Bytes<?> bytes, byte[] record, int checksum) {
        bytes.write(headerBytes);
        bytes.write(record);
        bytes.writeInt(checksum);
    }

    /** Null when the excerpt is {@code HEADER_SIZE + length} (no CRC) or {@code + CRC_SIZE} bytes, else why not. */
    static String sizeProblem(Bytes<?> bytes) {
        long remaining = bytes.readRemaining();
        if (remaining < HEADER_SIZE) {
            return "is " + remaining + " bytes, shorter than the " + HEADER_SIZE + "-byte header";
        }
        int length = bytes.readInt(bytes.readPosition() + LENGTH_OFFSET);
        if (length < 0 || (remaining != HEADER_SIZE + (long) length
                && remaining != HEADER_SIZE + (long) length + CRC_SIZE)) {
            return "declares a " + length + "-byte record in a " + remaining + "-byte excerpt";
        }
        return null;
    }

    /**
     * Null when the CRC of an excerpt whose size was checked ({@code length}: its record length) matches, or when it
     * has none (written before checksums), else why not. {@code record}: the record already copied out, or null.
     */
    String crcProblem(Bytes<?> bytes, int length, byte[] record) {
        long start = bytes.readPosition();
        if (bytes.readRemaining() == HEADER_SIZE + (long) length) {
            return null; // the format before checksums
        }
        byte[] r = record;
        if (r == null) {
            if (recordScratch.length < length) {
                recordScratch = new byte[Math.max(length, recordScratch.length * 2)];
            }
            r = recordScratch;
            bytes.read(start + HEADER_SIZE, r, 0, length);
        }
        bytes.read(start, headerBytes, 0, HEADER_SIZE);
        crc.reset();
        crc.update(headerBytes, 0, HEADER_SIZE);
        crc.update(r, 0, length);
        int computed = (int) crc.getValue();
        int stored = bytes.readInt(start + HEADER_SIZE + length);
        return computed == stored ? null : "fails its CRC check (stored 0x" + Integer.toHexString(stored)
                + ", computed 0x" + Integer.toHexString(computed) + ")";
    }

    /**
     * Null when the excerpt in {@code bytes} is a sound record of {@code expectedSequence} (-1: any), else what is
     * wrong with it (size, sequence field, CRC).
     */
    String excerptProblem(Bytes<?> bytes, long expectedSequence, byte[] record) {
        String problem = sizeProblem(bytes);
        if (problem != null) {
            return problem;
        }
        long seq = bytes.readLong(bytes.readPosition() + SEQUENCE_OFFSET);
        if (expectedSequence >= 0 && seq != expectedSequence) {
            return "holds sequence " + seq + ", expected " + expectedSequence;
        }
        return crcProblem(bytes, bytes.readInt(bytes.readPosition() + LENGTH_OFFSET), record);
    }
}
