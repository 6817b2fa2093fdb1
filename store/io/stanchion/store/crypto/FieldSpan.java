package io.stanchion.store.crypto;

/**
 * Where one length-delimited field lies in a record encoded in the protobuf wire format (the stored
 * {@code MsgProto}): from its tag to the end of its value. Found by walking the record's fields, so it works for any
 * field order. Immutable; any thread.
 */
final class FieldSpan {
    private static final int LENGTH_DELIMITED = 2;

    /** Offset of the field's tag. */
    final int tagStart;
    /** Offset of the field's value (after tag and length). */
    final int valueStart;
    /** Offset just after the value. */
    final int valueEnd;

    private FieldSpan(int tagStart, int valueStart, int valueEnd) {
        this.tagStart = tagStart;
        this.valueStart = valueStart;
        this.valueEnd = valueEnd;
    }

    int valueLength() {
        return valueEnd - valueStart;
    }

    /**
     * The first length-delimited field numbered {@code field} in {@code record}, or {@code null} when there is none.
     *
     * @throws IllegalArgumentException when the record is not in the protobuf wire format
     */
    static FieldSpan find(byte[] record, int field) {
        Cursor c = new Cursor(record);
        while (c.pos < record.length) {
            int tagStart = c.pos;
            long tag = c.varint();
            int wireType = (int) (tag & 7);
            switch (wireType) {
                case 0:
                    c.varint();
                    break;
                case 1:
                    c.skip(8);
                    break;
                case LENGTH_DELIMITED:
                    long len = c.varint();
                    if (len < 0 || len > record.length - c.pos) {
                        throw new IllegalArgumentException("record field length " + len + " past the record's end");
                    }
                    if (tag >>> 3 == field) {
                        return new FieldSpan(tagStart, c.pos, c.pos + (int) len);
                    }
                    c.skip((int) len);
                    break;
                case 5:
                    c.skip(4);
                    break;
                default:
                    throw new IllegalArgumentException("record field of wire type " + wireType);
            }
        }
        return null;
    }

    /** A read position in a record. */
    private static final class Cursor {
        private final byte[] b;
        int pos;

        Cursor(byte[] b) {
            this.b = b;
        }

        void skip(int n) {
            if (n > b.length - pos) {
                throw new IllegalArgumentException("record ends inside a field");
            }
            pos += n;
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= b.length) {
                    throw new IllegalArgumentException("record ends inside a varint");
                }
                byte x = b[pos++];
                v |= (long) (x & 0x7F) << shift;
                if (x >= 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("varint longer than ten bytes");
        }
    }
}
