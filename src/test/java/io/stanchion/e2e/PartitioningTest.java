package io.stanchion.e2e;

import io.nats.streaming.Message;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.SubscriptionOptions;
import io.stanchion.StanchionServer;
import io.stanchion.config.ServerConfig;
import io.stanchion.config.StoreLimits;
import io.stanchion.engine.Snapshot;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Partitioning (original §6.3): servers with one cluster ID split the channels of store_limits.channels; a client
 * sees one streaming service.
 */
class PartitioningTest extends StanchionE2E {

    static ServerConfig.Builder partitioned(ServerConfig.Builder b, String... channels) {
        StoreLimits.Builder limits = StoreLimits.builder();
        for (String c : channels) {
            limits.channel(c, StoreLimits.Overrides.NONE);
        }
        return b.partitioning(true).storeLimits(limits.build());
    }

    /** A second server with the test's cluster ID, on the same nats-server, closed after the test. */
    private StanchionServer startOther(String url, String... channels) throws Exception {
        StanchionServer s = StanchionServer.start(partitioned(ServerConfig.builder().clusterId(clusterId)
                .natsUrl(url), channels).build());
        closeLater(s::close);
        return s;
    }

    static List<String> channels(StanchionServer s) throws Exception {
        return s.engine().call(v -> v.channels().stream().map(Snapshot.Channel::name).toList())
                .get(10, TimeUnit.SECONDS);
    }

    static long msgs(StanchionServer s, String channel) throws Exception {
        return s.engine().call(v -> v.channel(channel) == null ? -1L : v.channel(channel).msgs())
                .get(10, TimeUnit.SECONDS);
    }

    static String receiveOne(StreamingConnection sc, String channel) throws Exception {
        BlockingQueue<Message> got = new ArrayBlockingQueue<>(16);
        sc.subscribe(channel, got::add, new SubscriptionOptions.Builder().deliverAllAvailable().build());
        Message m = got.poll(10, TimeUnit.SECONDS);
        assertThat(m).as("message on " + channel).isNotNull();
        assertThat(m.getSequence()).isEqualTo(1);
        return new String(m.getData(), StandardCharsets.UTF_8);
    }

