package io.stanchion.e2e;

import com.google.protobuf.ByteString;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.stanchion.protocol.pb.CloseResponse;
import io.stanchion.protocol.pb.ConnectRequest;
import io.stanchion.protocol.pb.ConnectResponse;
import io.stanchion.protocol.pb.MsgProto;
import io.stanchion.protocol.pb.PingResponse;
import io.stanchion.protocol.pb.PubAck;
import io.stanchion.protocol.pb.PubMsg;
import io.stanchion.protocol.pb.StartPosition;
import io.stanchion.protocol.pb.SubscriptionResponse;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every protocol error a client can provoke, over raw NATS requests, with the original server's exact strings
 * (reference §1.3, §1.5).
 */
class ProtocolErrorsTest extends StanchionE2E {
    private static final String INVALID_CLIENT_ID =
            "stan: invalid clientID: only alphanumeric and `-` or `_` characters allowed";

    private RawStan rawStan() throws Exception {
        return new RawStan(raw(), clusterId);
    }

    // ---------------------------------------------------------------- connect

    @Test
    void connectWithoutHeartbeatInboxIsInvalid() throws Exception {
        startServer();
        RawStan s = rawStan();
        ConnectResponse r = s.connect(ConnectRequest.newBuilder().setClientID("me").setProtocol(1)
                .setConnID(RawStan.connId("me")).build());
        assertThat(r.getError()).isEqualTo("stan: invalid connection request");
        assertThat(r.getPubPrefix()).isEmpty();
        assertThat(r.getSubRequests()).isEmpty();
        for (String bad : List.of("a b", "hb\r\nPUB x 1")) {
            r = s.connect(ConnectRequest.newBuilder().setClientID("me").setProtocol(1).setHeartbeatInbox(bad)
                    .setConnID(RawStan.connId("me")).build());
            assertThat(r.getError()).as("heartbeat inbox [%s]", bad).isEqualTo("stan: invalid connection request");
        }
        // nothing was registered: the same ID connects fine afterwards
        s.connect("me");
    }

    @Test
    void invalidClientIdsAreRefused() throws Exception {
        startServer();
        RawStan s = rawStan();
        for (String id : List.of("a b", "é", "", "a.b", "a*", "a>", "a/b", "tab\t")) {
            ConnectResponse r = s.connect(ConnectRequest.newBuilder().setClientID(id)
                    .setHeartbeatInbox(s.heartbeatInbox()).setProtocol(1).build());
            assertThat(r.getError()).as("client ID [%s]", id).isEqualTo(INVALID_CLIENT_ID);
            assertThat(r.getPubPrefix()).as("client ID [%s]", id).isEmpty();
        }
        // the allowed alphabet
        s.connect("Az09_-");
    }

    @Test
    void protocolOneConnectEchoesPingSettingsAndNamesAllSubjects() throws Exception {
        startServer();
        RawStan s = rawStan();
        ConnectResponse r = s.connect(ConnectRequest.newBuilder()
                .setClientID("p1")
                .setHeartbeatInbox(s.heartbeatInbox())
                .setProtocol(1)
                .setConnID(RawStan.connId("p1"))
                .setPingInterval(7)
                .setPingMaxOut(9)
                .build());
        assertThat(r.getError()).isEmpty();
        assertThat(r.getPubPrefix()).isEqualTo("_STAN.pub." + clusterId);
        assertThat(r.getSubRequests()).isEqualTo("_STAN.sub." + clusterId);
        assertThat(r.getUnsubRequests()).isEqualTo("_STAN.unsub." + clusterId);
        assertThat(r.getSubCloseRequests()).isEqualTo("_STAN.subclose." + clusterId);
        assertThat(r.getCloseRequests()).isEqualTo("_STAN.close." + clusterId);
        assertThat(r.getPingRequests()).isEqualTo("_STAN.discover." + clusterId + ".pings");
        assertThat(r.getPingInterval()).isEqualTo(7);
        assertThat(r.getPingMaxOut()).isEqualTo(9);
        assertThat(r.getProtocol()).isEqualTo(1);
        assertThat(r.getPublicKey()).isEmpty();

        // negative ping interval (tests use it for milliseconds) is echoed as is
        ConnectResponse neg = s.connect(ConnectRequest.newBuilder()
                .setClientID("p1neg")
                .setHeartbeatInbox(s.heartbeatInbox())
                .setProtocol(1)
                .setConnID(RawStan.connId("p1neg"))
                .setPingInterval(-250)
                .setPingMaxOut(2)
                .build());
        assertThat(neg.getError()).isEmpty();
        assertThat(neg.getPingInterval()).isEqualTo(-250);
        assertThat(neg.getPingMaxOut()).isEqualTo(2);
    }

