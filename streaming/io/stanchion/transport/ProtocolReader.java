package io.stanchion.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads what a NATS server sends a client ({@code MSG}, {@code HMSG}, {@code PING}, {@code PONG}, {@code +OK},
 * {@code -ERR}, {@code INFO}) from a stream into one reusable buffer and hands each message to a {@link Sink} as
 * offsets into that buffer: no message object, no String and no copy per message. A message larger than the buffer
 * grows it (up to the server's max_payload); the buffer shrinks back once such a message has been handled.
 *
 * <p>Threading: one reader thread; the buffer passed to the sink is only valid during the call.
 */
final class ProtocolReader {
    /** What the reader found. Called on the reader thread. */
    interface Sink {
        /** A message on subscription {@code sid}; {@code replyLen} is 0 when it has no reply subject. */
        void msg(int sid, byte[] buf, int subjectAt, int subjectLen, int replyAt, int replyLen, int dataAt,
                 int dataLen) throws IOException;

        void ping() throws IOException;

        void pong();

        /** A {@code -ERR} line's text. */
        void error(String text);
    }

    private static final int INITIAL = 256 * 1024;
    /** The longest protocol line accepted (nats-server's max_control_line default is 4 KiB). */
    private static final int MAX_LINE = 64 * 1024;

    private final InputStream in;
    private final long maxMessage;
    private byte[] buf = new byte[INITIAL];
    /** Start and length of each token of the line being parsed (reused). */
    private final int[] tokens = new int[10];
    private int start;
    private int end;

    ProtocolReader(InputStream in, long maxPayload) {
        this.in = in;
        this.maxMessage = maxPayload + MAX_LINE;
    }

    /** Reads and dispatches until the server closes the stream; an IOException ends it too. */
    void run(Sink sink) throws IOException {
        while (true) {
            int lf = indexOfLf(start, end);
            if (lf < 0) {
                if (end - start > MAX_LINE) {
                    throw new IOException("protocol line too long");
                }
                if (!fill(0)) {
                    return;
                }
                continue;
            }
            int lineEnd = lf > start && buf[lf - 1] == '\r' ? lf - 1 : lf;
            int consumed = handleLine(lineEnd, lf + 1, sink);
            if (consumed < 0) { // a message whose payload is not all here yet
                if (!fill(-consumed)) {
                    return;
                }
                continue;
            }
            start = consumed;
            if (start == end) {
                start = 0;
                end = 0;
                if (buf.length > INITIAL * 4) {
                    buf = new byte[INITIAL];
                }
            }
        }
    }

    /**
     * Handles the line {@code [start, lineEnd)}; returns where the next one starts, or {@code -n} when the line
     * is a message whose {@code n} bytes (from {@code start}) are not all in the buffer yet.
     */
    private int handleLine(int lineEnd, int next, Sink sink) throws IOException {
        byte[] b = buf;
        int s = start;
        int len = lineEnd - s;
        if (len >= 4 && (b[s] | 0x20) == 'm' && (b[s + 1] | 0x20) == 's' && (b[s + 2] | 0x20) == 'g'
                && isSpace(b[s + 3])) {
            return message(s + 4, lineEnd, next, false, sink);
        }
        if (len >= 5 && (b[s] | 0x20) == 'h' && (b[s + 1] | 0x20) == 'm' && isSpace(b[s + 4])) {
            return message(s + 5, lineEnd, next, true, sink); // only with headers on, which we never ask for
        }
        if (len >= 4 && (b[s] | 0x20) == 'p' && (b[s + 1] | 0x20) == 'i') {
            sink.ping();
        } else if (len >= 4 && (b[s] | 0x20) == 'p' && (b[s + 1] | 0x20) == 'o') {
            sink.pong();
        } else if (len >= 4 && b[s] == '-') {
            sink.error(new String(b, s + 4, len - 4, StandardCharsets.UTF_8).trim());
        } // +OK and INFO: nothing to do
        return next;
    }

    /**
     * {@code MSG <subject> <sid> [reply] <size>} (or {@code HMSG ... <header size> <total size>}, whose headers
     * are skipped) then the payload and CRLF.
     */
    private int message(int from, int lineEnd, int next, boolean headers, Sink sink) throws IOException {
        byte[] b = buf;
        int[] at = tokens;
        int n = 0;
        int p = from;
        while (p < lineEnd && n < 5) {
            while (p < lineEnd && isSpace(b[p])) {
                p++;
            }
            if (p >= lineEnd) {
                break;
            }
            int t = p;
            while (p < lineEnd && !isSpace(b[p])) {
                p++;
            }
            at[2 * n] = t;
            at[2 * n + 1] = p - t;
            n++;
        }
        int sizes = headers ? 2 : 1;
        if (n < 2 + sizes || n > 3 + sizes) {
            throw new IOException("malformed " + (headers ? "HMSG" : "MSG") + " line");
        }
        long total = decimal(b, at[2 * (n - 1)], at[2 * (n - 1) + 1]);
        long headerLen = headers ? decimal(b, at[2 * (n - 2)], at[2 * (n - 2) + 1]) : 0;
        if (total < 0 || headerLen < 0 || headerLen > total || total > maxMessage) {
            throw new IOException("malformed message size");
        }
        long needed = (long) next - start + total + 2;
        if (start + needed > end) {
            return (int) -needed;
        }
        int sid = (int) decimal(b, at[2], at[3]);
        boolean reply = n == 3 + sizes;
        int dataAt = next + (int) headerLen;
        sink.msg(sid, b, at[0], at[1], reply ? at[4] : 0, reply ? at[5] : 0, dataAt, (int) (total - headerLen));
        return next + (int) total + 2;
    }

    /**
     * Reads more bytes: compacts the buffer, grows it when {@code needed} (bytes from {@code start}) do not fit.
     * False at the end of the stream.
     */
    private boolean fill(int needed) throws IOException {
        if (start > 0) {
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
        }
        if (needed > buf.length) {
            buf = java.util.Arrays.copyOf(buf, Math.max(needed, buf.length * 2));
        } else if (end == buf.length) {
            buf = java.util.Arrays.copyOf(buf, buf.length * 2);
        }
        int r = in.read(buf, end, buf.length - end);
        if (r < 0) {
            return false;
        }
        end += r;
        return true;
    }

    private int indexOfLf(int from, int to) {
        byte[] b = buf;
        for (int i = from; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\t';
    }

    /** A non-negative decimal, or -1 when it is not one. */
    private static long decimal(byte[] b, int at, int len) {
        if (len == 0 || len > 18) {
            return -1;
        }
        long v = 0;
        for (int i = at; i < at + len; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }
}