    @Test
    void twoPartitionsServeOneClientEachItsChannels() throws Exception {
        StanchionServer a = startServer(b -> partitioned(b, "orders.*", "audit"));
        StanchionServer b = startOther(nats.url(), "billing.>", "misc");
        StreamingConnection sc = stan("client", o -> o.pubAckWait(Duration.ofSeconds(2)));

        sc.publish("orders.eu", "o1".getBytes(StandardCharsets.UTF_8));
        sc.publish("billing.eu.paris", "b1".getBytes(StandardCharsets.UTF_8));
        sc.publish("audit", "a1".getBytes(StandardCharsets.UTF_8));
        assertThat(receiveOne(sc, "orders.eu")).isEqualTo("o1");
        assertThat(receiveOne(sc, "billing.eu.paris")).isEqualTo("b1");
        assertThat(receiveOne(sc, "audit")).isEqualTo("a1");

        assertThat(channels(a)).containsExactly("audit", "orders.eu");
        assertThat(channels(b)).containsExactly("billing.eu.paris");
        assertThat(a.engine().call(v -> v.hasClient("client")).get(10, TimeUnit.SECONDS))
                .as("every partition registers the client").isTrue();
        assertThat(b.engine().call(v -> v.hasClient("client")).get(10, TimeUnit.SECONDS)).isTrue();

        // A channel nobody serves: the publish and the subscription time out, and no server stores anything.
        assertThatThrownBy(() -> sc.publish("nobody", "x".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("publish ack timeout");
        assertThatThrownBy(() -> sc.subscribe("nobody.else", m -> { })).isInstanceOf(Exception.class);
        assertThat(channels(a)).containsExactly("audit", "orders.eu");
        assertThat(channels(b)).containsExactly("billing.eu.paris");
        assertThat(a.engine().call(v -> v.subscriptionCount()).get(10, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(b.engine().call(v -> v.subscriptionCount()).get(10, TimeUnit.SECONDS)).isEqualTo(1);

        sc.close(); // answered by both; both forget the client
        for (StanchionServer s : List.of(a, b)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (s.engine().call(v -> v.clientCount()).get(10, TimeUnit.SECONDS) > 0
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(s.engine().call(v -> v.clientCount()).get(10, TimeUnit.SECONDS)).isZero();
        }
    }

    @Test
    void aChannelTwoOfItsEntriesMatchIsStoredOnce() throws Exception {
        StanchionServer a = startServer(b -> partitioned(b, "dup.*", "dup.x", "dup.>"));
        StreamingConnection sc = stan("dup");
        sc.publish("dup.x", "1".getBytes(StandardCharsets.UTF_8));
        sc.publish("dup.y.z", "2".getBytes(StandardCharsets.UTF_8));
        assertThat(msgs(a, "dup.x")).isEqualTo(1);
        assertThat(msgs(a, "dup.y.z")).isEqualTo(1);
    }

    @Test
    void overJnatsInputToo() throws Exception {
        StanchionServer a;
        System.setProperty("stanchion.directPublish", "false");
        try {
            a = startServer(b -> partitioned(b, "dup.*", "dup.x"));
        } finally {
            System.clearProperty("stanchion.directPublish");
        }
        StreamingConnection sc = stan("jnats");
        sc.publish("dup.x", "1".getBytes(StandardCharsets.UTF_8));
        assertThat(receiveOne(sc, "dup.x")).isEqualTo("1");
        assertThat(msgs(a, "dup.x")).as("received once through the queue group").isEqualTo(1);
        assertThatThrownBy(() -> sc.subscribe("elsewhere", m -> { })).isInstanceOf(Exception.class);
    }

    @Test
    void aDisjointListJoinsAndAnOverlappingOneIsRefusedAtStartupAndFatalToTheRunningServer() throws Exception {
        StanchionServer a = startServer(b -> partitioned(b, "foo.*", "bar"));
        StanchionServer b = startOther(nats.url(), "foo", "foo.bar.>");
        assertThat(b.failure()).isNull();
        assertThat(a.failure()).isNull();
        assertThatThrownBy(() -> startOther(nats.url(), "baz", "foo.bar"))
                .isInstanceOf(StanchionServer.StartupException.class)
                .hasMessageContaining("\"foo.bar\" ~ \"foo.*\"")
                .hasMessageContaining("server " + a.serverId());
        // as the original: an overlap found at run time is fatal to the running server too
        await().atMost(Duration.ofSeconds(5)).until(() -> a.failure() != null);
        assertThat(a.failure()).contains("partitioning").contains("\"foo.*\"");
        assertThat(b.failure()).as("the disjoint partition goes on").isNull();
    }

    @Test
    void runningServerAnswersAnAnnounceAndALateOverlappingAnswerStopsIt() throws Exception {
        StanchionServer a = startServer(b -> partitioned(b, "foo.*"));
        io.nats.client.Connection nc = raw();
        String exchange = "_STAN.part." + clusterId;
        // an announce from a (simulated) newcomer: answered on its answer subject, with our list
        io.nats.client.Subscription answers = nc.subscribe(exchange + ".newcomer");
        nc.flush(Duration.ofSeconds(2));
        nc.publish(exchange, "STANPART/1 announce newcomer\nother".getBytes(StandardCharsets.UTF_8));
        io.nats.client.Message answer = answers.nextMessage(Duration.ofSeconds(5));
        assertThat(answer).isNotNull();
        assertThat(new String(answer.getData(), StandardCharsets.UTF_8))
                .isEqualTo("STANPART/1 answer " + a.serverId() + "\nfoo.*");
        nc.publish(exchange, "not an exchange message".getBytes(StandardCharsets.UTF_8));
        nc.flush(Duration.ofSeconds(2));
        assertThat(a.failure()).as("a disjoint announce and garbage change nothing").isNull();
        // an overlapping answer after the window: this server was the newcomer, it fail-stops
        nc.publish(exchange + "." + a.serverId(), "STANPART/1 answer elder\nfoo.>".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(5)).until(() -> a.failure() != null);
        assertThat(a.failure()).contains("\"foo.*\" ~ \"foo.>\"").contains("server elder");
    }
}
