package io.stanchion.engine;

import io.stanchion.codec.MsgRecord;

import io.stanchion.codec.Replies;
import io.stanchion.codec.Subjects;

import io.stanchion.config.ChannelLimits;
import io.stanchion.store.ChannelLog;
import io.stanchion.store.memory.MemoryMessageStore;
import io.stanchion.store.memory.NoStateStore;
import io.stanchion.transport.Transport;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bounded delivery: a subscription with a huge MaxInFlight over a large backlog is served one slice per loop
 * iteration, never the whole backlog at once; redelivery of a huge pending set is sliced the same way.
 */
class DeliverySliceTest {

    /** Records what the engine publishes. */
    private static final class RecordingTransport implements Transport {
        final List<String> subjects = new ArrayList<>();

        @Override
        public void publish(String subject, byte[] payload) {
            subjects.add(subject);
        }

        @Override
        public void probe(String subject, byte[] payload, Duration timeout, Consumer<Boolean> onResult) {
            onResult.accept(false);
        }
    }

    private final RecordingTransport transport = new RecordingTransport();
    private final Scheduler scheduler = new Scheduler(Clock.SYSTEM);
    private final Delivery delivery = new Delivery(new Replies(transport, Subjects.forCluster("c", "tok")),
            scheduler, new Counters(), new NoStateStore());

    private Channel channelWith(int messages) {
        ChannelLog log = new MemoryMessageStore().channel("backlog");
        for (int i = 1; i <= messages; i++) {
            log.append(i, MsgRecord.encode(i, "backlog", "", com.google.protobuf.ByteString.copyFrom(new byte[100]),
                    i));
        }
        Channel ch = new Channel("backlog", log, ChannelLimits.UNLIMITED, 0);
        ch.committed = log.lastSequence();
        return ch;
    }

    private Subscription subscribe(Channel ch, int maxInFlight) {
        Subscription sub = new Subscription(1, ch, null, null);
        sub.inbox = "_INBOX.sub";
        sub.maxInFlight = maxInFlight;
        sub.ackWaitNanos = Duration.ofSeconds(30).toNanos();
        ch.subscriptions.add(sub);
        return sub;
    }

    @Test
    void aHugeMaxInFlightIsServedOneSlicePerIterationUntilTheBacklogIsDone() {
        Channel ch = channelWith(5_000);
        Subscription sub = subscribe(ch, 1_000_000);
        delivery.sendAvailable(sub);
        delivery.flush();
        assertThat(transport.subjects).hasSize(Delivery.SLICE_MESSAGES);
        assertThat(delivery.hasBacklog()).isTrue();
        int iterations = 1;
        while (delivery.hasBacklog()) {
            int before = transport.subjects.size();
            delivery.continueBacklog();
            delivery.flush();
            assertThat(transport.subjects.size() - before).isBetween(1, Delivery.SLICE_MESSAGES);
            iterations++;
        }
        assertThat(transport.subjects).hasSize(5_000);
        assertThat(iterations).isEqualTo((5_000 + Delivery.SLICE_MESSAGES - 1) / Delivery.SLICE_MESSAGES);
        assertThat(sub.lastSent).isEqualTo(5_000);
        assertThat(sub.pending).hasSize(5_000);
    }

    @Test
    void aQueueGroupBacklogIsSlicedToo() {
        Channel ch = channelWith(3_000);
        QueueGroup g = new QueueGroup("workers", false, 0);
        ch.queueGroups.put(g.name, g);
        Subscription member = new Subscription(2, ch, null, g);
        member.inbox = "_INBOX.member";
        member.maxInFlight = 1_000_000;
        member.ackWaitNanos = Duration.ofSeconds(30).toNanos();
        g.members.add(member);
        delivery.deliverAvailable(ch);
        delivery.flush();
        assertThat(transport.subjects).hasSize(Delivery.SLICE_MESSAGES);
        while (delivery.hasBacklog()) {
            delivery.continueBacklog();
            delivery.flush();
        }
        assertThat(g.lastSent).isEqualTo(3_000);
        assertThat(transport.subjects).hasSize(3_000);
    }

    @Test
    void redeliveringAHugePendingSetTakesOneSlicePerTimerPass() {
        Channel ch = channelWith(3_000);
        Subscription sub = subscribe(ch, 1_000_000);
        while (true) {
            delivery.sendAvailable(sub);
            delivery.flush();
            if (!delivery.hasBacklog()) {
                break;
            }
            delivery.continueBacklog();
        }
        transport.subjects.clear();
        delivery.redeliverAllPending(sub);
        delivery.flush();
        assertThat(transport.subjects).hasSize(Delivery.SLICE_MESSAGES);
        int passes = 1;
        long now = System.nanoTime();
        while (transport.subjects.size() < 3_000 && passes < 10) {
            now = Math.max(now + 1, System.nanoTime());
            assertThat(scheduler.runDue(now, e -> { throw e; })).isTrue();
            delivery.flush();
            passes++;
        }
        assertThat(transport.subjects).hasSize(3_000);
        assertThat(passes).isEqualTo(3);
        assertThat(sub.pending).hasSize(3_000).allSatisfy((seq, p) -> assertThat(p.redeliveries).isEqualTo(1));
    }
}
