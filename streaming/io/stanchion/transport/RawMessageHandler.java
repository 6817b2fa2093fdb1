package io.stanchion.transport;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Receives one inbound NATS message as offsets into the connection's read buffer, which is only valid during the
 * call: whatever is kept must be copied. Called on the direct connection's reader thread, in arrival order.
 */
@FunctionalInterface
public interface RawMessageHandler {
    /** {@code replyLen} is 0 when the message has no reply subject. */
    void onMessage(byte[] buf, int subjectAt, int subjectLen, int replyAt, int replyLen, int dataAt, int dataLen);

    /** {@code handler} behind this interface: subject and reply as Strings, the payload copied. */
    static RawMessageHandler of(MessageHandler handler) {
        return (buf, subjectAt, subjectLen, replyAt, replyLen, dataAt, dataLen) -> handler.onMessage(
                new String(buf, subjectAt, subjectLen, StandardCharsets.UTF_8),
                replyLen == 0 ? null : new String(buf, replyAt, replyLen, StandardCharsets.UTF_8),
                Arrays.copyOfRange(buf, dataAt, dataAt + dataLen));
    }
}