    @Test
    void protocolZeroConnectHasNoPingFields() throws Exception {
        startServer();
        RawStan s = rawStan();
        ConnectResponse r = s.connect(ConnectRequest.newBuilder()
                .setClientID("p0")
                .setHeartbeatInbox(s.heartbeatInbox())
                .setPingInterval(7) // ignored for a protocol 0 client
                .setPingMaxOut(9)
                .build());
        assertThat(r.getError()).isEmpty();
        assertThat(r.getPingRequests()).isEmpty();
        assertThat(r.getPingInterval()).isZero();
        assertThat(r.getPingMaxOut()).isZero();
        assertThat(r.getPubPrefix()).isEqualTo("_STAN.pub." + clusterId);
        assertThat(r.getSubRequests()).isEqualTo("_STAN.sub." + clusterId);
        assertThat(r.getUnsubRequests()).isEqualTo("_STAN.unsub." + clusterId);
        assertThat(r.getSubCloseRequests()).isEqualTo("_STAN.subclose." + clusterId);
        assertThat(r.getCloseRequests()).isEqualTo("_STAN.close." + clusterId);
    }

    // ---------------------------------------------------------------- publish

    @Test
    void invalidPublishesAreRefusedAndNotStored() throws Exception {
        startServer();
        RawStan s = rawStan();
        s.connect("pub");
        String invalid = "stan: invalid publish request";

        PubAck noGuid = s.publish(PubMsg.newBuilder().setClientID("pub").setSubject("foo")
                .setData(ByteString.copyFromUtf8("x")).build());
        assertThat(noGuid.getError()).isEqualTo(invalid);
        assertThat(noGuid.getGuid()).isEmpty();

        for (String channel : List.of("foo..bar", "foo.*", ".foo", "foo.", "foo.>", "*", ">", "a/b")) {
            PubAck ack = s.publish("bad", PubMsg.newBuilder().setClientID("pub").setGuid("g-" + channel)
                    .setSubject(channel).setData(ByteString.copyFromUtf8("x")).build());
            assertThat(ack.getError()).as("channel [%s]", channel).isEqualTo(invalid);
            assertThat(ack.getGuid()).as("channel [%s]", channel).isEqualTo("g-" + channel);
        }
        PubAck emptyChannel = s.publish("bad", PubMsg.newBuilder().setClientID("pub").setGuid("g-empty")
                .setData(ByteString.copyFromUtf8("x")).build());
        assertThat(emptyChannel.getError()).isEqualTo(invalid);
        assertThat(emptyChannel.getGuid()).isEqualTo("g-empty");

        PubAck unknown = s.publish(PubMsg.newBuilder().setClientID("ghost").setGuid("g-ghost").setSubject("foo")
                .setData(ByteString.copyFromUtf8("ghost")).build());
        assertThat(unknown.getError()).isEqualTo(invalid);
        assertThat(unknown.getGuid()).isEqualTo("g-ghost");

        // with a connID the server looks the client up by connID only: a registered client ID doesn't help
        PubAck wrongConn = s.publish(PubMsg.newBuilder().setClientID("pub").setConnID(ByteString.copyFromUtf8("nope"))
                .setGuid("g-conn").setSubject("foo").setData(ByteString.copyFromUtf8("wrong conn")).build());
        assertThat(wrongConn.getError()).isEqualTo(invalid);
        assertThat(wrongConn.getGuid()).isEqualTo("g-conn");

        // none of that was stored: the first valid message is sequence 1 of "foo"
        assertThat(s.publish("pub", "foo", "valid").getError()).isEmpty();
        Subscription inbox = s.inbox("_INBOX.deliver");
        s.subscribeOk(RawStan.subRequest("pub", "foo", inbox.getSubject())
                .setStartPosition(StartPosition.First).build());
        Message m = inbox.nextMessage(RawStan.TIMEOUT);
        assertThat(m).as("first stored message").isNotNull();
        MsgProto first = MsgProto.parseFrom(m.getData());
        assertThat(first.getSequence()).isEqualTo(1);
        assertThat(first.getData().toStringUtf8()).isEqualTo("valid");
    }

