package io.stanchion.store;

import io.stanchion.store.chronicle.ChronicleMessageStore;
import io.stanchion.store.chronicle.ChronicleStateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An fsync failure is fatal: never retried, the log or journal refuses every further write, reopening recovers. */
class FsyncFailureTest {

    @TempDir
    Path tmp;

    /** Real operations until {@link #failing} is set; then every fsync fails as a dying disk's would. */
    private final AtomicBoolean failing = new AtomicBoolean();
    private final AtomicInteger fsyncs = new AtomicInteger();
    private final DiskOps disk = new DiskOps() {
        @Override
        public void force(FileChannel channel, Path file, boolean metaData) throws IOException {
            fsyncs.incrementAndGet();
            if (failing.get()) {
                throw new IOException("Input/output error");
            }
            DiskOps.super.force(channel, file, metaData);
        }
    };

    private static byte[] record(long seq) {
        return ("message " + seq).getBytes();
    }

    @Test
    void aFailedFsyncPoisonsTheChannelLogAndReopeningRecoversEverything() {
        Path root = tmp.resolve("store");
        try (ChronicleMessageStore store = new ChronicleMessageStore(root, ChronicleMessageStore.Options.defaults(),
                disk)) {
            ChannelLog log = store.channel("c");
            for (long s = 1; s <= 10; s++) {
                log.append(s, record(s));
            }
            log.flush(true);
            assertThat(fsyncs.get()).as("fsyncs go through DiskOps").isPositive();
            for (long s = 11; s <= 15; s++) {
                log.append(s, record(s));
            }
            failing.set(true);
            assertThatThrownBy(() -> log.flush(true)).isExactlyInstanceOf(StoreException.class)
                    .hasMessageContaining("channel c: fsync failed in").hasMessageContaining("Input/output error");
            failing.set(false); // the disk "recovers": the log must not believe it
            int before = fsyncs.get();
            assertThatThrownBy(() -> log.flush(true)).isInstanceOf(StoreException.class)
                    .hasMessageContaining("fsync failed");
            assertThat(fsyncs.get()).as("never retried").isEqualTo(before);
            assertThatThrownBy(() -> log.append(16, record(16))).isInstanceOf(StoreException.class)
                    .isNotInstanceOf(StoreFullException.class);
            assertThatThrownBy(() -> log.flush(false)).isInstanceOf(StoreException.class);
            assertThat(log.lastSequence()).isEqualTo(15);
        }
        try (ChronicleMessageStore store = new ChronicleMessageStore(root)) {
            ChannelLog log = store.existing("c");
            assertThat(log.lastSequence()).isEqualTo(15);
            for (long s = 1; s <= 15; s++) {
                assertThat(log.read(s).record()).isEqualTo(record(s));
            }
            assertThat(log.append(16, record(16))).isEqualTo(16);
        }
    }

    @Test
    void aFailedFsyncPoisonsTheStateJournalAndReopeningRecoversEverything() {
        Path dir = tmp.resolve("state");
        ClientRecord client = new ClientRecord("a", "hb.a", new byte[]{1, 2}, 1, 5, 3);
        SubscriptionRecord sub = new SubscriptionRecord(1, "c", "a", "inbox", "ack", "", "", 10, 1_000_000_000L, 0,
                false);
        try (ChronicleStateStore state = new ChronicleStateStore(dir, ChronicleStateStore.Options.defaults(), disk,
                null)) {
            state.addClient(client);
            state.putSubscription(sub);
            state.flush(true);
            state.sent(1, 1);
            state.sent(1, 2);
            failing.set(true);
            assertThatThrownBy(() -> state.flush(true)).isExactlyInstanceOf(StoreException.class)
                    .hasMessageContaining("fsync failed").hasMessageContaining("Input/output error");
            failing.set(false);
            assertThatThrownBy(() -> state.flush(true)).isInstanceOf(StoreException.class);
            assertThatThrownBy(() -> state.flush(false)).isInstanceOf(StoreException.class);
            assertThatThrownBy(() -> state.acked(1, 1)).isInstanceOf(StoreException.class);
            assertThatThrownBy(() -> state.deleteClient("a")).isInstanceOf(StoreException.class);
        }
        try (ChronicleStateStore state = new ChronicleStateStore(dir)) {
            assertThat(state.recovered().clients()).extracting(ClientRecord::id).containsExactly("a");
            assertThat(state.recovered().subscriptions()).singleElement()
                    .satisfies(s -> assertThat(s.pending()).containsExactly(1, 2));
        }
    }
}
