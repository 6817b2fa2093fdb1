package io.stanchion.codec;

import io.stanchion.protocol.pb.CloseResponse;
import io.stanchion.protocol.pb.ConnectRequest;
import io.stanchion.protocol.pb.ConnectResponse;
import io.stanchion.protocol.pb.PingResponse;
import io.stanchion.protocol.pb.PubAck;
import io.stanchion.protocol.pb.SubscriptionResponse;
import io.stanchion.transport.Transport;

import java.io.ByteArrayOutputStream;

/**
 * Encodes and sends everything the server says to clients: responses, PubAcks and deliveries. A reply subject that
 * is empty (fire-and-forget requests) is not answered. Threading: any thread (the transport is thread-safe).
 */
public final class Replies {
    public static final byte[] EMPTY = new byte[0];

    private final Transport transport;
    private final Subjects subjects;

    public Replies(Transport transport, Subjects subjects) {
        this.transport = transport;
        this.subjects = subjects;
    }

    public void pubAck(String reply, String guid, String error) {
        if (isEmpty(reply)) {
            return;
        }
        if (error == null) {
            transport.publish(reply, encodeOkPubAck(guid));
            return;
        }
        transport.publish(reply, PubAck.newBuilder().setGuid(guid).setError(error).build().toByteArray());
    }

    /** {@code PubAck{guid}} without a builder (the hot path sends one per message): tag, length, UTF-8 bytes. */
    public static byte[] encodeOkPubAck(String guid) {
        return guid.isEmpty() ? EMPTY : MsgRecord.stringField(PubAck.GUID_FIELD_NUMBER, guid);
    }

    public void connectError(String reply, String error) {
        send(reply, ConnectResponse.newBuilder().setError(error).build().toByteArray());
    }

    /** The success response; ping fields only for protocol 1 clients, echoing what they asked for. */
    public void connectOk(String reply, ConnectRequest request) {
        ConnectResponse.Builder b = ConnectResponse.newBuilder()
                .setPubPrefix(subjects.publishPrefix())
                .setSubRequests(subjects.subscribe())
                .setUnsubRequests(subjects.unsubscribe())
                .setSubCloseRequests(subjects.subClose())
                .setCloseRequests(subjects.close())
                .setProtocol(1);
        if (request.getProtocol() >= 1) {
            b.setPingRequests(subjects.pings())
                    .setPingInterval(request.getPingInterval())
                    .setPingMaxOut(request.getPingMaxOut());
        }
        send(reply, b.build().toByteArray());
    }

    public void subscriptionResponse(String reply, String ackInbox, String error) {
        SubscriptionResponse.Builder b = SubscriptionResponse.newBuilder();
        if (ackInbox != null) {
            b.setAckInbox(ackInbox);
        }
        if (error != null) {
            b.setError(error);
        }
        send(reply, b.build().toByteArray());
    }

    public void closeResponse(String reply, String error) {
        send(reply, error == null ? EMPTY : CloseResponse.newBuilder().setError(error).build().toByteArray());
    }

    public void pingResponse(String reply, String error) {
        send(reply, error == null ? EMPTY : PingResponse.newBuilder().setError(error).build().toByteArray());
    }

    /** First delivery: the stored record is the encoded MsgProto, sent as is. */
    public void deliver(String inbox, byte[] record) {
        transport.publish(inbox, record);
    }

    /**
     * Redelivery: protobuf merges concatenated encodings field by field (the last value of a scalar wins), so
     * appending {@code redelivered=true} (field 6) and {@code redeliveryCount} (field 7) to the stored record yields
     * the flagged message without decoding it.
     */
    public static byte[] redelivered(byte[] record, int count) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(record.length + 8);
        out.writeBytes(record);
        out.write(0x30); // field 6, varint
        out.write(0x01);
        out.write(0x38); // field 7, varint
        long v = count & 0xFFFFFFFFL;
        while (v >= 0x80) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
        return out.toByteArray();
    }

    private void send(String reply, byte[] payload) {
        if (!isEmpty(reply)) {
            transport.publish(reply, payload);
        }
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }
}
