package io.stanchion.store.chronicle;

import io.stanchion.store.ClientRecord;
import io.stanchion.store.StoreException;
import io.stanchion.store.SubscriptionRecord;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

import static io.stanchion.store.chronicle.JournalRecordFormat.CLIENT_ADD;
import static io.stanchion.store.chronicle.JournalRecordFormat.CLIENT_DELETE;
import static io.stanchion.store.chronicle.JournalRecordFormat.CRC_BYTES;
import static io.stanchion.store.chronicle.JournalRecordFormat.FORMAT_VERSION;
import static io.stanchion.store.chronicle.JournalRecordFormat.MAX_RECORD_BYTES;
import static io.stanchion.store.chronicle.JournalRecordFormat.ORDINAL_BYTES;
import static io.stanchion.store.chronicle.JournalRecordFormat.SERVER_INFO;
import static io.stanchion.store.chronicle.JournalRecordFormat.SNAPSHOT_END;
import static io.stanchion.store.chronicle.JournalRecordFormat.SUB_DELETE;
import static io.stanchion.store.chronicle.JournalRecordFormat.SUB_PUT;

/**
 * Encodes one state-journal record at a time ({@link JournalRecordFormat}) into a reused buffer: 8 bytes of ordinal
 * (not written), type, fields, CRC. A record is started with {@link #begin} (or one of the typed methods), its fields
 * added with the {@code put} methods, and completed by {@link #finish} for the ordinal it gets in its generation
 * ({@link JournalGeneration#append(JournalRecordEncoder)}). A record that would exceed
 * {@link JournalRecordFormat#MAX_RECORD_BYTES} fails while its fields are added, before anything is written.
 *
 * <p>Threading: the store's owner thread (one encoder per writer, reused record after record).
 */
final class JournalRecordEncoder {
    byte[] buf = new byte[512];
    private ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
    private final CRC32C crc = new CRC32C();

    void begin(byte type) {
        bb.clear();
        bb.position(ORDINAL_BYTES);
        bb.put(type);
    }

    /** Room for {@code n} more bytes and the CRC, within {@link JournalRecordFormat#MAX_RECORD_BYTES}. */
    private void ensure(int n) {
        int needed = bb.position() + n + CRC_BYTES;
        if (needed - ORDINAL_BYTES > MAX_RECORD_BYTES || needed < 0) {
            throw new StoreException("state record too large: more than " + MAX_RECORD_BYTES + " bytes");
        }
        if (bb.remaining() >= n + CRC_BYTES) {
            return;
        }
        byte[] bigger = new byte[Math.max(needed, buf.length * 2)];
        System.arraycopy(buf, 0, bigger, 0, bb.position());
        int pos = bb.position();
        buf = bigger;
        bb = ByteBuffer.wrap(bigger).order(ByteOrder.LITTLE_ENDIAN);
        bb.position(pos);
    }

    int position() {
        return bb.position();
    }

    void putIntAt(int at, int v) {
        bb.putInt(at, v);
    }

    void putByte(int v) {
        ensure(1);
        bb.put((byte) v);
    }

    void putInt(int v) {
        ensure(4);
        bb.putInt(v);
    }

    void putLong(long v) {
        ensure(8);
        bb.putLong(v);
    }

    void putString(String s) {
        putBytes(s == null ? null : s.getBytes(StandardCharsets.UTF_8));
    }

    void putBytes(byte[] b) {
        if (b == null) {
            putInt(-1);
            return;
        }
        ensure(4 + b.length);
        bb.putInt(b.length);
        bb.put(b);
    }

    /** Completes the record for {@code ordinal}; returns its end: the record is {@code buf[8, end)}. */
    int finish(long ordinal) {
        bb.putLong(0, ordinal);
        int end = bb.position();
        crc.reset();
        crc.update(buf, 0, end);
        bb.putInt((int) crc.getValue()); // ensure() always left room for the CRC
        return bb.position();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Typed records (SENT_RANGES / ACKED_RANGES are put together by their writers from begin and the put methods)

    void serverInfo(String clusterId, String ackToken) {
        begin(SERVER_INFO);
        putString(clusterId);
        putString(ackToken);
    }

    void clientAdd(ClientRecord c) {
        begin(CLIENT_ADD);
        putString(c.id());
        putString(c.heartbeatInbox());
        putBytes(c.connId());
        putInt(c.protocol());
        putInt(c.pingInterval());
        putInt(c.pingMaxOut());
    }

    void clientDelete(String clientId) {
        begin(CLIENT_DELETE);
        putString(clientId);
    }

    /** SUB_PUT of {@code r} with {@code lastSent} in place of the descriptor's own. */
    void subscriptionPut(SubscriptionRecord r, long lastSent) {
        begin(SUB_PUT);
        putLong(r.id());
        putString(r.channel());
        putString(r.clientId());
        putString(r.inbox());
        putString(r.ackInbox());
        putString(r.queueGroup());
        putString(r.durableName());
        putInt(r.maxInFlight());
        putLong(r.ackWaitNanos());
        putLong(lastSent);
        putByte(r.offline() ? 1 : 0);
    }

    void subscriptionDelete(long subscriptionId) {
        begin(SUB_DELETE);
        putLong(subscriptionId);
    }

    void snapshotEnd(long maxSubscriptionId) {
        begin(SNAPSHOT_END);
        putInt(FORMAT_VERSION);
        putLong(maxSubscriptionId);
    }
}
