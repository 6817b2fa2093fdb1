package io.stanchion.store;

import io.stanchion.store.chronicle.ChronicleMessageStore;
import io.stanchion.store.chronicle.ChronicleStateStore;
import io.stanchion.store.chronicle.DiskSpaceGuard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The store on a real file system that fills up: a small tmpfs (root only; skipped otherwise). */
class DiskFullTest {

    private static final int RECORD = 1000;
    private static final long MARGIN = 4L << 20;

    @TempDir
    Path tmp;

    private static byte[] record(long seq) {
        byte[] r = new byte[RECORD];
        Arrays.fill(r, (byte) seq);
        return r;
    }

    private static ChronicleMessageStore.Options options() {
        return ChronicleMessageStore.Options.defaults().withMinFreeBytes(MARGIN);
    }

    @Test
    void fullFileSystemRefusesAppendsBeforeWritingThenRecoversWhenSpaceIsFreed() throws Exception {
        try (SmallTmpfs fs = SmallTmpfs.mount(tmp.resolve("fs"), 48)) {
            Path filler = fs.filler("filler", 8);
            Path root = fs.dir.resolve("store");
            long appended;
            ChronicleMessageStore store = new ChronicleMessageStore(root, options(), DiskOps.SYSTEM);
            try {
                DiskSpaceGuard guard = store.spaceGuard();
                ChronicleStateStore state = new ChronicleStateStore(root.resolve(ChronicleStateStore.DIRECTORY),
                        ChronicleStateStore.Options.defaults().withMinFreeBytes(MARGIN / 2), DiskOps.SYSTEM, guard);
                try {
                    ChannelLog log = store.channel("c");
                    StoreFullException full = null;
                    while (full == null) {
                        long next = log.lastSequence() + 1;
                        try {
                            assertThat(log.append(next, record(next))).isEqualTo(next);
                        } catch (StoreFullException e) {
                            full = e;
                        }
                    }
                    assertThat(full).hasMessage("no space left on device");
                    // The guard's estimates are upper bounds: with fresh figures (a refusal re-queries at most every
                    // 100 ms) a few more may fit. Go on until a refusal is made on fresh figures.
                    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(150))
                            .until(() -> !appendsNow(log, log.lastSequence() + 1));
                    appended = log.lastSequence();
                    assertThatThrownBy(() -> log.append(0, record(0))).isInstanceOf(StoreFullException.class);
                    assertThat(log.lastSequence()).as("a refused append changes nothing").isEqualTo(appended);
                    assertThat(appended).as("messages stored before the disk filled").isGreaterThan(25_000);
                    assertThat(Files.getFileStore(fs.dir).getUsableSpace()).as("space left free")
                            .isBetween(MARGIN, MARGIN + (1 << 20));
                    // The log is usable: everything reads back.
                    assertReadsBack(log, appended);
                    log.flush(true);
                    // The journal keeps half the margin: acks are still recorded while messages are refused.
                    state.addClient(new ClientRecord("client", "hb", new byte[]{1}, 1, 5, 3));
                    state.putSubscription(new SubscriptionRecord(1, "c", "client", "inbox", "ack", "", "", 10,
                            30_000_000_000L, 0, false));
                    state.sent(1, 1);
                    state.acked(1, 1);
                    state.flush(true);

                    Files.delete(filler);
                    long next = appended + 1;
                    await().atMost(Duration.ofSeconds(5)).until(() -> appendsNow(log, next));
                    log.flush(true);
                } finally {
                    state.close();
                }
            } finally {
                store.close();
            }
            try (ChronicleMessageStore reopened = new ChronicleMessageStore(root, options())) {
                ChannelLog log = reopened.existing("c");
                assertThat(log.lastSequence()).isEqualTo(appended + 1);
                assertReadsBack(log, appended + 1);
            }
            try (ChronicleStateStore state = new ChronicleStateStore(root.resolve(ChronicleStateStore.DIRECTORY))) {
                assertThat(state.recovered().clients()).extracting(ClientRecord::id).containsExactly("client");
                assertThat(state.recovered().subscriptions()).singleElement()
                        .satisfies(s -> assertThat(s.lastSent()).isEqualTo(1));
            }
        }
    }

    @Test
    void aMappedWriteFaultOnAFullFileSystemIsAStoreFaultAndPoisonsTheLog() throws Exception {
        try (SmallTmpfs fs = SmallTmpfs.mount(tmp.resolve("fs"), 32)) {
            Path filler = fs.filler("filler", 8);
            Path root = fs.dir.resolve("store");
            // A disk that claims to be empty: the guard lets every write through, so Chronicle meets the full tmpfs.
            DiskOps liar = new DiskOps() {
                @Override
                public long usableSpace(Path directory) {
                    return Long.MAX_VALUE / 2;
                }
            };
            long appended;
            try (ChronicleMessageStore store = new ChronicleMessageStore(root, options(), liar)) {
                ChannelLog log = store.channel("c");
                StoreException fault = null;
                while (fault == null) {
                    long next = log.lastSequence() + 1;
                    try {
                        log.append(next, record(next));
                    } catch (StoreException e) {
                        fault = e;
                    }
                }
                appended = log.lastSequence();
                assertThat(fault).isNotInstanceOf(StoreFullException.class)
                        .hasMessageContaining("channel c").hasMessageContaining("memory-mapped file access failed")
                        .hasCauseInstanceOf(InternalError.class);
                Files.delete(filler);
                assertThatThrownBy(() -> log.append(0, record(0))).isInstanceOf(StoreException.class)
                        .hasMessageContaining("unusable after an earlier failure");
            }
            // The JVM raises the InternalError of a SIGBUS at some later instruction: sometimes after the excerpt's
            // header was committed, so the faulting record can be on disk complete but with its CRC unwritten. Then
            // the open refuses the damaged tail (as after a crash mid-write) and the truncating open cuts it off.
            boolean tornTail;
            try (ChronicleMessageStore reopened = new ChronicleMessageStore(root, options())) {
                tornTail = false;
                ChannelLog log = reopened.existing("c");
                assertThat(log.lastSequence()).isBetween(appended, appended + 1);
                assertReadsBack(log, appended);
                long next = log.lastSequence() + 1;
                assertThat(log.append(next, record(next))).isEqualTo(next);
            } catch (StoreException e) {
                assertThat(e).hasMessageContaining("fails its CRC check").hasMessageContaining("the last record");
                tornTail = true;
            }
            if (tornTail) {
                try (ChronicleMessageStore repaired = new ChronicleMessageStore(root,
                        options().withTruncateBadTail(true))) {
                    ChannelLog log = repaired.existing("c");
                    assertThat(log.lastSequence()).isEqualTo(appended);
                    assertReadsBack(log, appended);
                    long next = appended + 1;
                    assertThat(log.append(next, record(next))).isEqualTo(next);
                }
            }
        }
    }

    private static boolean appendsNow(ChannelLog log, long next) {
        try {
            return log.append(next, record(next)) == next;
        } catch (StoreFullException e) {
            return false;
        }
    }

    private static void assertReadsBack(ChannelLog log, long last) {
        for (long s = 1; s <= last; s++) {
            StoredMessage m = log.read(s);
            assertThat(m.sequence()).isEqualTo(s);
            assertThat(m.record()).isEqualTo(record(s));
        }
    }
}
