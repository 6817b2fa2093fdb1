package io.stanchion.engine;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The engine's inbound queue: bounded in count and bytes, never blocking the engine thread, released on stop. */
class InboundQueueTest {

    private static Command.Publish publish(int size) {
        return new Command.Publish("", ByteString.EMPTY, "g", "c", "", ByteString.copyFrom(new byte[size]), "reply",
                size, 0);
    }

    private static final Command TASK = new Command.Task(() -> { });

    @Test
    void aProducerWaitsWhileThePayloadBytesAreAtTheBoundAndGoesOnWhenTheEngineTakesThem() throws Exception {
        InboundQueue q = new InboundQueue(1000, 1000);
        assertThat(q.put(publish(600))).isTrue();
        CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> {
            try {
                return q.put(publish(600));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThatThrownBy(() -> second.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        assertThat(q.bytes()).isEqualTo(600);
        assertThat(q.offer(publish(600))).as("offer never waits: refused while full").isFalse();
        assertThat(q.poll(0)).isNotNull();
        assertThat(second.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(q.bytes()).isEqualTo(600);
    }

    @Test
    void oneCommandLargerThanTheBoundIsStillAdmittedIntoAnEmptyQueue() throws Exception {
        InboundQueue q = new InboundQueue(10, 100);
        assertThat(q.put(publish(5000))).isTrue();
        List<Command> batch = new ArrayList<>();
        q.drainTo(batch, 10);
        assertThat(batch).hasSize(1);
        assertThat(q.bytes()).isZero();
    }

    @Test
    void theEngineThreadsOwnCommandsNeverWaitAndComeFirst() throws Exception {
        InboundQueue q = new InboundQueue(2, 1 << 20);
        assertThat(q.offer(TASK)).isTrue();
        assertThat(q.offer(TASK)).isTrue();
        assertThat(q.offer(TASK)).as("full in count").isFalse();
        Command own = new Command.Task(() -> { });
        q.putLocal(own); // would deadlock if it waited for room: only the engine thread makes room
        assertThat(q.poll(0)).isSameAs(own);
        List<Command> batch = new ArrayList<>();
        q.drainTo(batch, 10);
        assertThat(batch).hasSize(2);
    }

    @Test
    void shutDownReleasesEveryBlockedProducerWithARefusal() throws Exception {
        InboundQueue q = new InboundQueue(1, 100);
        q.put(TASK);
        CompletableFuture<Boolean> byCount = CompletableFuture.supplyAsync(() -> put(q, TASK));
        InboundQueue qb = new InboundQueue(100, 100);
        qb.put(publish(100));
        CompletableFuture<Boolean> byBytes = CompletableFuture.supplyAsync(() -> put(qb, publish(50)));
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2))
                .until(() -> !byCount.isDone() && !byBytes.isDone());
        q.shutDown();
        qb.shutDown();
        assertThat(byCount.get(5, TimeUnit.SECONDS)).isFalse();
        assertThat(byBytes.get(5, TimeUnit.SECONDS)).isFalse();
        assertThat(q.offer(TASK)).isFalse();
        assertThat(qb.bytes()).as("a refused command holds no bytes").isEqualTo(100);
    }

    private static boolean put(InboundQueue q, Command c) {
        try {
            return q.put(c);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
