package io.stanchion.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The {@link MessageStore} / {@link ChannelLog} contract, run against every implementation.
 */
public abstract class MessageStoreContract {

    protected MessageStore store;

    /** A new, empty store. */
    protected abstract MessageStore createStore() throws Exception;

    /** {@code MEMORY} or {@code FILE}. */
    protected abstract String expectedType();

    @BeforeEach
    void openStore() throws Exception {
        store = createStore();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    // ---- helpers ----

    /** Deterministic record content for (channel, sequence), {@code size} bytes, every byte value used. */
    protected static byte[] payload(String channel, long seq, int size) {
        byte[] b = new byte[size];
        long x = (channel.hashCode() * 31L + seq) * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < size; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b[i] = (byte) x;
        }
        return b;
    }

    protected static void assertMessage(StoredMessage m, long seq, long ts, byte[] record) {
        assertThat(m).as("message %d", seq).isNotNull();
        assertThat(m.sequence()).isEqualTo(seq);
        assertThat(m.timestampNanos()).as("timestamp of %d", seq).isEqualTo(ts);
        assertThat(m.record()).as("record of %d", seq).isEqualTo(record);
    }

    /** Reference answer for sequenceAtOrAfter over timestamps[0..n) stored at sequences 1..n. */
    protected static long linearAtOrAfter(long[] timestamps, int n, long t) {
        for (int i = 0; i < n; i++) {
            if (timestamps[i] >= t) {
                return i + 1;
            }
        }
        return n + 1;
    }

    // ---- store ----

    @Test
    void typeIsReported() {
        assertThat(store.type()).isEqualTo(expectedType());
    }

    @Test
    void newChannelIsEmpty() {
        ChannelLog log = store.channel("foo");
        assertThat(log.name()).isEqualTo("foo");
        assertThat(log.lastSequence()).isZero();
        assertThat(log.firstSequence()).isEqualTo(1);
        assertThat(log.messageCount()).isZero();
        assertThat(log.byteCount()).isZero();
        assertThat(log.read(0)).isNull();
        assertThat(log.read(1)).isNull();
        assertThat(log.sequenceAtOrAfter(Long.MIN_VALUE)).isEqualTo(1);
        assertThat(log.sequenceAtOrAfter(0)).isEqualTo(1);
        assertThat(log.sequenceAtOrAfter(System.currentTimeMillis() * 1_000_000)).isEqualTo(1);
        assertThat(log.sequenceAtOrAfter(Long.MAX_VALUE)).isEqualTo(1);
    }

    @Test
    void channelReturnsTheSameLogAndExistingFindsOnlyCreatedOnes() {
        assertThat(store.channels()).isEmpty();
        assertThat(store.existing("a.b")).isNull();
        ChannelLog log = store.channel("a.b");
        assertThat(store.channel("a.b")).isSameAs(log);
        assertThat(store.existing("a.b")).isSameAs(log);
        assertThat(store.existing("a")).isNull();
        assertThat(store.existing("a.b.c")).isNull();
        ChannelLog other = store.channel("a.b.c");
        assertThat(other).isNotSameAs(log);
        assertThat(store.channels()).containsExactlyInAnyOrder(log, other);
    }

