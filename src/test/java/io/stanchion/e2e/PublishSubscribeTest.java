package io.stanchion.e2e;

import io.nats.streaming.Message;
import io.nats.streaming.StreamingConnection;
import io.nats.streaming.SubscriptionOptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class PublishSubscribeTest extends StanchionE2E {

    @Test
    void publishedMessagesAreReceivedInOrderWithDenseSequences() throws Exception {
        startServer();
        StreamingConnection sc = stan("pubsub");
        int n = 500;
        for (int i = 1; i <= n; i++) {
            sc.publish("orders", ("msg-" + i).getBytes(StandardCharsets.UTF_8));
        }
        List<Message> got = new CopyOnWriteArrayList<>();
        CountDownLatch all = new CountDownLatch(n);
        sc.subscribe("orders", m -> {
            got.add(m);
            all.countDown();
        }, new SubscriptionOptions.Builder().deliverAllAvailable().build());
        assertThat(all.await(20, TimeUnit.SECONDS)).as("all %d messages received", n).isTrue();
        for (int i = 0; i < n; i++) {
            Message m = got.get(i);
            assertThat(m.getSequence()).isEqualTo(i + 1);
            assertThat(new String(m.getData(), StandardCharsets.UTF_8)).isEqualTo("msg-" + (i + 1));
            assertThat(m.getSubject()).isEqualTo("orders");
            assertThat(m.isRedelivered()).isFalse();
            if (i > 0) {
                assertThat(m.getTimestamp()).isGreaterThanOrEqualTo(got.get(i - 1).getTimestamp());
            }
        }
    }
}
