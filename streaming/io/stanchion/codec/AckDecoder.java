package io.stanchion.codec;

import io.stanchion.engine.Command;

import com.google.protobuf.InvalidProtocolBufferException;
import io.stanchion.protocol.pb.Ack;

import java.nio.charset.StandardCharsets;

/**
 * Reads an {@code Ack} (1: subject, 2: sequence) in place, without a protobuf builder, a String or a copy: acks
 * arrive once per delivered message. Anything but those two fields in their wire types is handed to the generated
 * parser, so the result is always what {@code Ack.parseFrom} gives. Threading: stateless.
 */
public final class AckDecoder {
    private AckDecoder() {
    }

    /**
     * The ack in {@code data} as a command for {@code ackInbox}.
     *
     * @throws InvalidProtocolBufferException when it is not an Ack
     */
    public static Command.AckMsg decode(String ackInbox, byte[] data) throws InvalidProtocolBufferException {
        int p = 0;
        int subjectAt = 0;
        int subjectLen = 0;
        long seq = 0;
        int n = data.length;
        while (p < n) {
            int tag = data[p++];
            if (tag == 0x0A && p < n) { // field 1, length-delimited
                int len = data[p++];
                if (len < 0 || len > n - p) { // a length of 128 or more: varint of two bytes or more
                    return generic(ackInbox, data);
                }
                subjectAt = p;
                subjectLen = len;
                p += len;
            } else if (tag == 0x10) { // field 2, varint
                long v = 0;
                int shift = 0;
                while (true) {
                    if (p >= n || shift > 63) {
                        return generic(ackInbox, data);
                    }
                    byte b = data[p++];
                    v |= (long) (b & 0x7F) << shift;
                    if (b >= 0) {
                        break;
                    }
                    shift += 7;
                }
                seq = v;
            } else {
                return generic(ackInbox, data);
            }
        }
        return new Command.AckMsg(ackInbox, data, subjectAt, subjectLen, seq);
    }

    private static Command.AckMsg generic(String ackInbox, byte[] data) throws InvalidProtocolBufferException {
        Ack a = Ack.parseFrom(data);
        byte[] subject = a.getSubject().getBytes(StandardCharsets.UTF_8);
        return new Command.AckMsg(ackInbox, subject, 0, subject.length, a.getSequence());
    }
}