    @Test
    void publishIsAcceptedByClientIdWithoutConnIdAndByConnId() throws Exception {
        startServer();
        RawStan s = rawStan();
        s.connect("pub");

        PubAck byClientId = s.publish(PubMsg.newBuilder().setClientID("pub").setGuid("g1").setSubject("foo")
                .setData(ByteString.copyFromUtf8("one")).build());
        assertThat(byClientId.getError()).isEmpty();
        assertThat(byClientId.getGuid()).isEqualTo("g1");

        PubAck byConnId = s.publish(PubMsg.newBuilder().setClientID("pub").setConnID(RawStan.connId("pub"))
                .setGuid("g2").setSubject("foo").setData(ByteString.copyFromUtf8("two")).build());
        assertThat(byConnId.getError()).isEmpty();
        assertThat(byConnId.getGuid()).isEqualTo("g2");

        // connID alone identifies the client (the Go and Node clients send both, the server trusts connID)
        PubAck connIdOnly = s.publish(PubMsg.newBuilder().setConnID(RawStan.connId("pub"))
                .setGuid("g3").setSubject("foo").setData(ByteString.copyFromUtf8("three")).build());
        assertThat(connIdOnly.getError()).isEmpty();
        assertThat(connIdOnly.getGuid()).isEqualTo("g3");

        Subscription inbox = s.inbox("_INBOX.deliver");
        s.subscribeOk(RawStan.subRequest("pub", "foo", inbox.getSubject())
                .setStartPosition(StartPosition.First).build());
        for (int seq = 1; seq <= 3; seq++) {
            Message m = inbox.nextMessage(RawStan.TIMEOUT);
            assertThat(m).as("message %d", seq).isNotNull();
            MsgProto msg = MsgProto.parseFrom(m.getData());
            assertThat(msg.getSequence()).isEqualTo(seq);
            assertThat(msg.getData().toStringUtf8()).isEqualTo(List.of("one", "two", "three").get(seq - 1));
        }
    }

    // ---------------------------------------------------------------- subscribe

