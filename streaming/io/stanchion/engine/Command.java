package io.stanchion.engine;

import io.stanchion.protocol.pb.CloseRequest;
import io.stanchion.protocol.pb.ConnectRequest;
import io.stanchion.protocol.pb.Ping;
import io.stanchion.protocol.pb.SubscriptionRequest;
import io.stanchion.protocol.pb.UnsubscribeRequest;

/** What the engine thread processes, in arrival order: decoded client requests and internal tasks. */
public sealed interface Command {

    /**
     * A {@code PubMsg}'s fields ({@code msgReply} is its reply field, {@code reply} the NATS reply subject the
     * PubAck goes to); {@code size}: the PubMsg's encoded size; {@code receivedNanos}: {@link System#nanoTime()}
     * when the transport decoded it.
     */
    record Publish(String clientId, com.google.protobuf.ByteString connId, String guid, String subject,
                   String msgReply, com.google.protobuf.ByteString data, String reply, int size, long receivedNanos)
            implements Command {
    }

    record Connect(ConnectRequest request, String reply) implements Command {
    }

    record Subscribe(SubscriptionRequest request, String reply) implements Command {
    }

    /** Unsubscribe, or subscription close when {@code close} is true. */
    record Unsubscribe(UnsubscribeRequest request, String reply, boolean close) implements Command {
    }

    record Close(CloseRequest request, String reply) implements Command {
    }

    /** An ack: its channel name is {@code data[subjectAt, subjectAt + subjectLen)} (UTF-8), not decoded. */
    record AckMsg(String ackInbox, byte[] data, int subjectAt, int subjectLen, long sequence) implements Command {

        public String subject() {
            return new String(data, subjectAt, subjectLen, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    record PingMsg(Ping ping, String reply) implements Command {
    }

    /** Work handed back to the engine thread, e.g. the outcome of a heartbeat. */
    record Task(Runnable work) implements Command {
    }
}
