package io.stanchion.engine;

import io.stanchion.store.StoreException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The fail-stop switch: first failure wins, the stop action runs once, uncaught exceptions trip it. */
class FailStopUnitTest {

    @Test
    void theFirstFailureIsRecordedAndTheStopActionRunsOnce() throws Exception {
        FailStop f = new FailStop();
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch ran = new CountDownLatch(1);
        f.onTrip(() -> {
            runs.incrementAndGet();
            ran.countDown();
        });
        assertThat(f.tripped()).isFalse();
        assertThat(f.failure()).isNull();
        f.trip("fsync of channel orders", new StoreException("channel orders: fsync failed: Input/output error"));
        f.trip("later", new IllegalStateException("second"));
        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(f.failure()).isEqualTo("fsync of channel orders: channel orders: fsync failed: Input/output error");
        assertThat(runs.get()).isEqualTo(1);
    }

    @Test
    void anActionSetAfterTheTripStartsAtOnceAndOnlyOnce() throws Exception {
        FailStop f = new FailStop();
        f.trip("during startup", new StoreException("boom"));
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch ran = new CountDownLatch(1);
        f.onTrip(() -> {
            runs.incrementAndGet();
            ran.countDown();
        });
        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        f.trip("again", new StoreException("second"));
        f.onTrip(runs::incrementAndGet);
        org.awaitility.Awaitility.await().during(java.time.Duration.ofMillis(300))
                .atMost(java.time.Duration.ofSeconds(2)).until(() -> runs.get() == 1);
    }

    @Test
    void aThreadDyingOfAnUncaughtErrorTripsIt() throws Exception {
        FailStop f = new FailStop();
        CountDownLatch ran = new CountDownLatch(1);
        f.onTrip(ran::countDown);
        Thread t = f.thread("doomed", true, () -> {
            throw new StackOverflowError("deep");
        });
        t.start();
        t.join(5_000);
        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(f.failure()).contains("doomed").contains("StackOverflowError: deep");
    }

    @Test
    void theFactorysThreadsCarryTheHandler() throws Exception {
        FailStop f = new FailStop();
        Thread t = f.threads("pool", true).newThread(() -> { });
        assertThat(t.getName()).isEqualTo("pool");
        assertThat(t.isDaemon()).isTrue();
        assertThat(t.getUncaughtExceptionHandler()).isNotSameAs(t.getThreadGroup());
        t.getUncaughtExceptionHandler().uncaughtException(t, new OutOfMemoryError("heap"));
        assertThat(f.failure()).contains("OutOfMemoryError: heap");
    }
}
