package io.stanchion.codec;

import io.stanchion.engine.Command;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.stanchion.protocol.pb.PubMsg;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a {@code PubMsg} in place into a {@link Command.Publish}: no builder, no CodedInputStream, one copy of the
 * payload, and the client ID, connID, channel and reply subject taken from small caches of recently seen values
 * (a publisher sends the same ones again and again; a cached String also keeps its hash code, so the engine's map
 * lookups do not hash it again). Fields 1-6 and 10 as length-delimited ASCII/bytes are read here; anything else
 * (unknown fields, other wire types, non-ASCII strings) goes to the generated parser, so the result is always
 * what {@code PubMsg.parseFrom} gives, and undecodable input fails the same way.
 *
 * <p>Threading: one instance per transport thread (the caches are not shared).
 */
public final class PubMsgDecoder {
    private final Interned<ByteString> connIds = new Interned<>() {
        @Override
        ByteString make(byte[] b, int at, int len) {
            return ByteString.copyFrom(b, at, len);
        }
    };
    /** Client IDs, channels and reply subjects: one cache of UTF-8 strings. */
    private final Interned<String> strings = new Interned<>() {
        @Override
        String make(byte[] b, int at, int len) {
            return new String(b, at, len, StandardCharsets.UTF_8);
        }
    };

    /** A NATS subject (the reply subject of a publish) from its UTF-8 bytes, cached. */
    public String subject(byte[] b, int at, int len) {
        return strings.get(b, at, len);
    }

    /**
     * The publish in {@code b[at, at + len)}, received with the NATS reply subject {@code reply}.
     *
     * @throws InvalidProtocolBufferException when it is not a PubMsg
     */
    public Command.Publish decode(byte[] b, int at, int len, String reply, long receivedNanos)
            throws InvalidProtocolBufferException {
        String clientId = "";
        String guid = "";
        String subject = "";
        String msgReply = "";
        ByteString data = ByteString.EMPTY;
        ByteString connId = ByteString.EMPTY;
        int p = at;
        int end = at + len;
        while (p < end) {
            int tag = b[p++];
            if ((tag & 7) != 2 || tag < 0) {
                return generic(b, at, len, reply, receivedNanos);
            }
            int n = 0;
            int shift = 0;
            while (true) { // the field's length, a varint of at most 5 bytes
                if (p >= end || shift > 28) {
                    return generic(b, at, len, reply, receivedNanos);
                }
                byte v = b[p++];
                n |= (v & 0x7F) << shift;
                if (v >= 0) {
                    break;
                }
                shift += 7;
            }
            if (n < 0 || n > end - p) {
                return generic(b, at, len, reply, receivedNanos);
            }
            int field = tag >>> 3;
            if (field >= 1 && field <= 4 && !ascii(b, p, n)) {
                return generic(b, at, len, reply, receivedNanos);
            }
            switch (field) {
                case 1 -> clientId = strings.get(b, p, n);
                case 2 -> guid = n == 0 ? "" : new String(b, p, n, StandardCharsets.ISO_8859_1);
                case 3 -> subject = strings.get(b, p, n);
                case 4 -> msgReply = strings.get(b, p, n);
                case 5 -> data = n == 0 ? ByteString.EMPTY
                        : UnsafeByteOperations.unsafeWrap(Arrays.copyOfRange(b, p, p + n));
                case 6 -> connId = n == 0 ? ByteString.EMPTY : connIds.get(b, p, n);
                case 10 -> { } // sha256: not used
                default -> {
                    return generic(b, at, len, reply, receivedNanos);
                }
            }
            p += n;
        }
        return new Command.Publish(clientId, connId, guid, subject, msgReply, data, reply, len, receivedNanos);
    }

    /** Through the generated parser: the rare message this reader does not handle. */
    public static Command.Publish generic(byte[] b, int at, int len, String reply, long receivedNanos)
            throws InvalidProtocolBufferException {
        PubMsg m = PubMsg.parser().parseFrom(b, at, len);
        return new Command.Publish(m.getClientID(), m.getConnID(), m.getGuid(), m.getSubject(), m.getReply(),
                m.getData(), reply, len, receivedNanos);
    }

    private static boolean ascii(byte[] b, int at, int len) {
        for (int i = at; i < at + len; i++) {
            if (b[i] < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * A small direct-mapped cache from byte strings to the value made of them: a hit costs a short hash and one
     * array comparison instead of an allocation. Keys of more than 256 bytes are not cached.
     */
    private abstract static class Interned<T> {
        private static final int SLOTS = 64;
        private static final int MAX_KEY = 256;
        private final byte[][] keys = new byte[SLOTS][];
        private final Object[] values = new Object[SLOTS];

        abstract T make(byte[] b, int at, int len);

        @SuppressWarnings("unchecked")
        final T get(byte[] b, int at, int len) {
            if (len == 0 || len > MAX_KEY) {
                return make(b, at, len);
            }
            int h = len * 31 + b[at] * 7 + b[at + len - 1] * 131 + b[at + (len >>> 1)] * 17
                    + b[at + (len >>> 2)] * 3;
            int slot = (h ^ (h >>> 7)) & (SLOTS - 1);
            byte[] k = keys[slot];
            if (k != null && Arrays.equals(k, 0, k.length, b, at, at + len)) {
                return (T) values[slot];
            }
            T v = make(b, at, len);
            keys[slot] = Arrays.copyOfRange(b, at, at + len);
            values[slot] = v;
            return v;
        }
    }
}
