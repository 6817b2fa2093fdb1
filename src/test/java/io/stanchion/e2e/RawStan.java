package io.stanchion.e2e;

import com.google.protobuf.ByteString;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.stanchion.protocol.pb.CloseRequest;
import io.stanchion.protocol.pb.CloseResponse;
import io.stanchion.protocol.pb.ConnectRequest;
import io.stanchion.protocol.pb.ConnectResponse;
import io.stanchion.protocol.pb.Ping;
import io.stanchion.protocol.pb.PingResponse;
import io.stanchion.protocol.pb.PubAck;
import io.stanchion.protocol.pb.PubMsg;
import io.stanchion.protocol.pb.StartPosition;
import io.stanchion.protocol.pb.SubscriptionRequest;
import io.stanchion.protocol.pb.SubscriptionResponse;
import io.stanchion.protocol.pb.UnsubscribeRequest;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bare-bones STAN client speaking the wire protocol over a plain jnats connection, for raw-protocol tests: every
 * request is built and every reply parsed with the server's own protobuf classes. Subject names come from the
 * cluster ID until {@link #connect(String)} has returned a ConnectResponse, then from that response, as a real
 * client does. Heartbeats sent to any heartbeat inbox made by {@link #heartbeatInbox()} are answered.
 *
 * <p>Used by ProtocolErrorsTest, GarbageInputTest, PipelinedPublishTest and StartupTest (owner of the file: the
 * session that wrote those). Other tests are welcome to use it, but please don't change what the methods do.
 */
final class RawStan {
    /** Generous: the machines are small and noisy. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    final Connection nc;
    final String clusterId;
    private final Dispatcher heartbeats;
    /** Subject names; the defaults are the ones the server is expected to advertise. */
    String pubPrefix;
    String subRequests;
    String unsubRequests;
    String subCloseRequests;
    String closeRequests;
    String pingRequests;

    RawStan(Connection nc, String clusterId) {
        this.nc = nc;
        this.clusterId = clusterId;
        this.heartbeats = nc.createDispatcher(m -> {
            if (m.getReplyTo() != null) {
                nc.publish(m.getReplyTo(), new byte[0]);
            }
        });
        pubPrefix = "_STAN.pub." + clusterId;
        subRequests = "_STAN.sub." + clusterId;
        unsubRequests = "_STAN.unsub." + clusterId;
        subCloseRequests = "_STAN.subclose." + clusterId;
        closeRequests = "_STAN.close." + clusterId;
        pingRequests = discover() + ".pings";
    }

    String discover() {
        return "_STAN.discover." + clusterId;
    }

    /** A fresh inbox whose heartbeat requests are answered. */
    String heartbeatInbox() {
        String inbox = "_INBOX.hb." + nuid();
        heartbeats.subscribe(inbox);
        return inbox;
    }

    /** A random 32-hex-digit token (every prefix of it is random too). */
    static String nuid() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    /** The connID this helper uses for a client ID. */
    static ByteString connId(String clientId) {
        return ByteString.copyFromUtf8("conn-" + clientId);
    }

    /** Request/reply; fails the test if no reply arrives in time. */
    byte[] request(String subject, byte[] payload) throws Exception {
        Message reply = nc.request(subject, payload, TIMEOUT);
        assertThat(reply).as("reply to a request on %s", subject).isNotNull();
        assertThat(reply.isStatusMessage()).as("status reply on %s", subject).isFalse();
        return reply.getData() == null ? new byte[0] : reply.getData();
    }

    /** Sends any ConnectRequest, returns the raw response (which may carry an error). */
    ConnectResponse connect(ConnectRequest request) throws Exception {
        return ConnectResponse.parseFrom(request(discover(), request.toByteArray()));
    }

    /** A protocol-1 connect that must succeed; adopts the advertised subjects. */
    ConnectResponse connect(String clientId) throws Exception {
        ConnectResponse r = connect(ConnectRequest.newBuilder()
                .setClientID(clientId)
                .setHeartbeatInbox(heartbeatInbox())
                .setProtocol(1)
                .setConnID(connId(clientId))
                .setPingInterval(5)
                .setPingMaxOut(3)
                .build());
        assertThat(r.getError()).as("connect error for %s", clientId).isEmpty();
        pubPrefix = r.getPubPrefix();
        subRequests = r.getSubRequests();
        unsubRequests = r.getUnsubRequests();
        subCloseRequests = r.getSubCloseRequests();
        closeRequests = r.getCloseRequests();
        pingRequests = r.getPingRequests();
        return r;
    }

    /** Publishes on {@code <pubPrefix>.<natsToken>} (the channel itself is PubMsg.subject) and waits for the PubAck. */
    PubAck publish(String natsToken, PubMsg msg) throws Exception {
        return PubAck.parseFrom(request(pubPrefix + "." + natsToken, msg.toByteArray()));
    }

    PubAck publish(PubMsg msg) throws Exception {
        return publish(msg.getSubject(), msg);
    }

    /** A valid publish by client ID only (as the Java client does); returns the PubAck. */
    PubAck publish(String clientId, String channel, String data) throws Exception {
        return publish(PubMsg.newBuilder().setClientID(clientId).setGuid(nuid()).setSubject(channel)
                .setData(ByteString.copyFromUtf8(data)).build());
    }

    SubscriptionResponse subscribe(SubscriptionRequest request) throws Exception {
        return SubscriptionResponse.parseFrom(request(subRequests, request.toByteArray()));
    }

    /** A valid request for a plain subscription; tests change fields on the returned builder. */
    static SubscriptionRequest.Builder subRequest(String clientId, String channel, String inbox) {
        return SubscriptionRequest.newBuilder()
                .setClientID(clientId)
                .setSubject(channel)
                .setInbox(inbox)
                .setMaxInFlight(16)
                .setAckWaitInSecs(30)
                .setStartPosition(StartPosition.NewOnly);
    }

    /** A subscription request that must succeed; returns its ack inbox. */
    String subscribeOk(SubscriptionRequest request) throws Exception {
        SubscriptionResponse r = subscribe(request);
        assertThat(r.getError()).as("subscribe error").isEmpty();
        assertThat(r.getAckInbox()).as("ack inbox").isNotEmpty();
        return r.getAckInbox();
    }

    /** Unsubscribe ({@code close} false) or subscription close ({@code close} true). */
    SubscriptionResponse unsubscribe(boolean close, String clientId, String channel, String inbox) throws Exception {
        UnsubscribeRequest u = UnsubscribeRequest.newBuilder().setClientID(clientId).setSubject(channel)
                .setInbox(inbox).build();
        return SubscriptionResponse.parseFrom(request(close ? subCloseRequests : unsubRequests, u.toByteArray()));
    }

    CloseResponse close(String clientId) throws Exception {
        return CloseResponse.parseFrom(request(closeRequests,
                CloseRequest.newBuilder().setClientID(clientId).build().toByteArray()));
    }

    PingResponse ping(ByteString connId) throws Exception {
        return PingResponse.parseFrom(request(pingRequests, Ping.newBuilder().setConnID(connId).build().toByteArray()));
    }

    /**
     * A plain NATS subscription to a fresh inbox (for deliveries or replies), registered with the broker before
     * this returns.
     */
    Subscription inbox(String prefix) throws Exception {
        Subscription s = nc.subscribe(prefix + "." + nuid());
        nc.flush(TIMEOUT);
        return s;
    }
}
