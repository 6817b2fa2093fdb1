package io.stanchion.engine;

import com.google.protobuf.ByteString;
import io.stanchion.protocol.pb.MsgProto;
import io.stanchion.protocol.pb.PubAck;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The hand-written hot-path encoders produce exactly what the generated protobuf code does. */
class EncodingTest {

    @Test
    void storedRecordIsTheMsgProtoEncoding() throws Exception {
        ByteString data = ByteString.copyFromUtf8("payload \u00e9");
        for (String reply : new String[] {"", "_INBOX.reply"}) {
            for (ByteString d : new ByteString[] {ByteString.EMPTY, data}) {
                byte[] ours = Publishes.encode(123_456_789L, "orders.eu", reply, d, 1_700_000_000_123_456_789L);
                byte[] theirs = MsgProto.newBuilder().setSequence(123_456_789L).setSubject("orders.eu")
                        .setReply(reply).setData(d).setTimestamp(1_700_000_000_123_456_789L).build().toByteArray();
                assertThat(ours).isEqualTo(theirs);
            }
        }
    }

    @Test
    void redeliveryAppendsTheFlagAndCountThatParseBack() throws Exception {
        byte[] record = Publishes.encode(7, "c", "", ByteString.copyFromUtf8("x"), 42);
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
}
