package io.stanchion.store.chronicle;

/**
 * The state journal's record format: the on-disk format of {@link ChronicleStateStore}'s records, written by
 * {@link JournalRecordEncoder} and read by {@link JournalRecordDecoder}.
 *
 * <p>One record = one Chronicle data excerpt, written as raw bytes (no Wire field names or type tags),
 * little-endian. Chronicle adds its own 4-byte excerpt header (length + flags) in front.
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
 * The ordinal (the record's position in its generation: 0, 1, 2 ..., see {@link JournalGeneration}) is not stored:
 * the reader supplies the ordinal it expects, so a record that is damaged, missing (a Chronicle header damaged so that
 * the excerpt is skipped), or read at the wrong place fails its check. A record is at most {@link #MAX_RECORD_BYTES}.
 * This version writes SENT and ACKED only as range records; it reads the single ones too. What each record does to
 * the state is {@link JournalState}'s replay rules.
 */
final class JournalRecordFormat {

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
    static final int MAX_RECORD_BYTES = 1 << 20;
    /** The ordinal in front of a record while it is encoded or checked (part of the CRC, not written). */
    static final int ORDINAL_BYTES = 8;
    static final int CRC_BYTES = 4;
    static final int MIN_RECORD_BYTES = 1 + CRC_BYTES;

    private JournalRecordFormat() {
    }

    /**
     * Disk bytes a record of {@code recordBytes} (type to CRC) occupies, an upper bound: Chronicle's 4-byte header,
     * up to 3 bytes of padding, 8 bytes of index.
     */
    static long recordDiskCost(long recordBytes) {
        return recordBytes + 4 + 3 + 8;
    }
}
