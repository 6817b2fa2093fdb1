package io.stanchion.e2e;

import io.nats.streaming.Message;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.SubscriptionOptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every kind of start position (reference §2.2) through the real Java client, which encodes each (a start time
 * becomes a delta from the client's clock). Their edges (empty channels, sequences out of range, times before or
 * after every message) are in {@code engine.StartPositionSemanticsTest}.
 */
class StartPositionTest extends StanchionE2E {
    /** How long to watch for deliveries that must not come. */
    private static final Duration QUIET = Duration.ofMillis(1000);
    private static final Duration WAIT = Duration.ofSeconds(15);

    private StreamingConnection sc;

    private void publish(String channel, int from, int to) throws Exception {
        for (int i = from; i <= to; i++) {
            sc.publish(channel, ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
    }

    private List<Message> subscribe(String channel, UnaryOperator<SubscriptionOptions.Builder> opts)
            throws Exception {
        List<Message> got = new CopyOnWriteArrayList<>();
        sc.subscribe(channel, got::add, opts.apply(new SubscriptionOptions.Builder()).build());
        return got;
    }

    private static List<Long> seqs(List<Message> msgs) {
        return msgs.stream().map(Message::getSequence).toList();
    }

    private static void awaitSeqs(List<Message> got, Long... expected) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(seqs(got)).containsExactly(expected));
    }

    /** Nothing (more) arrives for a while: the list stays as it is. */
    private static void staysAt(List<Message> got, Long... expected) {
        await().during(QUIET).atMost(QUIET.plusSeconds(5))
                .untilAsserted(() -> assertThat(seqs(got)).containsExactly(expected));
    }

    @Test
    void newOnlyIsTheDefaultAndGetsOnlyLaterMessages() throws Exception {
        startServer();
        sc = stan("newonly");
        publish("ch", 1, 3);
        List<Message> dflt = subscribe("ch", b -> b);
        staysAt(dflt);
        publish("ch", 4, 5);
        awaitSeqs(dflt, 4L, 5L);
        assertThat(new String(dflt.get(0).getData(), StandardCharsets.UTF_8)).isEqualTo("m4");

        // and on a channel that does not exist yet
        List<Message> fresh = subscribe("brand.new", b -> b);
        publish("brand.new", 1, 1);
        awaitSeqs(fresh, 1L);
    }

    @Test
    void lastReceivedStartsAtTheLastMessage() throws Exception {
        startServer();
        sc = stan("last");
        publish("ch", 1, 5);
        List<Message> got = subscribe("ch", SubscriptionOptions.Builder::startWithLastReceived);
        awaitSeqs(got, 5L);
        staysAt(got, 5L);
        publish("ch", 6, 6);
        awaitSeqs(got, 5L, 6L);
    }

    @Test
    void sequenceStartDeliversFromThatSequenceOn() throws Exception {
        startServer();
        sc = stan("seq");
        publish("ch", 1, 5);
        List<Message> exact = subscribe("ch", b -> b.startAtSequence(3));
        awaitSeqs(exact, 3L, 4L, 5L);
        publish("ch", 6, 7);
        awaitSeqs(exact, 3L, 4L, 5L, 6L, 7L);
    }

    @Test
    void timeStartBetweenTwoBatchesGetsOnlyTheSecond() throws Exception {
        startServer();
        sc = stan("time");
        publish("ch", 1, 3);
        List<Message> all = subscribe("ch", SubscriptionOptions.Builder::deliverAllAvailable);
        awaitSeqs(all, 1L, 2L, 3L);
        long lastOfA = all.get(2).getTimestamp();

        // The client sends "now - start" and the server subtracts it from its own later "now": the effective start
        // is a little later than asked. Leave a gap between the batches so that drift cannot cross batch B.
        long gapNanos = Duration.ofMillis(800).toNanos();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> epochNanos(Instant.now()) > lastOfA + gapNanos);
        publish("ch", 4, 6);
        awaitSeqs(all, 1L, 2L, 3L, 4L, 5L, 6L);
        long firstOfB = all.get(3).getTimestamp();
        assertThat(firstOfB - lastOfA).isGreaterThanOrEqualTo(gapNanos);

        Instant between = instant(lastOfA + (firstOfB - lastOfA) / 4);
        List<Message> got = subscribe("ch", b -> b.startAtTime(between));
        awaitSeqs(got, 4L, 5L, 6L);
        staysAt(got, 4L, 5L, 6L);

        // the same with a delta: "start 1/4 of the gap after batch A" expressed relative to now
        Duration delta = Duration.ofNanos(epochNanos(Instant.now()) - (lastOfA + (firstOfB - lastOfA) / 4));
        List<Message> byDelta = subscribe("ch", b -> b.startAtTimeDelta(delta));
        awaitSeqs(byDelta, 4L, 5L, 6L);
    }

    @Test
    void firstOnANonEmptyChannelGetsEverything() throws Exception {
        startServer();
        sc = stan("first");
        publish("ch", 1, 5);
        List<Message> got = subscribe("ch", SubscriptionOptions.Builder::deliverAllAvailable);
        awaitSeqs(got, 1L, 2L, 3L, 4L, 5L);
        for (int i = 0; i < 5; i++) {
            assertThat(new String(got.get(i).getData(), StandardCharsets.UTF_8)).isEqualTo("m" + (i + 1));
            assertThat(got.get(i).isRedelivered()).isFalse();
        }
        publish("ch", 6, 6);
        awaitSeqs(got, 1L, 2L, 3L, 4L, 5L, 6L);
    }

    private static long epochNanos(Instant i) {
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private static Instant instant(long epochNanos) {
        return Instant.ofEpochSecond(0, epochNanos);
    }
}
