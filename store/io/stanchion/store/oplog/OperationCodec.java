package io.stanchion.store.oplog;

import io.stanchion.store.ClientRecord;
import io.stanchion.store.SubscriptionRecord;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Serialises {@link Operation}s: a version byte, then per operation a type byte and its fields (strings as UTF-8
 * with a length, numbers big-endian, byte arrays with a length). Decoding refuses unknown versions and types,
 * truncated input and trailing bytes with an {@link IOException}. Threading: stateless.
 */
public final class OperationCodec {
    private static final int VERSION = 1;
    private static final int SERVER_INFO = 1;
    private static final int ADD_CLIENT = 2;
    private static final int DELETE_CLIENT = 3;
    private static final int PUT_SUBSCRIPTION = 4;
    private static final int DELETE_SUBSCRIPTION = 5;
    private static final int SENT = 6;
    private static final int ACKED = 7;
    private static final int CREATE_CHANNEL = 8;
    private static final int APPEND = 9;
    private static final int REMOVE_BEFORE = 10;
    private static final int DELETE_CHANNEL = 11;
    private static final int BATCH = 12;
    /** Longest string or byte array accepted when decoding (a record is at most 8 MiB plus its envelope). */
    private static final int MAX_FIELD = 16 << 20;

    private OperationCodec() {
    }

    public static byte[] encode(Operation op) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            write(out, op);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not from a byte array
        }
        return bytes.toByteArray();
    }

    public static Operation decode(byte[] data) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        try {
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new IOException("unknown operation encoding version " + version);
            }
            Operation op = read(in, true);
            if (in.available() > 0) {
                throw new IOException(in.available() + " bytes after the operation");
            }
            return op;
        } catch (EOFException e) {
            throw new IOException("truncated operation");
        }
    }

    private static void write(DataOutputStream out, Operation op) throws IOException {
        if (op instanceof Operation.ServerInfo o) {
            out.writeByte(SERVER_INFO);
            string(out, o.clusterId());
            string(out, o.ackToken());
        } else if (op instanceof Operation.AddClient o) {
            ClientRecord c = o.client();
            out.writeByte(ADD_CLIENT);
            string(out, c.id());
            string(out, c.heartbeatInbox());
            bytes(out, c.connId());
            out.writeInt(c.protocol());
            out.writeInt(c.pingInterval());
            out.writeInt(c.pingMaxOut());
        } else if (op instanceof Operation.DeleteClient o) {
            out.writeByte(DELETE_CLIENT);
            string(out, o.clientId());
        } else if (op instanceof Operation.PutSubscription o) {
            SubscriptionRecord s = o.subscription();
            out.writeByte(PUT_SUBSCRIPTION);
            out.writeLong(s.id());
            string(out, s.channel());
            string(out, s.clientId());
            string(out, s.inbox());
            string(out, s.ackInbox());
            string(out, s.queueGroup());
            string(out, s.durableName());
            out.writeInt(s.maxInFlight());
            out.writeLong(s.ackWaitNanos());
            out.writeLong(s.lastSent());
            out.writeBoolean(s.offline());
        } else if (op instanceof Operation.DeleteSubscription o) {
            out.writeByte(DELETE_SUBSCRIPTION);
            out.writeLong(o.subscriptionId());
        } else if (op instanceof Operation.Sent o) {
            out.writeByte(SENT);
            out.writeLong(o.subscriptionId());
            out.writeLong(o.sequence());
        } else if (op instanceof Operation.Acked o) {
            out.writeByte(ACKED);
            out.writeLong(o.subscriptionId());
            out.writeLong(o.sequence());
        } else if (op instanceof Operation.CreateChannel o) {
            out.writeByte(CREATE_CHANNEL);
            string(out, o.name());
        } else if (op instanceof Operation.Append o) {
            out.writeByte(APPEND);
            string(out, o.channel());
            out.writeLong(o.sequence());
            out.writeLong(o.timestampNanos());
            bytes(out, o.record());
        } else if (op instanceof Operation.RemoveBefore o) {
            out.writeByte(REMOVE_BEFORE);
            string(out, o.channel());
            out.writeLong(o.sequence());
        } else if (op instanceof Operation.DeleteChannel o) {
            out.writeByte(DELETE_CHANNEL);
            string(out, o.name());
        } else if (op instanceof Operation.Batch o) {
            out.writeByte(BATCH);
            out.writeInt(o.operations().size());
            for (Operation inner : o.operations()) {
                write(out, inner);
            }
        }
    }

    private static Operation read(DataInputStream in, boolean batchAllowed) throws IOException {
        int type = in.readUnsignedByte();
        return switch (type) {
            case SERVER_INFO -> new Operation.ServerInfo(string(in), string(in));
            case ADD_CLIENT -> new Operation.AddClient(new ClientRecord(string(in), string(in), bytes(in),
                    in.readInt(), in.readInt(), in.readInt()));
            case DELETE_CLIENT -> new Operation.DeleteClient(string(in));
            case PUT_SUBSCRIPTION -> new Operation.PutSubscription(new SubscriptionRecord(in.readLong(), string(in),
                    string(in), string(in), string(in), string(in), string(in), in.readInt(), in.readLong(),
                    in.readLong(), in.readBoolean()));
            case DELETE_SUBSCRIPTION -> new Operation.DeleteSubscription(in.readLong());
            case SENT -> new Operation.Sent(in.readLong(), in.readLong());
            case ACKED -> new Operation.Acked(in.readLong(), in.readLong());
            case CREATE_CHANNEL -> new Operation.CreateChannel(string(in));
            case APPEND -> new Operation.Append(string(in), in.readLong(), in.readLong(), bytes(in));
            case REMOVE_BEFORE -> new Operation.RemoveBefore(string(in), in.readLong());
            case DELETE_CHANNEL -> new Operation.DeleteChannel(string(in));
            case BATCH -> {
                if (!batchAllowed) {
                    throw new IOException("a batch inside a batch");
                }
                int n = in.readInt();
                if (n < 0 || n > in.available()) { // every operation takes at least one byte
                    throw new IOException("bad batch size " + n);
                }
                List<Operation> ops = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    ops.add(read(in, false));
                }
                yield new Operation.Batch(ops);
            }
            default -> throw new IOException("unknown operation type " + type);
        };
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        bytes(out, s == null ? null : s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static String string(DataInputStream in) throws IOException {
        byte[] b = bytes(in);
        return b == null ? null : new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A length (-1 for null) and the bytes. */
    private static void bytes(DataOutputStream out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] bytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        if (n < 0 || n > MAX_FIELD || n > in.available()) {
            throw new IOException("bad field length " + n);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }
}
