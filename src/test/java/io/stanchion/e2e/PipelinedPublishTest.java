package io.stanchion.e2e;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.nats.client.Dispatcher;
import io.stanchion.protocol.pb.Ack;
import io.stanchion.protocol.pb.MsgProto;
import io.stanchion.protocol.pb.PubAck;
import io.stanchion.protocol.pb.PubMsg;
import io.stanchion.protocol.pb.StartPosition;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A raw client pipelines 100,000 publishes without waiting for any PubAck (one ack inbox for all), then reads the
 * channel back: every guid is acked exactly once without error and the channel holds sequences 1..100,000 in order.
 */
class PipelinedPublishTest extends StanchionE2E {
    private static final int N = 100_000;

    @Test
    void hundredThousandPipelinedPublishesAreAllAckedAndStoredInOrder() throws Exception {
        startServer();
        RawStan s = new RawStan(raw(), clusterId);
        s.connect("pipeliner");

        AtomicIntegerArray acked = new AtomicIntegerArray(N);
        AtomicInteger ackCount = new AtomicInteger();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        Dispatcher acks = s.nc.createDispatcher(m -> {
            try {
                PubAck a = PubAck.parseFrom(m.getData());
                if (!a.getError().isEmpty()) {
                    problems.add("error for " + a.getGuid() + ": " + a.getError());
                }
                int i = Integer.parseInt(a.getGuid().substring(1));
                if (acked.incrementAndGet(i) > 1) {
                    problems.add("guid " + a.getGuid() + " acked twice");
                }
                ackCount.incrementAndGet();
            } catch (InvalidProtocolBufferException | RuntimeException e) {
                problems.add("bad PubAck: " + e);
            }
        });
        acks.setPendingLimits(-1, -1);
        String ackInbox = "_STAN.acks." + RawStan.nuid();
        acks.subscribe(ackInbox);
        s.nc.flush(RawStan.TIMEOUT);

        String subject = s.pubPrefix + ".pipe";
        long t0 = System.nanoTime();
        for (int i = 0; i < N; i++) {
            PubMsg m = PubMsg.newBuilder()
                    .setClientID("pipeliner")
                    .setGuid("g" + i)
                    .setSubject("pipe")
                    .setData(ByteString.copyFromUtf8("payload-" + i))
                    .build();
            s.nc.publish(subject, ackInbox, m.toByteArray());
        }
        long sent = System.nanoTime();
        await("all PubAcks").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> ackCount.get() >= N || !problems.isEmpty());
        long ackedAt = System.nanoTime();
        assertThat(problems).isEmpty();
        assertThat(ackCount.get()).isEqualTo(N);

        // read it back from the start, acking as we go
        ConcurrentLinkedQueue<MsgProto> received = new ConcurrentLinkedQueue<>();
        AtomicInteger receivedCount = new AtomicInteger();
        // deliveries may be dispatched before the subscribe reply is: the handler waits for the ack inbox
        CompletableFuture<String> ackTo = new CompletableFuture<>();
        Dispatcher deliveries = s.nc.createDispatcher(m -> {
            try {
                MsgProto msg = MsgProto.parseFrom(m.getData());
                received.add(msg);
                receivedCount.incrementAndGet();
                Ack ack = Ack.newBuilder().setSubject("pipe").setSequence(msg.getSequence()).build();
                s.nc.publish(ackTo.get(30, TimeUnit.SECONDS), ack.toByteArray());
            } catch (Exception e) {
                problems.add("delivery handling failed: " + e);
            }
        });
        deliveries.setPendingLimits(-1, -1);
        String inbox = "_INBOX.pipe." + RawStan.nuid();
        deliveries.subscribe(inbox);
        s.nc.flush(RawStan.TIMEOUT);
        try {
            ackTo.complete(s.subscribeOk(RawStan.subRequest("pipeliner", "pipe", inbox)
                    .setStartPosition(StartPosition.First)
                    .setMaxInFlight(N)
                    .setAckWaitInSecs(120)
                    .build()));
        } catch (Throwable t) {
            ackTo.completeExceptionally(t);
            throw t;
        }
        await("all deliveries").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> receivedCount.get() >= N || !problems.isEmpty());
        long readAt = System.nanoTime();
        assertThat(problems).isEmpty();

        List<MsgProto> all = List.copyOf(received);
        assertThat(all).hasSize(N);
        long prevTs = 0;
        for (int i = 0; i < N; i++) {
            MsgProto m = all.get(i);
            assertThat(m.getSequence()).as("position %d", i).isEqualTo(i + 1);
            assertThat(m.getData().toStringUtf8()).isEqualTo("payload-" + i);
            assertThat(m.getSubject()).isEqualTo("pipe");
            assertThat(m.getRedelivered()).isFalse();
            assertThat(m.getTimestamp()).isGreaterThanOrEqualTo(prevTs);
            prevTs = m.getTimestamp();
        }
        // nothing was acked twice in the meantime either
        assertThat(problems).isEmpty();
        assertThat(ackCount.get()).isEqualTo(N);
        System.out.printf("PipelinedPublishTest: %d publishes sent in %d ms, all acked after %d ms, read back in %d ms%n",
                N, (sent - t0) / 1_000_000, (ackedAt - t0) / 1_000_000, (readAt - ackedAt) / 1_000_000);
    }
}
