package io.stanchion.bench;

import java.nio.charset.StandardCharsets;

/**
 * Hand-rolled protobuf (proto3 wire format) helpers for the load generator's hot path, so the raw mode spends as
 * little client CPU per message as possible: PubMsg from a per-publisher template, PubAck and MsgProto read in
 * place, Ack written directly. Setup messages (connect, subscribe, close) use the generated classes instead.
 */
final class Wire {
    static final int WT_VARINT = 0;
    static final int WT_I64 = 1;
    static final int WT_LEN = 2;
    static final int WT_I32 = 5;

    private Wire() {
    }

    static int varintSize(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    /** Writes {@code v} at {@code off}; returns the offset after it. */
    static int putVarint(byte[] b, int off, long v) {
        while ((v & ~0x7FL) != 0) {
            b[off++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        b[off++] = (byte) v;
        return off;
    }

    static int tag(int field, int wireType) {
        return (field << 3) | wireType;
    }

    /** Writes a length-delimited field; returns the offset after it. */
    static int putBytes(byte[] b, int off, int field, byte[] value) {
        off = putVarint(b, off, tag(field, WT_LEN));
        off = putVarint(b, off, value.length);
        System.arraycopy(value, 0, b, off, value.length);
        return off + value.length;
    }

    static int bytesFieldSize(int field, int length) {
        return varintSize(tag(field, WT_LEN)) + varintSize(length) + length;
    }

    static void putLong(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    static int getInt(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Writes {@code v} as exactly {@code width} decimal digits (zero-padded) at {@code off}. */
    static void putDigits(byte[] b, int off, int width, long v) {
        for (int i = off + width - 1; i >= off; i--) {
            b[i] = (byte) ('0' + (v % 10));
            v /= 10;
        }
    }

    static long parseDigits(byte[] b, int off, int width) {
        long v = 0;
        for (int i = off; i < off + width; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    /** A forward-only reader over one encoded message. */
    static final class Reader {
        final byte[] buf;
        int pos;
        final int end;
        /** Length of the value last read by {@link #lengthDelimited()}. */
        int len;

        Reader(byte[] buf) {
            this.buf = buf;
            this.pos = 0;
            this.end = buf == null ? 0 : buf.length;
        }

        boolean more() {
            return pos < end;
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new IllegalArgumentException("truncated varint");
                }
                byte x = buf[pos++];
                v |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("malformed varint");
        }

        /** Reads a length prefix; returns the start offset of the value and moves past it. */
        int lengthDelimited() {
            len = (int) varint();
            int start = pos;
            if (len < 0 || start + len > end) {
                throw new IllegalArgumentException("truncated field");
            }
            pos = start + len;
            return start;
        }

        void skip(int wireType) {
            switch (wireType) {
                case WT_VARINT -> varint();
                case WT_I64 -> pos += 8;
                case WT_LEN -> lengthDelimited();
                case WT_I32 -> pos += 4;
                default -> throw new IllegalArgumentException("wire type " + wireType);
            }
        }
    }
}
