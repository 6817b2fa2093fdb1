package io.stanchion.e2e;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.NUID;
import io.stanchion.protocol.pb.CloseRequest;
import io.stanchion.protocol.pb.CloseResponse;
import io.stanchion.protocol.pb.ConnectRequest;
import io.stanchion.protocol.pb.ConnectResponse;
import io.stanchion.protocol.pb.MsgProto;
import io.stanchion.protocol.pb.PubMsg;
import io.stanchion.protocol.pb.SubscriptionRequest;
import io.stanchion.protocol.pb.SubscriptionResponse;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Speaks the STAN client protocol by hand over a plain jnats connection, for what the Java client hides (dead
 * heartbeat inboxes, redelivery counts, what the server actually sends to an inbox).
 */
final class ManualStanClient {
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final Connection nc;
    private final String clusterId;

    ManualStanClient(Connection nc, String clusterId) {
        this.nc = nc;
        this.clusterId = clusterId;
    }

    static String newInbox() {
        return "_INBOX." + NUID.nextGlobal();
    }

    String discoverSubject() {
        return "_STAN.discover." + clusterId;
    }

    String subSubject() {
        return "_STAN.sub." + clusterId;
    }

    String pubPrefix() {
        return "_STAN.pub." + clusterId;
    }

    String closeSubject() {
        return "_STAN.close." + clusterId;
    }

    /** Registers {@code clientId} with a heartbeat inbox nobody listens on: the server sees it as dead. */
    ConnectResponse connectDead(String clientId) throws Exception {
        return connect(ConnectRequest.newBuilder()
                .setClientID(clientId)
                .setHeartbeatInbox("_INBOX.nobody." + NUID.nextGlobal())
                .setConnID(ByteString.copyFromUtf8(NUID.nextGlobal()))
                .setProtocol(1)
                .build());
    }

    ConnectResponse connect(ConnectRequest request) throws Exception {
        Message reply = nc.request(discoverSubject(), request.toByteArray(), REQUEST_TIMEOUT);
        assertThat(reply).as("connect response").isNotNull();
        return ConnectResponse.parseFrom(reply.getData());
    }

    /** A subscription request with the Java client's defaults (MaxInFlight 1024, AckWait 30 s, new only). */
    static SubscriptionRequest.Builder subRequest(String clientId, String channel, String inbox) {
        return SubscriptionRequest.newBuilder()
                .setClientID(clientId)
                .setSubject(channel)
                .setInbox(inbox)
                .setMaxInFlight(1024)
                .setAckWaitInSecs(30);
    }

    SubscriptionResponse subscribe(SubscriptionRequest request) throws Exception {
        Message reply = nc.request(subSubject(), request.toByteArray(), REQUEST_TIMEOUT);
        assertThat(reply).as("subscription response").isNotNull();
        return SubscriptionResponse.parseFrom(reply.getData());
    }

    CloseResponse close(String clientId) throws Exception {
        Message reply = nc.request(closeSubject(), CloseRequest.newBuilder().setClientID(clientId).build()
                .toByteArray(), REQUEST_TIMEOUT);
        assertThat(reply).as("close response").isNotNull();
        return CloseResponse.parseFrom(reply.getData());
    }

    /** Publishes a PubMsg without waiting; the PubAck goes to {@code ackInbox}. */
    void publishAsync(String clientId, String channel, byte[] data, String ackInbox) {
        PubMsg m = PubMsg.newBuilder().setClientID(clientId).setGuid(NUID.nextGlobal()).setSubject(channel)
                .setData(ByteString.copyFrom(data)).build();
        nc.publish(pubPrefix() + "." + channel, ackInbox, m.toByteArray());
    }

    /**
     * Collects every MsgProto the server sends to subjects matching {@code subject} (an inbox, or {@code _INBOX.>}
     * to watch every inbox) whose channel is {@code channel}.
     */
    Collector collect(String subject, String channel) throws Exception {
        Collector c = new Collector(channel);
        Dispatcher d = nc.createDispatcher(c::onMessage);
        d.subscribe(subject);
        nc.flush(Duration.ofSeconds(5));
        return c;
    }

    static final class Collector {
        private final String channel;
        final List<MsgProto> messages = new CopyOnWriteArrayList<>();

        Collector(String channel) {
            this.channel = channel;
        }

        void onMessage(Message m) {
            if (m.getData() == null || m.getData().length == 0) {
                return;
            }
            try {
                MsgProto p = MsgProto.parseFrom(m.getData());
                if (channel.equals(p.getSubject()) && p.getSequence() > 0) {
                    messages.add(p);
                }
            } catch (InvalidProtocolBufferException ignored) {
                // not a delivery
            }
        }

        int size() {
            return messages.size();
        }
    }
}