    @Test
    void subscriptionRequestErrors() throws Exception {
        startServer();
        RawStan s = rawStan();
        s.connect("subber");
        String inbox = "_INBOX.deliver." + RawStan.nuid();

        assertThat(s.subscribe(RawStan.subRequest("", "foo", inbox).build()).getError())
                .isEqualTo("stan: clientID missing");

        for (int ackWait : new int[]{0, -1}) {
            assertThat(s.subscribe(RawStan.subRequest("subber", "foo", inbox).setAckWaitInSecs(ackWait).build())
                    .getError()).as("ack wait %d", ackWait).isEqualTo("stan: invalid ack wait time, should be >= 1s");
        }
        for (int mif : new int[]{0, -5}) {
            assertThat(s.subscribe(RawStan.subRequest("subber", "foo", inbox).setMaxInFlight(mif).build())
                    .getError()).as("max in flight %d", mif).isEqualTo("stan: invalid MaxInflight, should be >= 1");
        }
        for (int pos : new int[]{7, -1, 5}) {
            assertThat(s.subscribe(RawStan.subRequest("subber", "foo", inbox).setStartPositionValue(pos).build())
                    .getError()).as("start position %d", pos).isEqualTo("stan: invalid start position");
        }
        for (String channel : List.of("foo.*", "foo.>", ">", "foo..bar", ".foo", "")) {
            assertThat(s.subscribe(RawStan.subRequest("subber", channel, inbox).build()).getError())
                    .as("channel [%s]", channel).isEqualTo("stan: invalid subject");
        }
        assertThat(s.subscribe(RawStan.subRequest("ghost", "foo", inbox).build()).getError())
                .isEqualTo("stan: unknown clientID");
        // an inbox the server could not publish to (the NATS connection does not check subjects per message)
        for (String bad : List.of("", "a b", "a\r\nPUB x 1", "tab\tbed", "_INBOX." + "x".repeat(1100))) {
            assertThat(s.subscribe(RawStan.subRequest("subber", "foo", bad).build()).getError())
                    .as("inbox [%s]", bad).isEqualTo("stan: invalid subscription request");
        }

        // validation order of the original: clientID, ack wait, max in flight, start position, subject, client
        assertThat(s.subscribe(RawStan.subRequest("", "foo.*", inbox).setAckWaitInSecs(0).build()).getError())
                .isEqualTo("stan: clientID missing");
        assertThat(s.subscribe(RawStan.subRequest("ghost", "foo.*", inbox).setAckWaitInSecs(0).setMaxInFlight(0)
                .build()).getError()).isEqualTo("stan: invalid ack wait time, should be >= 1s");
        assertThat(s.subscribe(RawStan.subRequest("ghost", "foo.*", inbox).setMaxInFlight(0)
                .setStartPositionValue(9).build()).getError()).isEqualTo("stan: invalid MaxInflight, should be >= 1");
        assertThat(s.subscribe(RawStan.subRequest("ghost", "foo.*", inbox).setStartPositionValue(9).build())
                .getError()).isEqualTo("stan: invalid start position");
        assertThat(s.subscribe(RawStan.subRequest("ghost", "foo.*", inbox).build()).getError())
                .isEqualTo("stan: invalid subject");

        assertThat(s.subscribe(RawStan.subRequest("subber", "foo", inbox).setQGroup("grp").setDurableName("a:b")
                .build()).getError())
                .isEqualTo("stan: durable name of a durable queue subscriber can't contain the character ':'");

        s.subscribeOk(RawStan.subRequest("subber", "foo", inbox).setDurableName("dur").build());
        SubscriptionResponse dup = s.subscribe(RawStan.subRequest("subber", "foo", inbox + ".2")
                .setDurableName("dur").build());
        assertThat(dup.getError()).isEqualTo("stan: duplicate durable registration");
        assertThat(dup.getAckInbox()).isEmpty();
        // a plain durable name with ':' is fine; the same durable name of another client is another durable
        s.subscribeOk(RawStan.subRequest("subber", "foo", inbox + ".3").setDurableName("x:y").build());
        s.connect("other");
        s.subscribeOk(RawStan.subRequest("other", "foo", inbox + ".4").setDurableName("dur").build());
    }

    // ---------------------------------------------------------------- unsubscribe / subscription close

    @Test
    void unsubscribeAndSubscriptionCloseErrors() throws Exception {
        startServer();
        RawStan s = rawStan();
        s.connect("owner");
        s.connect("intruder");
        for (boolean close : new boolean[]{false, true}) {
            String what = close ? "subclose" : "unsub";
            String ackInbox = s.subscribeOk(RawStan.subRequest("owner", "foo", "_INBOX.d." + RawStan.nuid())
                    .setDurableName("dur").build());

            assertThat(s.unsubscribe(close, "owner", "nochannel", ackInbox).getError()).as(what)
                    .isEqualTo("stan: unknown channel");
            assertThat(s.unsubscribe(close, "owner", "foo", "_INBOX.nosuchsub").getError()).as(what)
                    .isEqualTo("stan: invalid subscription");
            assertThat(s.unsubscribe(close, "intruder", "foo", ackInbox).getError()).as(what)
                    .isEqualTo("stan: unknown clientID");
            assertThat(s.unsubscribe(close, "ghost", "foo", ackInbox).getError()).as(what)
                    .isEqualTo("stan: unknown clientID");

            // the owner can, and then the subscription is gone
            SubscriptionResponse ok = s.unsubscribe(close, "owner", "foo", ackInbox);
            assertThat(ok.getError()).as(what).isEmpty();
            assertThat(ok.getAckInbox()).as(what).isEmpty();
            assertThat(s.unsubscribe(close, "owner", "foo", ackInbox).getError()).as(what + " twice")
                    .isEqualTo("stan: invalid subscription");
            // and the durable either resumes (close) or starts over (unsubscribe): either way it is accepted again
            String again = s.subscribeOk(RawStan.subRequest("owner", "foo", "_INBOX.d." + RawStan.nuid())
                    .setDurableName("dur").build());
            assertThat(s.unsubscribe(false, "owner", "foo", again).getError()).isEmpty();
        }
    }

    // ---------------------------------------------------------------- close, ping