    @Test
    void closedStoreRefusesNewChannelsAndCloseIsIdempotent() {
        ChannelLog log = store.channel("foo");
        log.append(1, new byte[]{1});
        store.close();
        store.close();
        assertThatThrownBy(() -> store.channel("bar")).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> log.append(2, new byte[]{2})).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> log.read(1)).isInstanceOf(StoreException.class);
        store = null;
    }

    // ---- append / read ----

    @Test
    void appendAssignsDenseSequencesAndReadReturnsWhatWasAppended() {
        ChannelLog log = store.channel("orders");
        int n = 50;
        List<byte[]> records = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            byte[] r = payload("orders", i, (i * 37) % 300);
            records.add(r);
            assertThat(log.append(1_000L * i, r)).isEqualTo(i);
            assertThat(log.lastSequence()).isEqualTo(i);
        }
        for (int i = 1; i <= n; i++) {
            assertMessage(log.read(i), i, 1_000L * i, records.get(i - 1));
        }
        // Reads in any order give the same answers.
        for (int i = n; i >= 1; i -= 7) {
            assertMessage(log.read(i), i, 1_000L * i, records.get(i - 1));
        }
    }

    @Test
    void emptyRecordsAndEveryByteValueRoundTrip() {
        ChannelLog log = store.channel("bytes");
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        assertThat(log.append(5, new byte[0])).isEqualTo(1);
        assertThat(log.append(6, all)).isEqualTo(2);
        assertThat(log.append(7, new byte[0])).isEqualTo(3);
        assertMessage(log.read(1), 1, 5, new byte[0]);
        assertMessage(log.read(2), 2, 6, all);
        assertMessage(log.read(3), 3, 7, new byte[0]);
        assertThat(log.byteCount()).isEqualTo(256);
        assertThat(log.messageCount()).isEqualTo(3);
    }

    @Test
    void readOutsideTheLogReturnsNull() {
        ChannelLog log = store.channel("r");
        for (int i = 1; i <= 3; i++) {
            log.append(i, payload("r", i, 10));
        }
        assertThat(log.read(0)).isNull();
        assertThat(log.read(-1)).isNull();
        assertThat(log.read(Long.MIN_VALUE)).isNull();
        assertThat(log.read(4)).isNull();
        assertThat(log.read(100)).isNull();
        assertThat(log.read(Long.MAX_VALUE)).isNull();
        assertThat(log.read(3)).isNotNull();
        assertThat(log.read(1)).isNotNull();
    }

    @Test
    void storedRecordsAreIndependentOfCallerArrays() {
        ChannelLog log = store.channel("copy");
        byte[] in = "hello".getBytes(StandardCharsets.UTF_8);
        log.append(1, in);
        in[0] = 'J';
        StoredMessage first = log.read(1);
        assertThat(new String(first.record(), StandardCharsets.UTF_8)).isEqualTo("hello");
        first.record()[0] = 'Y';
        assertThat(new String(log.read(1).record(), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(log.read(1).record()).isNotSameAs(log.read(1).record());
    }

    @Test
    void countsAndBytesFollowAppends() {
        ChannelLog log = store.channel("counts");
        long bytes = 0;
        for (int i = 1; i <= 200; i++) {
            int size = (i * 13) % 97;
            log.append(i, payload("counts", i, size));
            bytes += size;
            assertThat(log.messageCount()).isEqualTo(i);
            assertThat(log.byteCount()).isEqualTo(bytes);
            assertThat(log.firstSequence()).isEqualTo(1);
            assertThat(log.lastSequence()).isEqualTo(i);
        }
    }

    @Test
    void appendRejectsNull() {
        ChannelLog log = store.channel("nulls");
        assertThatThrownBy(() -> log.append(1, null)).isInstanceOf(NullPointerException.class);
        assertThat(log.lastSequence()).isZero();
        assertThat(log.append(1, new byte[1])).isEqualTo(1);
    }

    @Test
    void countsAreReadableFromOtherThreadsWhileTheOwnerAppends() throws Exception {
        int n = 20_000;
        ExecutorService owner = Executors.newSingleThreadExecutor(r -> new Thread(r, "engine"));
        try {
            AtomicReference<ChannelLog> logRef = new AtomicReference<>();
            owner.submit(() -> logRef.set(store.channel("watched"))).get(10, TimeUnit.SECONDS);
            ChannelLog log = logRef.get();
            Future<?> writing = owner.submit(() -> {
                for (int i = 1; i <= n; i++) {
                    log.append(i, payload("watched", i, 8));
                }
            });
            // The monitoring thread (this one) sees progress without any synchronisation on the owner's side.
            long seen = 0;
            while (!writing.isDone()) {
                long last = log.lastSequence();
                long count = log.messageCount();
                long bytes = log.byteCount();
                assertThat(last).isGreaterThanOrEqualTo(seen);
                assertThat(count).isBetween(0L, (long) n);
                assertThat(bytes).isBetween(0L, 8L * n);
                seen = last;
            }
            writing.get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(5)).until(() -> log.lastSequence() == n);
            assertThat(log.messageCount()).isEqualTo(n);
            assertThat(log.byteCount()).isEqualTo(8L * n);
            assertThat(store.channels()).contains(log);
            StoredMessage m = owner.submit(() -> log.read(n / 2)).get(10, TimeUnit.SECONDS);
            assertMessage(m, n / 2, n / 2, payload("watched", n / 2, 8));
        } finally {
            owner.shutdownNow();
        }
    }

    @Test
    void channelsCanBeListedFromAnotherThreadWhileChannelsAreCreated() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread monitor = new Thread(() -> {
            try {
                while (!stop.get()) {
                    for (ChannelLog log : store.channels()) {
                        log.messageCount();
                        log.lastSequence();
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "monitor");
        monitor.start();
        try {
            for (int i = 0; i < 20; i++) {
                store.channel("c" + i).append(i, payload("c", i, 4));
            }
        } finally {
            stop.set(true);
            monitor.join(10_000);
        }
        assertThat(failure.get()).isNull();
        assertThat(store.channels()).hasSize(20);
    }

    // ---- sequenceAtOrAfter ----

    @Test
    void sequenceAtOrAfterEdges() {
        ChannelLog log = store.channel("ts");
        for (int i = 1; i <= 10; i++) {
            log.append(100L * i, payload("ts", i, 5)); // seq i at 100*i
        }
        assertThat(log.sequenceAtOrAfter(Long.MIN_VALUE)).isEqualTo(1);
        assertThat(log.sequenceAtOrAfter(0)).isEqualTo(1);       // before first
        assertThat(log.sequenceAtOrAfter(99)).isEqualTo(1);
        assertThat(log.sequenceAtOrAfter(100)).isEqualTo(1);     // exactly first
        assertThat(log.sequenceAtOrAfter(101)).isEqualTo(2);     // between
        assertThat(log.sequenceAtOrAfter(150)).isEqualTo(2);
        assertThat(log.sequenceAtOrAfter(200)).isEqualTo(2);     // exact
        assertThat(log.sequenceAtOrAfter(550)).isEqualTo(6);
        assertThat(log.sequenceAtOrAfter(999)).isEqualTo(10);
        assertThat(log.sequenceAtOrAfter(1000)).isEqualTo(10);   // exactly last
        assertThat(log.sequenceAtOrAfter(1001)).isEqualTo(11);   // after last: last + 1
        assertThat(log.sequenceAtOrAfter(Long.MAX_VALUE)).isEqualTo(11);
    }

    @Test
    void sequenceAtOrAfterWithOneMessage() {
        ChannelLog log = store.channel("one");
        log.append(500, new byte[3]);
        assertThat(log.sequenceAtOrAfter(499)).isEqualTo(1);
        assertThat(log.sequenceAtOrAfter(500)).isEqualTo(1);
        assertThat(log.sequenceAtOrAfter(501)).isEqualTo(2);
    }

    @Test
    void sequenceAtOrAfterWithEqualTimestampsReturnsTheFirstOfTheRun() {
        ChannelLog log = store.channel("eq");
        long[] ts = {10, 20, 20, 20, 30, 30, 40};
        for (long t : ts) {
            log.append(t, new byte[]{(byte) t});
        }
        assertThat(log.sequenceAtOrAfter(9)).isEqualTo(1);
        assertThat(log.sequenceAtOrAfter(10)).isEqualTo(1);
        assertThat(log.sequenceAtOrAfter(11)).isEqualTo(2);
        assertThat(log.sequenceAtOrAfter(20)).isEqualTo(2);
        assertThat(log.sequenceAtOrAfter(21)).isEqualTo(5);
        assertThat(log.sequenceAtOrAfter(30)).isEqualTo(5);
        assertThat(log.sequenceAtOrAfter(31)).isEqualTo(7);
        assertThat(log.sequenceAtOrAfter(40)).isEqualTo(7);
        assertThat(log.sequenceAtOrAfter(41)).isEqualTo(8);
    }

    @Test
    void sequenceAtOrAfterWhenEveryTimestampIsEqual() {
        ChannelLog log = store.channel("flat");
        for (int i = 0; i < 100; i++) {
            log.append(5, new byte[]{1});
        }
        assertThat(log.sequenceAtOrAfter(4)).isEqualTo(1);
        assertThat(log.sequenceAtOrAfter(5)).isEqualTo(1);
        assertThat(log.sequenceAtOrAfter(6)).isEqualTo(101);
    }

    @Test
    void sequenceAtOrAfterMatchesALinearScanOnRandomTimestamps() {
        ChannelLog log = store.channel("random");
        Random rnd = new Random(42);
        int n = 3_000;
        long[] ts = new long[n];
        long t = 1_700_000_000_000_000_000L;
        for (int i = 0; i < n; i++) {
            t += rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(1_000); // plenty of equal neighbours
            ts[i] = t;
            log.append(t, payload("random", i + 1, 3));
        }
        for (int q = 0; q < 1_000; q++) {
            long probe = rnd.nextBoolean() ? ts[rnd.nextInt(n)] + rnd.nextInt(3) - 1
                    : ts[0] - 10 + (long) (rnd.nextDouble() * (ts[n - 1] - ts[0] + 20));
            assertThat(log.sequenceAtOrAfter(probe)).as("probe %d", probe).isEqualTo(linearAtOrAfter(ts, n, probe));
        }
    }

    @Test
    void aTimestampBelowThePreviousOneIsStoredAsThePreviousOne() {
        ChannelLog log = store.channel("clock.back");
        log.append(1_000, new byte[]{1});
        log.append(900, new byte[]{2}); // wall clock stepped back
        log.append(1_100, new byte[]{3});
        assertThat(log.read(2).timestampNanos()).isEqualTo(1_000);
        assertThat(log.read(2).record()).containsExactly(2);
        assertThat(log.sequenceAtOrAfter(950)).isEqualTo(1);
        assertThat(log.sequenceAtOrAfter(1_001)).isEqualTo(3);
    }

    // ---- scale ----

    @Test
    void manyChannelsAreIndependent() {
        int channels = 50;
        int rounds = 10;
        for (int r = 1; r <= rounds; r++) {
            for (int c = 0; c < channels; c++) {
                String name = "many." + c;
                int size = (c + r) % 17;
                assertThat(store.channel(name).append(r * 1_000L + c, payload(name, r, size))).isEqualTo(r);
            }
        }
        assertThat(store.channels()).hasSize(channels);
        Set<String> names = new HashSet<>();
        for (ChannelLog log : store.channels()) {
            names.add(log.name());
        }
        assertThat(names).hasSize(channels).contains("many.0", "many." + (channels - 1));
        for (int c = 0; c < channels; c++) {
            String name = "many." + c;
            ChannelLog log = store.existing(name);
            assertThat(log.lastSequence()).isEqualTo(rounds);
            assertThat(log.messageCount()).isEqualTo(rounds);
            long bytes = 0;
            for (int r = 1; r <= rounds; r++) {
                int size = (c + r) % 17;
                bytes += size;
                assertMessage(log.read(r), r, r * 1_000L + c, payload(name, r, size));
            }
            assertThat(log.byteCount()).isEqualTo(bytes);
            assertThat(log.sequenceAtOrAfter(3_001L)).isEqualTo(c == 0 ? 4 : 3);
        }
    }

    @Test
    void largeRecordsRoundTrip() {
        ChannelLog log = store.channel("large");
        int mb = 1024 * 1024;
        List<byte[]> records = new ArrayList<>();
        long bytes = 0;
        for (int i = 1; i <= 12; i++) {
            int size = i % 3 == 0 ? 7 : (i % 3 == 1 ? mb : mb - 1);
            byte[] r = payload("large", i, size);
            records.add(r);
            bytes += size;
            assertThat(log.append(i, r)).isEqualTo(i);
        }
        assertThat(log.byteCount()).isEqualTo(bytes);
        for (int i = 12; i >= 1; i--) {
            assertMessage(log.read(i), i, i, records.get(i - 1));
        }
    }

    @Test
    void hundredThousandSmallMessages() {
        ChannelLog log = store.channel("small");
        int n = 100_000;
        long base = 1_700_000_000_000_000_000L;
        long bytes = 0;
        byte[] r = new byte[24];
        for (int i = 1; i <= n; i++) {
            int size = 8 + i % 17;
            fill(r, i);
            byte[] rec = Arrays.copyOf(r, size);
            bytes += size;
            assertThat(log.append(base + (i / 2) * 1_000L, rec)).isEqualTo(i); // pairs of equal timestamps
        }
        assertThat(log.messageCount()).isEqualTo(n);
        assertThat(log.lastSequence()).isEqualTo(n);
        assertThat(log.byteCount()).isEqualTo(bytes);
        // Sequential read of everything.
        for (int i = 1; i <= n; i++) {
            StoredMessage m = log.read(i);
            fill(r, i);
            byte[] expected = Arrays.copyOf(r, 8 + i % 17);
            long ts = base + (i / 2) * 1_000L;
            if (m == null || m.sequence() != i || m.timestampNanos() != ts || !Arrays.equals(m.record(), expected)) {
                assertMessage(m, i, ts, expected); // only on a mismatch: assertj is slow for 100k messages
            }
        }
        // Random reads.
        Random rnd = new Random(7);
        for (int q = 0; q < 5_000; q++) {
            int i = 1 + rnd.nextInt(n);
            fill(r, i);
            assertMessage(log.read(i), i, base + (i / 2) * 1_000L, Arrays.copyOf(r, 8 + i % 17));
        }
        // Timestamp search: ts(i) = base + floor(i/2)*1000, so the first sequence at k*1000 is 2k (k >= 1).
        assertThat(log.sequenceAtOrAfter(base)).isEqualTo(1);
        assertThat(log.sequenceAtOrAfter(base + 1)).isEqualTo(2);
        assertThat(log.sequenceAtOrAfter(base + 1_000)).isEqualTo(2);
        assertThat(log.sequenceAtOrAfter(base + 1_001)).isEqualTo(4);
        assertThat(log.sequenceAtOrAfter(base + 25_000L * 1_000)).isEqualTo(50_000);
        assertThat(log.sequenceAtOrAfter(base + (n / 2) * 1_000L)).isEqualTo(n);
        assertThat(log.sequenceAtOrAfter(base + (n / 2) * 1_000L + 1)).isEqualTo(n + 1);
    }

    /** Bytes 0-3: i little-endian, then a pattern depending on i. */
    private static void fill(byte[] r, int i) {
        for (int k = 0; k < 4; k++) {
            r[k] = (byte) (i >>> (8 * k));
        }
        for (int k = 4; k < r.length; k++) {
            r[k] = (byte) (i * k);
        }
    }

    // ---- retention: removeBefore ----

    /** Appends {@code sizes.length} messages, seq i at timestamp 100 i, record payload(name, i, sizes[i - 1]). */
    protected static List<byte[]> appendSized(ChannelLog log, int... sizes) {
        List<byte[]> records = new ArrayList<>();
        for (int size : sizes) {
            long seq = log.lastSequence() + 1;
            byte[] r = payload(log.name(), seq, size);
            assertThat(log.append(100L * seq, r)).isEqualTo(seq);
            records.add(r);
        }
        return records;
    }

    /** Checks every observable of a log holding {@code first..last}, record i of {@code records} at sequence i + 1. */
    protected static void assertRange(ChannelLog log, long first, long last, List<byte[]> records) {
        assertThat(log.firstSequence()).as("first").isEqualTo(first);
        assertThat(log.lastSequence()).as("last").isEqualTo(last);
        assertThat(log.messageCount()).as("count").isEqualTo(last - first + 1);
        long bytes = 0;
        for (long s = first; s <= last; s++) {
            bytes += records.get((int) (s - 1)).length;
        }
        assertThat(log.byteCount()).as("bytes").isEqualTo(bytes);
        for (long s = Math.max(0, first - 3); s < first; s++) {
            assertThat(log.read(s)).as("removed %d", s).isNull();
        }
        for (long s = first; s <= last; s++) {
            assertMessage(log.read(s), s, 100L * s, records.get((int) (s - 1)));
        }
        assertThat(log.read(last + 1)).isNull();
        // Removed messages are never an answer.
        assertThat(log.sequenceAtOrAfter(Long.MIN_VALUE)).isEqualTo(first);
        assertThat(log.sequenceAtOrAfter(0)).isEqualTo(first);
        assertThat(log.sequenceAtOrAfter(100L * first)).isEqualTo(first);
        for (long s = first + 1; s <= last; s++) {
            assertThat(log.sequenceAtOrAfter(100L * s - 50)).isEqualTo(s);
            assertThat(log.sequenceAtOrAfter(100L * s)).isEqualTo(s);
        }
        assertThat(log.sequenceAtOrAfter(100L * last + 1)).isEqualTo(last + 1);
    }

    @Test
    void removeBeforeAtOrBelowTheFirstSequenceDoesNothing() {
        ChannelLog log = store.channel("rb.noop");
        List<byte[]> records = appendSized(log, 5, 6, 7, 8);
        for (long s : new long[]{Long.MIN_VALUE, -1, 0, 1}) {
            log.removeBefore(s);
            assertRange(log, 1, 4, records);
        }
        log.removeBefore(3);
        assertRange(log, 3, 4, records);
        log.removeBefore(2);
        log.removeBefore(3);
        assertRange(log, 3, 4, records);
    }

    @Test
    void removeBeforeOnANewChannelDoesNothing() {
        ChannelLog log = store.channel("rb.new");
        log.removeBefore(1);
        log.removeBefore(100);
        assertThat(log.firstSequence()).isEqualTo(1);
        assertThat(log.lastSequence()).isZero();
        assertThat(log.messageCount()).isZero();
        assertThat(log.append(5, new byte[]{1})).isEqualTo(1);
        assertThat(log.firstSequence()).isEqualTo(1);
        assertThat(log.messageCount()).isEqualTo(1);
    }

    @Test
    void removeBeforeTheMiddleThenTheLastThenEverything() {
        ChannelLog log = store.channel("rb.steps");
        List<byte[]> records = appendSized(log, 10, 0, 20, 30, 0, 40, 50, 60, 70, 80);
        log.removeBefore(4); // middle
        assertRange(log, 4, 10, records);
        assertThat(log.byteCount()).isEqualTo(30 + 40 + 50 + 60 + 70 + 80);
        log.removeBefore(10); // only the last left
        assertRange(log, 10, 10, records);
        assertThat(log.byteCount()).isEqualTo(80);
        log.removeBefore(11); // everything
        assertThat(log.firstSequence()).isEqualTo(11);
        assertThat(log.lastSequence()).isEqualTo(10);
        assertThat(log.messageCount()).isZero();
        assertThat(log.byteCount()).isZero();
        assertThat(log.read(10)).isNull();
        assertThat(log.read(11)).isNull();
        assertThat(log.sequenceAtOrAfter(Long.MIN_VALUE)).isEqualTo(11);
        assertThat(log.sequenceAtOrAfter(500)).isEqualTo(11);
        assertThat(log.sequenceAtOrAfter(Long.MAX_VALUE)).isEqualTo(11);
        assertThat(log.firstSequenceWithinBytes(0)).isEqualTo(11);
        log.removeBefore(12); // clamped to last + 1: nothing more
        log.removeBefore(Long.MAX_VALUE);
        assertThat(log.firstSequence()).isEqualTo(11);
        // Appends go on at last + 1.
        records.addAll(appendSized(log, 3, 4));
        assertRange(log, 11, 12, records);
        log.removeBefore(12);
        assertRange(log, 12, 12, records);
    }

    @Test
    void removeBeforeBeyondTheLastRemovesEverythingAndKeepsTheLastSequence() {
        ChannelLog log = store.channel("rb.beyond");
        List<byte[]> records = appendSized(log, 1, 2, 3, 4, 5);
        log.removeBefore(1_000);
        assertThat(log.firstSequence()).isEqualTo(6);
        assertThat(log.lastSequence()).isEqualTo(5);
        assertThat(log.messageCount()).isZero();
        assertThat(log.byteCount()).isZero();
        for (long s = 0; s <= 6; s++) {
            assertThat(log.read(s)).isNull();
        }
        records.addAll(appendSized(log, 9));
        assertRange(log, 6, 6, records);
    }

    @Test
    void firstRemovedThenOneByOne() {
        ChannelLog log = store.channel("rb.one");
        List<byte[]> records = appendSized(log, 7, 7, 7, 7, 7, 7);
        for (long first = 2; first <= 7; first++) {
            log.removeBefore(first);
            if (first <= 6) {
                assertRange(log, first, 6, records);
            }
        }
        assertThat(log.messageCount()).isZero();
        assertThat(log.firstSequence()).isEqualTo(7);
    }

    @Test
    void aTimestampBelowARemovedMessagesIsStillClampedToIt() {
        ChannelLog log = store.channel("rb.clock");
        log.append(1_000, new byte[]{1});
        log.removeBefore(2);
        log.append(900, new byte[]{2}); // the clock stepped back while the log was empty
        assertThat(log.read(2).timestampNanos()).isEqualTo(1_000);
        assertThat(log.sequenceAtOrAfter(950)).isEqualTo(2);
        assertThat(log.sequenceAtOrAfter(1_001)).isEqualTo(3);
    }

    /** A log trimmed after every append, as the engine enforces max_msgs: stays correct and bounded. */
    @Test
    void aLogTrimmedAfterEveryAppendKeepsTheNewestMessages() {
        ChannelLog log = store.channel("rb.limit");
        int keep = 100;
        int n = 20_000;
        for (int i = 1; i <= n; i++) {
            log.append(i, payload("rb.limit", i, i % 13));
            log.removeBefore(log.lastSequence() - keep + 1);
            long count = Math.min(i, keep);
            if (log.messageCount() != count || log.firstSequence() != i - count + 1) {
                assertThat(log.messageCount()).as("count after %d", i).isEqualTo(count);
                assertThat(log.firstSequence()).as("first after %d", i).isEqualTo(i - count + 1);
            }
        }
        long bytes = 0;
        for (int i = n - keep + 1; i <= n; i++) {
            assertMessage(log.read(i), i, i, payload("rb.limit", i, i % 13));
            bytes += i % 13;
        }
        assertThat(log.byteCount()).isEqualTo(bytes);
        assertThat(log.read(n - keep)).isNull();
        assertThat(log.sequenceAtOrAfter(0)).isEqualTo(n - keep + 1);
        assertThat(log.sequenceAtOrAfter(n - 10)).isEqualTo(n - 10);
    }

    @Test
    void removeBeforeMatchesAReferenceOnRandomOperations() {
        ChannelLog log = store.channel("rb.random");
        Random rnd = new Random(11);
        List<byte[]> records = new ArrayList<>();
        List<Long> timestamps = new ArrayList<>();
        long first = 1;
        long t = 1_000;
        for (int op = 0; op < 3_000; op++) {
            int kind = rnd.nextInt(10);
            long last = records.size();
            if (kind < 6) {
                t += rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(50);
                byte[] r = payload("rb.random", last + 1, rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(40));
                assertThat(log.append(t, r)).isEqualTo(last + 1);
                records.add(r);
                timestamps.add(t);
            } else if (kind < 8) {
                long target = first + rnd.nextInt(5) - 1;
                log.removeBefore(target);
                first = Math.max(first, Math.min(target, last + 1));
            } else if (kind == 8) {
                long max = rnd.nextInt(200) - 5;
                long expected = referenceWithinBytes(records, first, max);
                assertThat(log.firstSequenceWithinBytes(max)).as("within %d, first %d, last %d", max, first, last)
                        .isEqualTo(expected);
                log.removeBefore(expected);
                first = Math.max(first, expected);
            } else {
                long probe = t - rnd.nextInt(300);
                long expected = last + 1;
                for (long s = first; s <= last; s++) {
                    if (timestamps.get((int) (s - 1)) >= probe) {
                        expected = s;
                        break;
                    }
                }
                assertThat(log.sequenceAtOrAfter(probe)).as("at or after %d", probe).isEqualTo(expected);
            }
            assertThat(log.firstSequence()).isEqualTo(first);
            assertThat(log.lastSequence()).isEqualTo(records.size());
            long bytes = 0;
            for (long s = first; s <= records.size(); s++) {
                bytes += records.get((int) (s - 1)).length;
            }
            assertThat(log.byteCount()).isEqualTo(bytes);
        }
        for (long s = 1; s <= records.size(); s++) {
            StoredMessage m = log.read(s);
            if (s < first) {
                assertThat(m).isNull();
            } else {
                assertMessage(m, s, timestamps.get((int) (s - 1)), records.get((int) (s - 1)));
            }
        }
    }

    /** Linear reference for firstSequenceWithinBytes over records stored at sequences first..size. */
    protected static long referenceWithinBytes(List<byte[]> records, long first, long maxBytes) {
        long last = records.size();
        if (first > last) {
            return first;
        }
        for (long s = first; s <= last; s++) {
            long bytes = 0;
            for (long x = s; x <= last; x++) {
                bytes += records.get((int) (x - 1)).length;
            }
            if (bytes <= maxBytes) {
                return s;
            }
        }
        return last;
    }

    // ---- retention: firstSequenceWithinBytes ----

    @Test
    void firstSequenceWithinBytesEdges() {
        ChannelLog log = store.channel("wb");
        assertThat(log.firstSequenceWithinBytes(0)).as("empty").isEqualTo(1);
        assertThat(log.firstSequenceWithinBytes(-1)).as("empty").isEqualTo(1);
        appendSized(log, 10, 20, 30, 40, 50); // 150 bytes
        assertThat(log.firstSequenceWithinBytes(Long.MAX_VALUE)).isEqualTo(1);
        assertThat(log.firstSequenceWithinBytes(150)).isEqualTo(1);
        assertThat(log.firstSequenceWithinBytes(149)).isEqualTo(2);
        assertThat(log.firstSequenceWithinBytes(140)).isEqualTo(2);
        assertThat(log.firstSequenceWithinBytes(139)).isEqualTo(3);
        assertThat(log.firstSequenceWithinBytes(120)).isEqualTo(3);
        assertThat(log.firstSequenceWithinBytes(90)).isEqualTo(4);
        assertThat(log.firstSequenceWithinBytes(89)).isEqualTo(5);
        assertThat(log.firstSequenceWithinBytes(50)).isEqualTo(5);
        assertThat(log.firstSequenceWithinBytes(49)).as("newest kept").isEqualTo(5);
        assertThat(log.firstSequenceWithinBytes(0)).isEqualTo(5);
        assertThat(log.firstSequenceWithinBytes(-1)).isEqualTo(5);
        assertThat(log.firstSequenceWithinBytes(Long.MIN_VALUE)).isEqualTo(5);
        // The answer never goes below the first sequence.
        log.removeBefore(3);
        assertThat(log.firstSequenceWithinBytes(150)).isEqualTo(3);
        assertThat(log.firstSequenceWithinBytes(120)).isEqualTo(3);
        assertThat(log.firstSequenceWithinBytes(119)).isEqualTo(4);
        assertThat(log.firstSequenceWithinBytes(0)).isEqualTo(5);
        log.removeBefore(5);
        assertThat(log.firstSequenceWithinBytes(0)).isEqualTo(5);
        assertThat(log.firstSequenceWithinBytes(50)).isEqualTo(5);
        log.removeBefore(6);
        assertThat(log.firstSequenceWithinBytes(0)).as("everything removed").isEqualTo(6);
        assertThat(log.firstSequenceWithinBytes(-1)).isEqualTo(6);
    }

    @Test
    void firstSequenceWithinBytesWithEmptyRecords() {
        ChannelLog log = store.channel("wb.zero");
        appendSized(log, 0, 0, 5, 0, 0);
        assertThat(log.firstSequenceWithinBytes(5)).isEqualTo(1);
        assertThat(log.firstSequenceWithinBytes(4)).isEqualTo(4); // the empty ones after the 5 fit in 0 bytes
        assertThat(log.firstSequenceWithinBytes(0)).isEqualTo(4);
        ChannelLog one = store.channel("wb.one");
        appendSized(one, 100);
        assertThat(one.firstSequenceWithinBytes(99)).isEqualTo(1);
        assertThat(one.firstSequenceWithinBytes(100)).isEqualTo(1);
    }

    @Test
    void firstSequenceWithinBytesMatchesALinearReference() {
        ChannelLog log = store.channel("wb.random");
        Random rnd = new Random(5);
        int n = 2_000;
        int[] sizes = new int[n];
        for (int i = 0; i < n; i++) {
            sizes[i] = rnd.nextInt(5) == 0 ? 0 : rnd.nextInt(100);
        }
        List<byte[]> records = appendSized(log, sizes);
        long[] suffix = new long[n + 2]; // suffix[s] = bytes of s..n
        for (int s = n; s >= 1; s--) {
            suffix[s] = suffix[s + 1] + sizes[s - 1];
        }
        for (int q = 0; q < 500; q++) {
            long first = log.firstSequence();
            long max = rnd.nextInt(3) == 0 ? rnd.nextInt(300) : rnd.nextLong(suffix[(int) first] + 10);
            long expected = n;
            for (long s = first; s <= n; s++) {
                if (suffix[(int) s] <= max) {
                    expected = s;
                    break;
                }
            }
            assertThat(log.firstSequenceWithinBytes(max)).as("max %d first %d", max, first).isEqualTo(expected);
            if (q % 50 == 49) {
                log.removeBefore(first + rnd.nextInt(100));
            }
        }
        assertThat(records).hasSize(n);
    }

    // ---- delete ----

    @Test
    void deleteRemovesTheChannelAndANewOneStartsAtOne() {
        ChannelLog log = store.channel("del.me");
        appendSized(log, 5, 6, 7);
        ChannelLog other = store.channel("del.other");
        List<byte[]> otherRecords = appendSized(other, 1, 2);
        assertThat(store.delete("del.me")).isTrue();
        assertThat(store.existing("del.me")).isNull();
        assertThat(store.channels()).containsExactly(other);
        assertThatThrownBy(() -> log.append(1, new byte[1])).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> log.read(1)).isInstanceOf(StoreException.class);
        assertThat(store.delete("del.me")).as("already deleted").isFalse();
        assertThat(store.delete("never.existed")).isFalse();
        ChannelLog fresh = store.channel("del.me");
        assertThat(fresh).isNotSameAs(log);
        assertThat(fresh.lastSequence()).isZero();
        assertThat(fresh.firstSequence()).isEqualTo(1);
        assertThat(fresh.messageCount()).isZero();
        assertThat(fresh.byteCount()).isZero();
        assertThat(fresh.read(1)).isNull();
        assertThat(fresh.append(1_000, new byte[]{42})).isEqualTo(1);
        assertThat(fresh.read(1).record()).containsExactly(42);
        assertThat(store.existing("del.me")).isSameAs(fresh);
        assertThat(store.channels()).containsExactlyInAnyOrder(other, fresh);
        assertRange(other, 1, 2, otherRecords);
    }

    @Test
    void deleteAfterRemovalAndOnAClosedStore() {
        ChannelLog log = store.channel("del.removed");
        appendSized(log, 5, 6, 7);
        log.removeBefore(4);
        assertThat(store.delete("del.removed")).isTrue();
        ChannelLog fresh = store.channel("del.removed");
        assertThat(fresh.firstSequence()).isEqualTo(1);
        assertThat(fresh.append(1, new byte[1])).isEqualTo(1);
        store.close();
        assertThatThrownBy(() -> store.delete("del.removed")).isInstanceOf(StoreException.class);
        store = null;
    }

    // ---- flush ----

    @Test
    void flushAtBothLevelsKeepsEverythingReadable() {
        ChannelLog log = store.channel("flush");
        log.flush(false);
        log.flush(true); // nothing appended yet
        for (int i = 1; i <= 100; i++) {
            log.append(i, payload("flush", i, 50));
            if (i % 10 == 0) {
                log.flush(i % 20 == 0);
            }
        }
        log.flush(true);
        log.flush(true);
        for (int i = 1; i <= 100; i++) {
            assertMessage(log.read(i), i, i, payload("flush", i, 50));
        }
        assertThat(log.append(101, new byte[1])).isEqualTo(101);
    }
}
