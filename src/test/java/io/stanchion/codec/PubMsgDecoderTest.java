package io.stanchion.codec;

import io.stanchion.engine.Command;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.stanchion.protocol.pb.PubMsg;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The in-place PubMsg reader gives what the generated parser gives, for every input, read at any offset. */
class PubMsgDecoderTest {

    private static Command.Publish viaParser(byte[] b) throws InvalidProtocolBufferException {
        return PubMsgDecoder.generic(b, 0, b.length, "r", 0);
    }

    /** {@code b} inside a larger buffer, with garbage around it. */
    private static Command.Publish inPlace(PubMsgDecoder d, byte[] b) throws InvalidProtocolBufferException {
        byte[] buf = new byte[b.length + 20];
        Arrays.fill(buf, (byte) 0x7F);
        System.arraycopy(b, 0, buf, 7, b.length);
        return d.decode(buf, 7, b.length, "r", 0);
    }

    private static String randomString(Random r, boolean ascii) {
        int n = r.nextInt(4) == 0 ? 0 : r.nextInt(r.nextBoolean() ? 20 : 300);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(ascii || r.nextInt(10) > 0 ? (char) (32 + r.nextInt(95)) : "éü€😀".charAt(r.nextInt(3)));
        }
        return sb.toString();
    }

    @Test
    void randomPubMsgsDecodeAsTheGeneratedParserDecodesThem() throws Exception {
        Random r = new Random(42);
        PubMsgDecoder d = new PubMsgDecoder();
        for (int i = 0; i < 5_000; i++) {
            boolean ascii = r.nextInt(5) > 0;
            PubMsg.Builder m = PubMsg.newBuilder()
                    .setClientID("client-" + r.nextInt(100)) // repeats: the caches are hit and replaced
                    .setGuid(randomString(r, ascii))
                    .setSubject(r.nextBoolean() ? "chan." + r.nextInt(200) : randomString(r, ascii))
                    .setReply(randomString(r, ascii));
            if (r.nextBoolean()) {
                byte[] data = new byte[r.nextInt(r.nextBoolean() ? 130 : 70_000)];
                r.nextBytes(data);
                m.setData(ByteString.copyFrom(data));
            }
            if (r.nextBoolean()) {
                m.setConnID(ByteString.copyFromUtf8("conn-" + r.nextInt(100)));
            }
            if (r.nextInt(4) == 0) {
                m.setSha256(ByteString.copyFrom(new byte[32]));
            }
            byte[] b = m.build().toByteArray();
            assertThat(inPlace(d, b)).as("message %d", i).isEqualTo(viaParser(b));
        }
    }

    @Test
    void repeatedFieldsUnknownFieldsAndOtherWireTypesGiveTheParsersResult() throws Exception {
        PubMsgDecoder d = new PubMsgDecoder();
        List<byte[]> inputs = new ArrayList<>();
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        CodedOutputStream c = CodedOutputStream.newInstance(o);
        c.writeString(1, "first");
        c.writeString(1, "second"); // the last occurrence wins
        c.writeString(2, "g");
        c.writeUInt64(9, 77); // an unknown varint field
        c.writeString(3, "foo");
        c.writeBytes(15, ByteString.copyFromUtf8("unknown, length-delimited"));
        c.flush();
        inputs.add(o.toByteArray());
        inputs.add(new byte[0]);
        for (byte[] b : inputs) {
            assertThat(inPlace(d, b)).isEqualTo(viaParser(b));
        }
        assertThat(inPlace(d, inputs.get(0)).clientId()).isEqualTo("second");
    }

    @Test
    void whatTheParserRefusesIsRefused() {
        PubMsgDecoder d = new PubMsgDecoder();
        byte[] good = PubMsg.newBuilder().setClientID("c").setGuid("g").setSubject("foo")
                .setData(ByteString.copyFromUtf8("hello")).build().toByteArray();
        List<byte[]> bad = new ArrayList<>();
        for (int cut = 1; cut < good.length; cut++) {
            bad.add(Arrays.copyOf(good, cut)); // truncated (some cuts are still valid messages: skipped below)
        }
        bad.add(new byte[] {0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F}); // length too big
        bad.add(new byte[] {0x0A, 0x02, (byte) 0xC3, 0x28}); // a client ID that is not UTF-8
        bad.add(new byte[] {0x08, 0x01}); // field 1 as a varint
        bad.add(new byte[] {0x00}); // field 0
        bad.add("garbage that is no protobuf".getBytes(StandardCharsets.UTF_8));
        for (byte[] b : bad) {
            boolean parses;
            try {
                PubMsg.parseFrom(b);
                parses = true;
            } catch (InvalidProtocolBufferException e) {
                parses = false;
            }
            if (parses) {
                continue;
            }
            assertThatThrownBy(() -> inPlace(d, b)).as(Arrays.toString(b))
                    .isInstanceOf(InvalidProtocolBufferException.class);
        }
    }

    @Test
    void cachedValuesAreReturnedOnlyForEqualBytes() throws Exception {
        PubMsgDecoder d = new PubMsgDecoder();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            ids.add("c" + i); // more than the cache's slots: collisions replace entries
        }
        for (int round = 0; round < 3; round++) {
            for (String id : ids) {
                byte[] b = PubMsg.newBuilder().setClientID(id).setGuid("g").setSubject(id).build().toByteArray();
                Command.Publish p = inPlace(d, b);
                assertThat(p.clientId()).isEqualTo(id);
                assertThat(p.subject()).isEqualTo(id);
            }
        }
        byte[] reply = "_INBOX.abc".getBytes(StandardCharsets.UTF_8);
        assertThat(d.subject(reply, 0, reply.length)).isSameAs(d.subject(reply.clone(), 0, reply.length))
                .isEqualTo("_INBOX.abc");
    }
}