    @Test
    void closeOfUnknownClient() throws Exception {
        startServer();
        RawStan s = rawStan();
        CloseResponse unknown = s.close("ghost");
        assertThat(unknown.getError()).isEqualTo("stan: unknown clientID");

        s.connect("leaver");
        assertThat(s.close("leaver").getError()).isEmpty();
        assertThat(s.close("leaver").getError()).as("second close").isEqualTo("stan: unknown clientID");
        // closed means unregistered: its publishes are refused
        assertThat(s.publish("leaver", "foo", "late").getError()).isEqualTo("stan: invalid publish request");
    }

    @Test
    void pingsByConnId() throws Exception {
        startServer();
        RawStan s = rawStan();
        s.connect("pinger");

        byte[] ok = s.request(s.pingRequests,
                io.stanchion.protocol.pb.Ping.newBuilder().setConnID(RawStan.connId("pinger")).build().toByteArray());
        assertThat(PingResponse.parseFrom(ok).getError()).as("known connID").isEmpty();

        PingResponse unknown = s.ping(ByteString.copyFromUtf8("not-a-conn"));
        assertThat(unknown.getError()).isEqualTo("client has been replaced or is no longer registered");

        assertThat(s.close("pinger").getError()).isEmpty();
        assertThat(s.ping(RawStan.connId("pinger")).getError()).as("after close")
                .isEqualTo("client has been replaced or is no longer registered");
    }

    // ---------------------------------------------------------------- limits, case clash

    @Test
    void maxChannels() throws Exception {
        startServer(b -> b.maxChannels(2));
        RawStan s = rawStan();
        s.connect("pub");
        assertThat(s.publish("pub", "a", "1").getError()).isEmpty();
        assertThat(s.publish("pub", "b", "1").getError()).isEmpty();
        PubAck third = s.publish("pub", "c", "1");
        assertThat(third.getError()).isEqualTo("too many channels");
        assertThat(third.getGuid()).isNotEmpty();
        SubscriptionResponse sub = s.subscribe(RawStan.subRequest("pub", "d", "_INBOX.d." + RawStan.nuid()).build());
        assertThat(sub.getError()).isEqualTo("too many channels");
        // existing channels still work
        assertThat(s.publish("pub", "a", "2").getError()).isEmpty();
        s.subscribeOk(RawStan.subRequest("pub", "b", "_INBOX.d." + RawStan.nuid()).build());
    }

    @Test
    void maxSubsPerChannel() throws Exception {
        startServer(b -> b.maxSubs(1));
        RawStan s = rawStan();
        s.connect("subber");
        s.subscribeOk(RawStan.subRequest("subber", "foo", "_INBOX.d." + RawStan.nuid()).build());
        assertThat(s.subscribe(RawStan.subRequest("subber", "foo", "_INBOX.d." + RawStan.nuid()).build()).getError())
                .isEqualTo("too many subscriptions per channel");
        assertThat(s.subscribe(RawStan.subRequest("subber", "foo", "_INBOX.d." + RawStan.nuid())
                .setDurableName("dur").build()).getError()).isEqualTo("too many subscriptions per channel");
        assertThat(s.subscribe(RawStan.subRequest("subber", "foo", "_INBOX.d." + RawStan.nuid())
                .setQGroup("grp").build()).getError()).isEqualTo("too many subscriptions per channel");
        // the limit is per channel
        s.subscribeOk(RawStan.subRequest("subber", "bar", "_INBOX.d." + RawStan.nuid()).build());
    }

    @Test
    void channelsDifferingOnlyByCaseAreRefused() throws Exception {
        startServer();
        RawStan s = rawStan();
        s.connect("pub");
        assertThat(s.publish("pub", "Foo.Bar", "1").getError()).isEmpty();
        assertThat(s.publish("pub", "foo.bar", "2").getError()).isEqualTo(
                "rejecting channel \"foo.bar\" because channel \"Foo.Bar\" alreay exists (different cases not allowed)");
        assertThat(s.subscribe(RawStan.subRequest("pub", "FOO.BAR", "_INBOX.d." + RawStan.nuid()).build())
                .getError()).isEqualTo(
                "rejecting channel \"FOO.BAR\" because channel \"Foo.Bar\" alreay exists (different cases not allowed)");
        // the exact name is still fine
        assertThat(s.publish("pub", "Foo.Bar", "3").getError()).isEmpty();
    }
}
