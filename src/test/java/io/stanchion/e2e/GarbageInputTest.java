package io.stanchion.e2e;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.SubscriptionOptions;
import io.stanchion.protocol.pb.Ack;
import io.stanchion.protocol.pb.CloseRequest;
import io.stanchion.protocol.pb.CloseResponse;
import io.stanchion.protocol.pb.ConnectRequest;
import io.stanchion.protocol.pb.ConnectResponse;
import io.stanchion.protocol.pb.MsgProto;
import io.stanchion.protocol.pb.Ping;
import io.stanchion.protocol.pb.PubAck;
import io.stanchion.protocol.pb.PubMsg;
import io.stanchion.protocol.pb.StartPosition;
import io.stanchion.protocol.pb.SubscriptionRequest;
import io.stanchion.protocol.pb.SubscriptionResponse;
import io.stanchion.protocol.pb.UnsubscribeRequest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Undecodable payloads on every subject the server listens to: answered with the original's "invalid ... request"
 * errors where the original answers, dropped where it drops them, and the server keeps serving.
 */
class GarbageInputTest extends StanchionE2E {
    /** Tag 524287 with wire type 7 (which doesn't exist): no protobuf message can parse this. */
    private static final byte[] GARBAGE = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01, 0x02};
    /** Long enough to be sure nothing is coming back for a dropped message. */
    private static final Duration QUIET = Duration.ofMillis(750);

    private interface Parser {
        MessageLite parse(byte[] data) throws InvalidProtocolBufferException;
    }

    @Test
    void garbageReallyIsUnparseable() {
        List<Parser> parsers = List.of(ConnectRequest::parseFrom, PubMsg::parseFrom, SubscriptionRequest::parseFrom,
                UnsubscribeRequest::parseFrom, CloseRequest::parseFrom, Ping::parseFrom, Ack::parseFrom);
        for (Parser p : parsers) {
            assertThatThrownBy(() -> p.parse(GARBAGE)).isInstanceOf(InvalidProtocolBufferException.class);
        }
    }

    @Test
    void garbageOnEveryRequestSubjectThenTheServerStillWorks() throws Exception {
        startServer();
        RawStan s = new RawStan(raw(), clusterId);

        ConnectResponse connect = ConnectResponse.parseFrom(s.request(s.discover(), GARBAGE));
        assertThat(connect.getError()).isEqualTo("stan: invalid connection request");
        assertThat(connect.getPubPrefix()).isEmpty();

        // a registered client, a channel and a subscription, so that the garbage lands next to live state
        s.connect("victim");
        assertThat(s.publish("victim", "foo", "m1").getError()).isEmpty();
        assertThat(s.publish("victim", "foo", "m2").getError()).isEmpty();
        Subscription deliveries = s.inbox("_INBOX.deliver");
        String ackInbox = s.subscribeOk(RawStan.subRequest("victim", "foo", deliveries.getSubject())
                .setStartPosition(StartPosition.First).setMaxInFlight(1).build());

        PubAck pubAck = PubAck.parseFrom(s.request(s.pubPrefix + ".foo", GARBAGE));
        assertThat(pubAck.getError()).isEqualTo("stan: invalid publish request");
        assertThat(pubAck.getGuid()).isEmpty();

        SubscriptionResponse sub = SubscriptionResponse.parseFrom(s.request(s.subRequests, GARBAGE));
        assertThat(sub.getError()).isEqualTo("stan: invalid subscription request");
        assertThat(sub.getAckInbox()).isEmpty();

        SubscriptionResponse unsub = SubscriptionResponse.parseFrom(s.request(s.unsubRequests, GARBAGE));
        assertThat(unsub.getError()).isEqualTo("stan: invalid unsubscribe request");
        SubscriptionResponse subClose = SubscriptionResponse.parseFrom(s.request(s.subCloseRequests, GARBAGE));
        assertThat(subClose.getError()).isEqualTo("stan: invalid unsubscribe request");

        CloseResponse close = CloseResponse.parseFrom(s.request(s.closeRequests, GARBAGE));
        assertThat(close.getError()).isEqualTo("stan: invalid close request");

        // pings and acks are dropped: no reply at all
        Subscription replies = s.inbox("_INBOX.replies");
        s.nc.publish(s.pingRequests, replies.getSubject(), GARBAGE);
        s.nc.publish(ackInbox, replies.getSubject(), GARBAGE);
        s.nc.flush(RawStan.TIMEOUT);
        assertThat(replies.nextMessage(QUIET)).as("reply to a garbage ping or ack").isNull();

        // the subscription (MaxInFlight 1) got message 1; the garbage ack did not ack it, so 2 is held back ...
        Message first = deliveries.nextMessage(RawStan.TIMEOUT);
        assertThat(first).isNotNull();
        assertThat(MsgProto.parseFrom(first.getData()).getSequence()).isEqualTo(1);
        assertThat(deliveries.nextMessage(QUIET)).as("delivery past MaxInFlight").isNull();
        // ... until a real ack on the same inbox
        s.nc.publish(ackInbox, Ack.newBuilder().setSubject("foo").setSequence(1).build().toByteArray());
        Message second = deliveries.nextMessage(RawStan.TIMEOUT);
        assertThat(second).as("delivery after a valid ack").isNotNull();
        assertThat(MsgProto.parseFrom(second.getData()).getSequence()).isEqualTo(2);

        // the client the garbage close could have hit is still registered, pings are still answered
        assertThat(s.ping(RawStan.connId("victim")).getError()).isEmpty();
        assertThat(s.publish("victim", "foo", "m3").getError()).isEmpty();
        assertThat(s.unsubscribe(false, "victim", "foo", ackInbox).getError()).isEmpty();
        assertThat(s.close("victim").getError()).isEmpty();

        // and end to end with the real client
        StreamingConnection sc = stan("survivor");
        List<String> got = new CopyOnWriteArrayList<>();
        CountDownLatch four = new CountDownLatch(4);
        sc.subscribe("foo", m -> {
            got.add(new String(m.getData(), StandardCharsets.UTF_8));
            four.countDown();
        }, new SubscriptionOptions.Builder().deliverAllAvailable().build());
        sc.publish("foo", "m4".getBytes(StandardCharsets.UTF_8));
        assertThat(four.await(20, TimeUnit.SECONDS)).as("4 messages received, got %s", got).isTrue();
        assertThat(got).containsExactly("m1", "m2", "m3", "m4");
    }

    @Test
    void emptyPayloadsAreDecodedAsEmptyRequests() throws Exception {
        startServer();
        RawStan s = new RawStan(raw(), clusterId);
        byte[] empty = new byte[0];
        assertThat(ConnectResponse.parseFrom(s.request(s.discover(), empty)).getError())
                .isEqualTo("stan: invalid connection request");
        PubAck pubAck = PubAck.parseFrom(s.request(s.pubPrefix + ".foo", empty));
        assertThat(pubAck.getError()).isEqualTo("stan: invalid publish request");
        assertThat(SubscriptionResponse.parseFrom(s.request(s.subRequests, empty)).getError())
                .isEqualTo("stan: clientID missing");
        assertThat(CloseResponse.parseFrom(s.request(s.closeRequests, empty)).getError())
                .isEqualTo("stan: unknown clientID");
        // still serving
        s.connect("after");
        assertThat(s.publish("after", "foo", "x").getError()).isEmpty();
    }
}
