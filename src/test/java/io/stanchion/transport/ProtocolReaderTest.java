package io.stanchion.transport;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The inbound protocol parser against scripted server output, delivered in pieces of every size. */
class ProtocolReaderTest {

    /** Everything the sink saw, as text lines. */
    private static final class Recorder implements ProtocolReader.Sink {
        final List<String> events = new ArrayList<>();

        @Override
        public void msg(int sid, byte[] buf, int subjectAt, int subjectLen, int replyAt, int replyLen, int dataAt,
                        int dataLen) {
            events.add("MSG " + sid + " " + new String(buf, subjectAt, subjectLen, StandardCharsets.UTF_8) + " "
                    + (replyLen == 0 ? "-" : new String(buf, replyAt, replyLen, StandardCharsets.UTF_8)) + " "
                    + dataLen + ":" + Arrays.hashCode(Arrays.copyOfRange(buf, dataAt, dataAt + dataLen)));
        }

        @Override
        public void ping() {
            events.add("PING");
        }

        @Override
        public void pong() {
            events.add("PONG");
        }

        @Override
        public void error(String text) {
            events.add("ERR " + text);
        }
    }

    /** Returns at most {@code chunk} bytes per read (a random size up to it when {@code random} is set). */
    private static InputStream trickle(byte[] data, int chunk, Random random) {
        return new InputStream() {
            int pos;

            @Override
            public int read() {
                return pos < data.length ? data[pos++] & 0xFF : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= data.length) {
                    return -1;
                }
                int n = Math.min(Math.min(len, data.length - pos), random == null ? chunk : 1 + random.nextInt(chunk));
                System.arraycopy(data, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }

    private static byte[] script(byte[] big) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(("INFO {\"server_id\":\"x\"}\r\n+OK\r\nPING\r\n"
                + "MSG _STAN.pub.c.foo 3 _INBOX.r 5\r\nhello\r\n"
                + "MSG _STAN.acks.x 8 0\r\n\r\n"
                + "MSG a\t2   7\r\nab\r\ncd\n\r\n" // tabs and runs of spaces; the payload holds CR LF
                + "HMSG h 4 r 12 17\r\nNATS/1.0\r\n\r\nbody!\r\n"
                + "PONG\r\n-ERR 'Slow Consumer'\r\n").getBytes(StandardCharsets.UTF_8));
        o.write(("MSG big 1 " + big.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        o.write(big);
        o.write("\r\nMSG after 1 2\r\nok\r\n".getBytes(StandardCharsets.US_ASCII));
        return o.toByteArray();
    }

    private static List<String> expected(byte[] big) {
        return List.of("PING",
                "MSG 3 _STAN.pub.c.foo _INBOX.r 5:" + Arrays.hashCode("hello".getBytes(StandardCharsets.UTF_8)),
                "MSG 8 _STAN.acks.x - 0:" + Arrays.hashCode(new byte[0]),
                "MSG 2 a - 7:" + Arrays.hashCode("ab\r\ncd\n".getBytes(StandardCharsets.UTF_8)),
                "MSG 4 h r 5:" + Arrays.hashCode("body!".getBytes(StandardCharsets.UTF_8)),
                "PONG", "ERR 'Slow Consumer'",
                "MSG 1 big - " + big.length + ":" + Arrays.hashCode(big),
                "MSG 1 after - 2:" + Arrays.hashCode("ok".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void parsesEveryOperationWhateverTheReadBoundariesIncludingAMessageLargerThanTheBuffer() throws Exception {
        byte[] big = new byte[700_000];
        new Random(1).nextBytes(big);
        byte[] data = script(big);
        for (int chunk : new int[] {1, 2, 3, 7, 64, 4096, 1 << 20}) {
            Recorder r = new Recorder();
            new ProtocolReader(trickle(data, chunk, null), 1 << 20).run(r);
            assertThat(r.events).as("chunks of %d", chunk).isEqualTo(expected(big));
        }
        Random random = new Random(7);
        for (int i = 0; i < 20; i++) {
            Recorder r = new Recorder();
            new ProtocolReader(trickle(data, 1 + random.nextInt(100_000), random), 1 << 20).run(r);
            assertThat(r.events).isEqualTo(expected(big));
        }
    }

    @Test
    void malformedInputEndsTheConnectionWithAnError() {
        for (String bad : List.of("MSG foo\r\n", "MSG foo 1 x\r\n", "MSG foo 1 -3\r\n", "MSG a 1 b c 3\r\n",
                "MSG foo 1 99999999999999999999\r\n", "MSG big 1 2000000\r\n")) {
            assertThatThrownBy(() -> new ProtocolReader(trickle(bad.getBytes(StandardCharsets.US_ASCII), 5, null),
                    1 << 20).run(new Recorder())).as(bad).isInstanceOf(IOException.class);
        }
        byte[] longLine = ("INFO " + "x".repeat(70_000)).getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> new ProtocolReader(trickle(longLine, 4096, null), 1 << 20).run(new Recorder()))
                .hasMessageContaining("too long");
    }

    @Test
    void aTruncatedMessageAtTheEndOfTheStreamIsNotDelivered() throws Exception {
        Recorder r = new Recorder();
        new ProtocolReader(trickle("MSG a 1 10\r\nabc".getBytes(StandardCharsets.US_ASCII), 2, null), 1024).run(r);
        assertThat(r.events).isEmpty();
    }
}
