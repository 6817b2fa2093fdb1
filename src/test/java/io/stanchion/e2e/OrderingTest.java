package io.stanchion.e2e;

import com.google.protobuf.ByteString;
import io.nats.client.Connection;
import io.nats.client.NUID;
import io.nats.streaming.Message;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.SubscriptionOptions;
import io.stanchion.protocol.pb.CloseRequest;
import io.stanchion.protocol.pb.CloseResponse;
import io.stanchion.protocol.pb.MsgProto;
import io.stanchion.protocol.pb.PubAck;
import io.stanchion.protocol.pb.PubMsg;
import io.stanchion.protocol.pb.StartPosition;
import io.stanchion.protocol.pb.SubscriptionResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Ordering between the protocol streams (§2.9) through nats-server: publishes and acks sent before a close are
 * handled before it, and a subscription's response precedes its first delivery. (Acks in the same batch as a durable's
 * subscription close: {@code engine.AckSemanticsTest}.)
 */
class OrderingTest extends StanchionE2E {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<Long> seqs(List<Message> msgs) {
        return msgs.stream().map(Message::getSequence).toList();
    }

    private List<Message> readAll(String clientId, String channel, int expected) throws Exception {
        StreamingConnection reader = stan(clientId);
        List<Message> got = new CopyOnWriteArrayList<>();
        reader.subscribe(channel, got::add, new SubscriptionOptions.Builder().deliverAllAvailable().build());
        await().atMost(WAIT).until(() -> got.size() >= expected);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> got.size() == expected);
        return got;
    }

    /**
     * The Java client 2.2.3 cannot close with PubAcks outstanding (its close() throws a NullPointerException on an
     * async AckClosure before sending the CloseRequest), so the close request is sent here by hand on the client's
     * own NATS connection, right behind the publishes, exactly as close() would.
     */
    @Test
    void asyncPublishesFollowedByAnImmediateCloseAreAllAckedAndStored() throws Exception {
        startServer();
        int n = 2000;
        StreamingConnection sc = stan("async-pub");
        AtomicInteger acked = new AtomicInteger();
        List<String> errors = new CopyOnWriteArrayList<>();
        for (int i = 1; i <= n; i++) {
            sc.publish("ch", utf8("m" + i), (guid, err) -> {
                if (err != null) {
                    errors.add(guid + ": " + err);
                }
                acked.incrementAndGet();
            });
        }
        io.nats.client.Message reply = sc.getNatsConnection().request("_STAN.close." + clusterId,
                CloseRequest.newBuilder().setClientID("async-pub").build().toByteArray(), Duration.ofSeconds(10));
        assertThat(reply).as("close response").isNotNull();
        assertThat(reply.getData() == null ? "" : CloseResponse.parseFrom(reply.getData()).getError()).isEmpty();
        // the PubAcks were sent before the close response (see the raw test below for the strict order); the
        // client dispatches them on another thread, so allow it a moment to run the handlers
        await().atMost(WAIT).until(() -> acked.get() >= n);
        assertThat(errors).isEmpty();
        assertThat(acked.get()).isEqualTo(n);

        List<Message> got = readAll("reader", "ch", n);
        for (int i = 0; i < n; i++) {
            assertThat(got.get(i).getSequence()).isEqualTo(i + 1);
            assertThat(new String(got.get(i).getData(), StandardCharsets.UTF_8)).isEqualTo("m" + (i + 1));
        }
        // the client ID was really closed by that request: it connects again at once
        stan("async-pub").close();
    }

    @Test
    void everyPubAckIsSentBeforeTheCloseResponse() throws Exception {
        startServer();
        Connection nc = raw();
        ManualStanClient wire = new ManualStanClient(nc, clusterId);
        // One NATS subscription receives both the PubAcks and the close response, so their order is observable.
        String prefix = "_INBOX.order." + NUID.nextGlobal();
        io.nats.client.Subscription replies = nc.subscribe(prefix + ".>");
        nc.flush(Duration.ofSeconds(5));
        assertThat(wire.connect(io.stanchion.protocol.pb.ConnectRequest.newBuilder().setClientID("raw-pub")
                .setHeartbeatInbox(prefix + ".hb").setProtocol(1).build()).getError()).isEmpty();

        int n = 1000;
        Set<String> guids = new HashSet<>();
        for (int i = 0; i < n; i++) {
            String guid = "g" + i;
            guids.add(guid);
            nc.publish(wire.pubPrefix() + ".ch", prefix + ".acks", PubMsg.newBuilder().setClientID("raw-pub")
                    .setGuid(guid).setSubject("ch").setData(ByteString.copyFromUtf8("m" + i)).build().toByteArray());
        }
        nc.publish(wire.closeSubject(), prefix + ".close",
                CloseRequest.newBuilder().setClientID("raw-pub").build().toByteArray());

        Set<String> acked = new HashSet<>();
        while (true) {
            io.nats.client.Message m = replies.nextMessage(Duration.ofSeconds(10));
            assertThat(m).as("reply after %d PubAcks", acked.size()).isNotNull();
            if (m.getSubject().endsWith(".hb")) {
                continue; // a heartbeat (never at these defaults, but harmless)
            }
            if (m.getSubject().endsWith(".close")) {
                assertThat(m.getData() == null ? "" : CloseResponse.parseFrom(m.getData()).getError()).isEmpty();
                break;
            }
            PubAck ack = PubAck.parseFrom(m.getData());
            assertThat(ack.getError()).isEmpty();
            assertThat(acked.add(ack.getGuid())).as("guid %s acked once", ack.getGuid()).isTrue();
        }
        assertThat(acked).as("all PubAcks before the close response").isEqualTo(guids);

        List<Message> got = readAll("reader", "ch", n);
        assertThat(seqs(got).get(n - 1)).isEqualTo(n);
    }

    @Test
    void subscriptionResponseComesBeforeTheFirstDelivery() throws Exception {
        startServer();
        StreamingConnection pub = stan("pub");
        for (int i = 1; i <= 50; i++) {
            pub.publish("ch", utf8("m" + i));
        }
        Connection nc = raw();
        ManualStanClient wire = new ManualStanClient(nc, clusterId);
        String prefix = "_INBOX.order." + NUID.nextGlobal();
        io.nats.client.Subscription all = nc.subscribe(prefix + ".>");
        nc.flush(Duration.ofSeconds(5));
        nc.publish(wire.subSubject(), prefix + ".response", ManualStanClient.subRequest("pub", "ch",
                prefix + ".deliveries").setStartPosition(StartPosition.First).build().toByteArray());

        io.nats.client.Message first = all.nextMessage(Duration.ofSeconds(10));
        assertThat(first).isNotNull();
        assertThat(first.getSubject()).as("first message seen").endsWith(".response");
        assertThat(SubscriptionResponse.parseFrom(first.getData()).getError()).isEmpty();
        for (int i = 1; i <= 50; i++) {
            io.nats.client.Message m = all.nextMessage(Duration.ofSeconds(10));
            assertThat(m).isNotNull();
            assertThat(MsgProto.parseFrom(m.getData()).getSequence()).isEqualTo(i);
        }
    }

    @Test
    void acksSentRightBeforeClosingADurablesConnectionAreHonoured() throws Exception {
        startServer();
        StreamingConnection pub = stan("pub");
        int n = 200;
        for (int i = 1; i <= n; i++) {
            pub.publish("ch", utf8("m" + i));
        }
        StreamingConnection owner = stan("durable-owner");
        List<Message> got = new CopyOnWriteArrayList<>();
        owner.subscribe("ch", got::add, new SubscriptionOptions.Builder().durableName("dur").manualAcks()
                .ackWait(Duration.ofSeconds(30)).maxInFlight(n).deliverAllAvailable().build());
        await().atMost(WAIT).until(() -> got.size() >= n);
        for (Message m : got) {
            m.ack();
        }
        owner.close(); // immediately: the acks are still on their way

        StreamingConnection again = stan("durable-owner");
        List<Message> resumed = new CopyOnWriteArrayList<>();
        again.subscribe("ch", resumed::add, new SubscriptionOptions.Builder().durableName("dur").manualAcks()
                .ackWait(Duration.ofSeconds(30)).build());
        await().during(Duration.ofMillis(1000)).atMost(Duration.ofSeconds(6))
                .untilAsserted(() -> assertThat(resumed).isEmpty());
        pub.publish("ch", utf8("next"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(seqs(resumed)).containsExactly((long) n + 1));
        assertThat(resumed.get(0).isRedelivered()).isFalse();
    }
}
