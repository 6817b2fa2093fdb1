package io.stanchion.e2e;

import com.google.protobuf.ByteString;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.stanchion.protocol.pb.ConnectRequest;
import io.stanchion.protocol.pb.PubAck;
import io.stanchion.protocol.pb.PubMsg;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client can never make the server publish onto the server's own subjects (it would answer itself): heartbeat
 * and delivery inboxes naming one, or a wildcard, are refused; a publish whose reply subject is one is dropped.
 * The PubAck inbox real clients use ({@code _STAN.acks.<nuid>}) keeps working.
 */
class ServerSubjectsRefusedTest extends StanchionE2E {
    private static final Duration SHORT = Duration.ofMillis(500);

    /** Every subject the server receives on, one of its ack inboxes and one of its own request inboxes. */
    private List<String> ownSubjects(RawStan s) throws Exception {
        s.connect("probe");
        String ackInbox = s.subscribeOk(RawStan.subRequest("probe", "probe", "_INBOX.p." + RawStan.nuid()).build());
        String ackPrefix = ackInbox.substring(0, ackInbox.indexOf('.', "_INBOX.".length()) + 1);
        // the server's heartbeat requests carry its request inbox as reply subject
        String hbInbox = "_INBOX.hbprobe." + RawStan.nuid();
        CompletableFuture<String> heartbeatReply = new CompletableFuture<>();
        s.nc.createDispatcher(m -> {
            // answered before the reply subject is handed on: a test that then listens on it must not see the answer
            s.nc.publish(m.getReplyTo(), new byte[0]);
            heartbeatReply.complete(m.getReplyTo());
        }).subscribe(hbInbox);
        s.nc.flush(RawStan.TIMEOUT);
        assertThat(s.connect(ConnectRequest.newBuilder().setClientID("hbprobe").setHeartbeatInbox(hbInbox)
                .setProtocol(1).build()).getError()).isEmpty();
        String reply = heartbeatReply.get(10, TimeUnit.SECONDS);
        String requestPrefix = reply.substring(0, reply.indexOf('.', "_INBOX.".length()) + 1);
        assertThat(requestPrefix).isNotEqualTo("_INBOX.").isNotEqualTo(ackPrefix);
        String cid = clusterId;
        return List.of("_STAN.discover." + cid, "_STAN.discover." + cid + ".pings", "_STAN.pub." + cid + ".foo",
                "_STAN.sub." + cid, "_STAN.unsub." + cid, "_STAN.subclose." + cid, "_STAN.close." + cid,
                ackPrefix + "x", ackInbox, requestPrefix + "x.1", reply, "_INBOX.*", "_INBOX.>", "*", ">", "a.*.b");
    }

    @Test
    void ownSubjectsAsHeartbeatOrDeliveryInboxAreRefused() throws Exception {
        startServer(b -> b.hbInterval(Duration.ofMillis(100)));
        RawStan s = new RawStan(raw(), clusterId);
        List<String> own = ownSubjects(s);
        int subscriptions = server.engine().call(v -> v.subscriptionCount()).get(10, TimeUnit.SECONDS);
        for (String subject : own) {
            assertThat(s.connect(ConnectRequest.newBuilder().setClientID("hb").setHeartbeatInbox(subject)
                    .setProtocol(1).build()).getError()).as("heartbeat inbox %s", subject)
                    .isEqualTo("stan: invalid connection request");
            assertThat(s.subscribe(RawStan.subRequest("probe", "chan", subject).build()).getError())
                    .as("delivery inbox %s", subject).isEqualTo("stan: invalid subscription request");
        }
        assertThat(server.engine().call(v -> v.hasClient("hb")).get(10, TimeUnit.SECONDS)).isFalse();
        assertThat(server.engine().call(v -> v.subscriptionCount()).get(10, TimeUnit.SECONDS))
                .isEqualTo(subscriptions);
        // wildcards only as whole tokens: these are literal subjects
        s.subscribeOk(RawStan.subRequest("probe", "chan", "_INBOX.a>b.c*").build());
        s.connect("hb");
    }

    @Test
    void publishesWithTheServersOwnSubjectAsReplyAreDropped() throws Exception {
        startServer(b -> b.hbInterval(Duration.ofMillis(100)));
        RawStan s = new RawStan(raw(), clusterId);
        s.connect("pub");
        List<String> own = new ArrayList<>(ownSubjects(s));
        own.removeIf(x -> x.contains("*") || x.contains(">") || x.equals("_STAN.discover." + clusterId));
        // listen on every own subject the dropped publishes name: no PubAck may ever arrive there
        List<Subscription> listeners = new ArrayList<>();
        for (String subject : own) {
            listeners.add(s.nc.subscribe(subject));
        }
        s.nc.flush(RawStan.TIMEOUT);
        for (String reply : own) {
            PubMsg m = PubMsg.newBuilder().setClientID("pub").setGuid(RawStan.nuid()).setSubject("looped")
                    .setData(ByteString.copyFromUtf8(reply)).build();
            s.nc.publish(s.pubPrefix + ".looped", reply, m.toByteArray());
        }
        // the PubAck inbox real clients use is answered; it comes after the dropped ones (one dispatcher)
        Subscription acks = s.nc.subscribe("_STAN.acks." + RawStan.nuid());
        s.nc.flush(RawStan.TIMEOUT);
        PubMsg ok = PubMsg.newBuilder().setClientID("pub").setGuid("good").setSubject("looped")
                .setData(ByteString.copyFromUtf8("ok")).build();
        s.nc.publish(s.pubPrefix + ".looped", acks.getSubject(), ok.toByteArray());
        Message ack = acks.nextMessage(RawStan.TIMEOUT);
        assertThat(ack).isNotNull();
        assertThat(PubAck.parseFrom(ack.getData()).getGuid()).isEqualTo("good");
        assertThat(PubAck.parseFrom(ack.getData()).getError()).isEmpty();
        s.nc.flush(RawStan.TIMEOUT);
        for (Subscription l : listeners) {
            Message m = l.nextMessage(SHORT);
            assertThat(m).as("published on %s", l.getSubject()).isNull();
        }
        assertThat(server.engine().call(v -> v.channel("looped").msgs()).get(10, TimeUnit.SECONDS))
                .as("only the good publish was stored").isEqualTo(1L);
    }
}
