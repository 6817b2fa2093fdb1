package io.stanchion.codec;

import com.google.protobuf.ByteString;
import io.stanchion.protocol.pb.MsgProto;

import java.nio.charset.StandardCharsets;

/**
 * The stored form of a message: the encoded {@code MsgProto} that is appended to the channel's log and sent to
 * subscribers unchanged (a redelivery appends its flag and count, {@link Replies#redelivered}). Threading: stateless.
 */
public final class MsgRecord {
    private MsgRecord() {
    }

    /**
     * Encodes the stored record: a {@code MsgProto} with sequence (1), subject (2), reply (3, omitted when empty),
     * data (4) and timestamp (5), byte for byte what {@code MsgProto.toByteArray()} gives, written straight into
     * the one array it returns (no builder, no output stream).
     */
    public static byte[] encode(long seq, String subject, String reply, ByteString data, long ts) {
        byte[] subjectUtf8 = isAscii(subject) ? null : subject.getBytes(StandardCharsets.UTF_8);
        byte[] replyUtf8 = isAscii(reply) ? null : reply.getBytes(StandardCharsets.UTF_8);
        int subjectLen = subjectUtf8 == null ? subject.length() : subjectUtf8.length;
        int replyLen = replyUtf8 == null ? reply.length() : replyUtf8.length;
        int dataLen = data.size();
        int size = 1 + varintSize(seq) + 1 + varintSize(subjectLen) + subjectLen
                + (replyLen == 0 ? 0 : 1 + varintSize(replyLen) + replyLen)
                + (dataLen == 0 ? 0 : 1 + varintSize(dataLen) + dataLen)
                + (ts == 0 ? 0 : 1 + varintSize(ts));
        byte[] out = new byte[size];
        out[0] = (byte) (MsgProto.SEQUENCE_FIELD_NUMBER << 3); // varint
        int p = putVarint(out, 1, seq);
        out[p++] = (byte) (MsgProto.SUBJECT_FIELD_NUMBER << 3 | 2);
        p = putString(out, p, subject, subjectUtf8, subjectLen);
        if (replyLen > 0) {
            out[p++] = (byte) (MsgProto.REPLY_FIELD_NUMBER << 3 | 2);
            p = putString(out, p, reply, replyUtf8, replyLen);
        }
        if (dataLen > 0) {
            out[p++] = (byte) (MsgProto.DATA_FIELD_NUMBER << 3 | 2);
            p = putVarint(out, p, dataLen);
            data.copyTo(out, p);
            p += dataLen;
        }
        if (ts != 0) {
            out[p++] = (byte) (MsgProto.TIMESTAMP_FIELD_NUMBER << 3); // int64: a negative one takes ten bytes
            p = putVarint(out, p, ts);
        }
        if (p != size) {
            throw new IllegalStateException("MsgProto encoding: " + p + " bytes written, " + size + " computed");
        }
        return out;
    }

    /** One length-delimited string field (field number below 16: a one-byte tag) as an array of its own. */
    static byte[] stringField(int field, String s) {
        byte[] utf8 = isAscii(s) ? null : s.getBytes(StandardCharsets.UTF_8);
        int len = utf8 == null ? s.length() : utf8.length;
        byte[] out = new byte[1 + varintSize(len) + len];
        out[0] = (byte) (field << 3 | 2);
        putString(out, 1, s, utf8, len);
        return out;
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    private static int putString(byte[] out, int p, String s, byte[] utf8, int len) {
        p = putVarint(out, p, len);
        if (utf8 != null) {
            System.arraycopy(utf8, 0, out, p, len);
            return p + len;
        }
        for (int i = 0; i < len; i++) {
            out[p++] = (byte) s.charAt(i);
        }
        return p;
    }

    /** Bytes of {@code v} as an unsigned varint (a negative long takes ten). */
    private static int varintSize(long v) {
        return v == 0 ? 1 : (63 - Long.numberOfLeadingZeros(v)) / 7 + 1;
    }

    private static int putVarint(byte[] out, int p, long v) {
        while ((v & ~0x7FL) != 0) {
            out[p++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out[p++] = (byte) v;
        return p;
    }

}
