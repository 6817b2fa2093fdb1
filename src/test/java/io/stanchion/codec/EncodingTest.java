package io.stanchion.codec;

import io.stanchion.engine.Command;


import com.google.protobuf.ByteString;
import io.stanchion.protocol.pb.MsgProto;
import io.stanchion.protocol.pb.PubAck;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The hand-written hot-path encoders produce exactly what the generated protobuf code does. */
class EncodingTest {

    @Test
    void storedRecordIsTheMsgProtoEncoding() throws Exception {
        ByteString data = ByteString.copyFromUtf8("payload \u00e9");
        for (String reply : new String[] {"", "_INBOX.reply"}) {
            for (ByteString d : new ByteString[] {ByteString.EMPTY, data}) {
                byte[] ours = MsgRecord.encode(123_456_789L, "orders.eu", reply, d, 1_700_000_000_123_456_789L);
                byte[] theirs = MsgProto.newBuilder().setSequence(123_456_789L).setSubject("orders.eu")
                        .setReply(reply).setData(d).setTimestamp(1_700_000_000_123_456_789L).build().toByteArray();
                assertThat(ours).isEqualTo(theirs);
            }
        }
    }

    @Test
    void storedRecordMatchesForNonAsciiNamesLongFieldsAndEdgeValues() throws Exception {
        java.util.Random r = new java.util.Random(3);
        String[] names = {"c", "orders.\u00e9u", "\u20ac.\ud83d\ude00", "x".repeat(200), "\u00ff".repeat(70)};
        long[] seqs = {1, 127, 128, 16_383, 16_384, Long.MAX_VALUE};
        long[] stamps = {1, 127, 128, 1_700_000_000_123_456_789L, Long.MAX_VALUE, -1, Long.MIN_VALUE};
        for (String subject : names) {
            for (String reply : names) {
                byte[] payload = new byte[r.nextInt(20_000)];
                r.nextBytes(payload);
                ByteString d = ByteString.copyFrom(payload);
                long seq = seqs[r.nextInt(seqs.length)];
                long ts = stamps[r.nextInt(stamps.length)];
                assertThat(MsgRecord.encode(seq, subject, reply, d, ts)).isEqualTo(MsgProto.newBuilder()
                        .setSequence(seq).setSubject(subject).setReply(reply).setData(d).setTimestamp(ts).build()
                        .toByteArray());
            }
        }
    }

    @Test
    void redeliveryAppendsTheFlagAndCountThatParseBack() throws Exception {
        byte[] record = MsgRecord.encode(7, "c", "", ByteString.copyFromUtf8("x"), 42);
        MsgProto m = MsgProto.parseFrom(Replies.redelivered(record, 300));
        assertThat(m.getSequence()).isEqualTo(7);
        assertThat(m.getRedelivered()).isTrue();
        assertThat(m.getRedeliveryCount()).isEqualTo(300);
        assertThat(m.getData().toStringUtf8()).isEqualTo("x");
    }

    @Test
    void okPubAckIsThePubAckEncoding() throws Exception {
        assertThat(Replies.encodeOkPubAck("guid-1")).isEqualTo(PubAck.newBuilder().setGuid("guid-1").build()
                .toByteArray());
        assertThat(PubAck.parseFrom(Replies.encodeOkPubAck("")).getGuid()).isEmpty();
        for (String guid : new String[]{"x", "x".repeat(127), "x".repeat(128), "x".repeat(300), "gü-ïd", "日本"}) {
            assertThat(Replies.encodeOkPubAck(guid)).as(guid).isEqualTo(PubAck.newBuilder().setGuid(guid).build()
                    .toByteArray());
        }
    }

    @Test
    void acksDecodeInPlaceAsTheGeneratedParserReadsThem() throws Exception {
        java.util.List<byte[]> inputs = new java.util.ArrayList<>();
        for (String subject : new String[]{"", "foo", "a.b.c", "ü-kanal-日本", "x".repeat(127), "y".repeat(128),
                "z".repeat(300)}) {
            for (long seq : new long[]{0, 1, 127, 128, 1L << 35, -1L, Long.MAX_VALUE}) {
                inputs.add(io.stanchion.protocol.pb.Ack.newBuilder().setSubject(subject).setSequence(seq).build()
                        .toByteArray());
            }
        }
        // repeated fields (last wins), unknown fields, fields in the other order
        byte[] a = io.stanchion.protocol.pb.Ack.newBuilder().setSubject("first").setSequence(5).build().toByteArray();
        byte[] b = io.stanchion.protocol.pb.Ack.newBuilder().setSubject("second").setSequence(9).build().toByteArray();
        inputs.add(concat(a, b));
        inputs.add(concat(new byte[]{0x10, 0x03}, new byte[]{0x0A, 0x01, 'q'}));
        inputs.add(concat(a, new byte[]{0x18, 0x01}));          // field 3, varint
        inputs.add(concat(new byte[]{0x22, 0x02, 1, 2}, a));    // field 4, bytes
        inputs.add(new byte[0]);
        for (byte[] in : inputs) {
            io.stanchion.protocol.pb.Ack expected = io.stanchion.protocol.pb.Ack.parseFrom(in);
            Command.AckMsg got = AckDecoder.decode("inbox", in);
            assertThat(got.subject()).isEqualTo(expected.getSubject());
            assertThat(got.sequence()).isEqualTo(expected.getSequence());
            assertThat(got.ackInbox()).isEqualTo("inbox");
        }
        // malformed: both refuse
        for (byte[] bad : new byte[][]{{0x0A, 0x05, 'a'}, {0x10, (byte) 0x80}, {0x0A}, {(byte) 0xFF}}) {
            assertThatThrownBy(() -> io.stanchion.protocol.pb.Ack.parseFrom(bad))
                    .isInstanceOf(com.google.protobuf.InvalidProtocolBufferException.class);
            assertThatThrownBy(() -> AckDecoder.decode("inbox", bad))
                    .isInstanceOf(com.google.protobuf.InvalidProtocolBufferException.class);
        }
    }

    private static byte[] concat(byte[] x, byte[] y) {
        byte[] out = java.util.Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }
}
