package io.stanchion.store;

import io.stanchion.store.chronicle.ChronicleMessageStore;
import io.stanchion.store.chronicle.ChronicleStateStore;
import io.stanchion.store.chronicle.DiskSpaceGuard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A refusal for lack of space ({@link StoreFullException}) writes nothing and changes nothing: the log or journal
 * goes on as if the call had not been made. The disk's free space is simulated through {@link DiskOps}.
 */
class StoreFullContractTest {

    private static final long MIN_FREE = 8L << 20;

    @TempDir
    Path tmp;

    private final AtomicLong usable = new AtomicLong(1L << 40);
    private final DiskOps disk = new DiskOps() {
        @Override
        public long usableSpace(Path directory) {
            return usable.get();
        }
    };

    @Test
    void aRefusedAppendOrChannelCreationChangesNothing() {
        Path root = tmp.resolve("store");
        ChronicleMessageStore.Options options = ChronicleMessageStore.Options.defaults().withMinFreeBytes(MIN_FREE);
        try (ChronicleMessageStore store = new ChronicleMessageStore(root, options, disk)) {
            ChannelLog log = store.channel("c");
            log.append(1, new byte[100]);
            usable.set(MIN_FREE + 100); // no room for a message and its index share above the margin
            // Appends go on until the guard's figures catch up (within a second); the refused one changes nothing.
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> refused(() -> log.append(2, new byte[100])));
            long last = log.lastSequence();
            assertThat(log.byteCount()).isEqualTo(100 * last);
            assertThatThrownBy(() -> log.append(2, new byte[100])).isInstanceOf(StoreFullException.class);
            assertThat(log.lastSequence()).isEqualTo(last);
            assertThatThrownBy(() -> store.channel("d")).isInstanceOf(StoreFullException.class)
                    .hasMessage(StoreFullException.NO_SPACE);
            assertThat(store.existing("d")).isNull();
            usable.set(1L << 40);
            await().atMost(Duration.ofSeconds(5)).until(() -> !refused(() -> log.append(2, new byte[7])));
            assertThat(log.lastSequence()).isEqualTo(last + 1);
            assertThat(log.read(last + 1).record()).hasSize(7);
        }
    }

    @Test
    void aRefusedJournalWriteLeavesStateAndBufferAsTheyWere() {
        Path dir = tmp.resolve("state");
        ChronicleStateStore.Options options = ChronicleStateStore.Options.defaults().withMinFreeBytes(MIN_FREE);
        String refusedClient;
        SubscriptionRecord sub = new SubscriptionRecord(1, "c", "a", "inbox", "ack", "", "", 10, 1_000_000_000L, 0,
                false);
        try (ChronicleStateStore state = new ChronicleStateStore(dir, options, disk, new DiskSpaceGuard(tmp, disk))) {
            state.addClient(new ClientRecord("a", "hb", null, 1, 5, 3));
            state.putSubscription(sub);
            state.sent(1, 1);
            state.flush(false);
            usable.set(MIN_FREE); // no room at all
            // Writes go on until the guard's figures catch up (within a second); the refused one changes nothing.
            AtomicLong attempts = new AtomicLong();
            await().atMost(Duration.ofSeconds(5)).until(() -> refused(() -> state.addClient(
                    new ClientRecord("b" + attempts.incrementAndGet(), "hb", null, 1, 5, 3))));
            refusedClient = "b" + attempts.get();
            state.sent(1, 2); // buffered; the flush that would write it is refused
            assertThatThrownBy(() -> state.flush(true)).isInstanceOf(StoreFullException.class);
            usable.set(1L << 40);
            await().atMost(Duration.ofSeconds(5)).until(() -> !refused(() -> state.flush(true)));
        }
        try (ChronicleStateStore state = new ChronicleStateStore(dir)) {
            assertThat(state.recovered().clients()).extracting(ClientRecord::id).contains("a")
                    .doesNotContain(refusedClient);
            assertThat(state.recovered().subscriptions()).singleElement()
                    .satisfies(s -> assertThat(s.pending()).containsExactly(1, 2));
        }
    }

    private static boolean refused(Runnable write) {
        try {
            write.run();
            return false;
        } catch (StoreFullException e) {
            return true;
        }
    }
}
