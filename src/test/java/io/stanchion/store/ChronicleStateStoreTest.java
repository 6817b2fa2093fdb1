package io.stanchion.store;

import io.stanchion.store.RecoveredState.RecoveredSubscription;
import io.stanchion.store.chronicle.ChronicleStateStore;
import io.stanchion.store.chronicle.ChronicleStateStore.Options;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.LargeRollCycles;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChronicleStateStoreTest {

    @TempDir
    Path tmp;

    private Path stateDir() {
        return tmp.resolve("_state");
    }

    private ChronicleStateStore open() {
        return new ChronicleStateStore(stateDir());
    }

    private ChronicleStateStore open(Options options) {
        return new ChronicleStateStore(stateDir(), options);
    }

    private static Options truncating() {
        return Options.defaults().withTruncateBadTail(true);
    }

    private RecoveredState reopen() {
        try (ChronicleStateStore s = open()) {
            assertThat(s.recoveryWarnings()).isEmpty();
            return s.recovered();
        }
    }

    private static SubscriptionRecord sub(long id, String channel, long lastSent) {
        return new SubscriptionRecord(id, channel, "client-" + id, "_INBOX.sub." + id, "_STAN.ack.tok." + id, "",
                "", 10, 30_000_000_000L, lastSent, false);
    }

    private static ClientRecord client(String id) {
        return new ClientRecord(id, "_INBOX.hb." + id, ("conn-" + id).getBytes(StandardCharsets.UTF_8), 1, 5, 3);
    }

    private List<Path> generationDirs() throws IOException {
        try (Stream<Path> s = Files.list(stateDir())) {
            return s.filter(p -> p.getFileName().toString().matches("gen-\\d{10}")).sorted().toList();
        }
    }

    private Path onlyGeneration() throws IOException {
        List<Path> gens = generationDirs();
        assertThat(gens).hasSize(1);
        return gens.get(0);
    }

    private static Path cycleFile(Path genDir) throws IOException {
        try (Stream<Path> s = Files.list(genDir)) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".cq4")).toList();
            assertThat(files).as("cycle files in %s", genDir).hasSize(1);
            return files.get(0);
        }
    }

    private static void assertSameState(RecoveredState actual, RecoveredState expected) {
        assertThat(actual).usingRecursiveComparison().isEqualTo(expected);
    }

    // ------------------------------------------------------------------------------------------------------------

    @Test
    void aNewStoreIsEmptyAndStartsAtGenerationOne() throws IOException {
        try (ChronicleStateStore s = open()) {
            RecoveredState r = s.recovered();
            assertThat(r.clusterId()).isNull();
            assertThat(r.ackToken()).isNull();
            assertThat(r.clients()).isEmpty();
            assertThat(r.subscriptions()).isEmpty();
            assertThat(r.maxSubscriptionId()).isZero();
            assertThat(s.recoveryWarnings()).isEmpty();
            assertThat(s.generation()).isEqualTo(1);
        }
        assertThat(onlyGeneration().getFileName().toString()).isEqualTo("gen-0000000001");
        assertSameState(reopen(), RecoveredState.empty());
        assertThat(onlyGeneration().getFileName().toString()).isEqualTo("gen-0000000002");
    }

    @Test
    void everyRecordTypeSurvivesCloseAndReopen() {
        ClientRecord a = new ClientRecord("cli-a", "_INBOX.hbA", new byte[]{1, 2, 3, (byte) 0xff}, 1, 5, 3);
        ClientRecord b = new ClientRecord("cli-ü€", null, null, 0, 0, 0);
        ClientRecord c = client("cli-c");
        SubscriptionRecord durable = new SubscriptionRecord(7, "orders.ü", "cli-a", "_INBOX.d", "_STAN.ack.x.7", "",
                "dur", 1024, 1_500_000_000L, 0, false);
        SubscriptionRecord queue = new SubscriptionRecord(9, "orders", "cli-b", "_INBOX.q", "_STAN.ack.x.9",
                "dur:grp", "dur", 1, Long.MAX_VALUE, 41, true);
        SubscriptionRecord gone = sub(12, "gone", 0);
        try (ChronicleStateStore s = open()) {
            s.serverInfo("test-cluster", "ackTok3n");
            s.addClient(a);
            s.addClient(b);
            s.addClient(c);
            s.deleteClient("cli-c");
            s.putSubscription(durable);
            s.putSubscription(queue);
            s.putSubscription(gone);
            s.sent(7, 1);
            s.sent(7, 2);
            s.sent(7, 3);
            s.acked(7, 2);
            s.sent(9, 42);
            s.sent(12, 1);
            s.deleteSubscription(12);
            s.flush(false);
            s.flush(true);
        }
        SubscriptionRecord durableFolded = new SubscriptionRecord(7, "orders.ü", "cli-a", "_INBOX.d", "_STAN.ack.x.7",
                "", "dur", 1024, 1_500_000_000L, 3, false);
        SubscriptionRecord queueFolded = new SubscriptionRecord(9, "orders", "cli-b", "_INBOX.q", "_STAN.ack.x.9",
                "dur:grp", "dur", 1, Long.MAX_VALUE, 42, true);
        RecoveredState expected = new RecoveredState("test-cluster", "ackTok3n", List.of(a, b),
                List.of(new RecoveredSubscription(durableFolded, 3, new long[]{1, 3}),
                        new RecoveredSubscription(queueFolded, 42, new long[]{42})), 12);
        // The first reopen replays the journal; the next ones replay the compacted snapshots.
        for (int round = 0; round < 3; round++) {
            assertSameState(reopen(), expected);
        }
    }

    @Test
    void pendingIsSentMinusAckedAndLastSentFolds() {
        try (ChronicleStateStore s = open()) {
            s.putSubscription(sub(1, "a", 10));
            for (long seq = 11; seq <= 20; seq++) {
                s.sent(1, seq);
            }
            s.acked(1, 12);
            s.acked(1, 15);
            s.acked(1, 20);
            s.acked(1, 99); // never sent: nothing
            s.sent(1, 5);   // below lastSent (a re-send): pending, lastSent unchanged
            s.putSubscription(sub(1, "a", 3)); // replaced descriptor with an older lastSent: keeps 20 and pending
            s.putSubscription(sub(2, "b", 100));
            s.sent(2, 50);  // below the descriptor's lastSent
        }
        for (int round = 0; round < 3; round++) {
            RecoveredState r = reopen();
            assertThat(r.subscriptions()).hasSize(2);
            RecoveredSubscription one = r.subscriptions().get(0);
            assertThat(one.descriptor().id()).isEqualTo(1);
            assertThat(one.lastSent()).isEqualTo(20);
            assertThat(one.pending()).containsExactly(5, 11, 13, 14, 16, 17, 18, 19);
            RecoveredSubscription two = r.subscriptions().get(1);
            assertThat(two.lastSent()).isEqualTo(100);
            assertThat(two.pending()).containsExactly(50);
        }
    }

    /** current(): the live state, buffered SENT/ACKED included, as a copy that later calls leave unchanged. */
    @Test
    void currentIsACopyOfTheLiveStateWithBufferedEventsAndEqualsWhatAReopenRecovers() {
        try (ChronicleStateStore s = open()) {
            assertThat(s.current().clients()).isEmpty();
            s.serverInfo("c", "tok");
            s.addClient(client("x"));
            s.putSubscription(sub(1, "a", 10));
            s.sent(1, 11); // buffered: not yet written, but in the live state
            s.sent(1, 12);
            s.acked(1, 11);
            RecoveredState now = s.current();
            assertThat(now.clusterId()).isEqualTo("c");
            assertThat(now.clients()).extracting(ClientRecord::id).containsExactly("x");
            assertThat(now.subscriptions()).hasSize(1);
            assertThat(now.subscriptions().get(0).lastSent()).isEqualTo(12);
            assertThat(now.subscriptions().get(0).pending()).containsExactly(12);
            s.deleteClient("x");
            s.acked(1, 12);
            assertThat(now.clients()).hasSize(1);
            assertThat(now.subscriptions().get(0).pending()).containsExactly(12);
            assertThat(s.current().clients()).isEmpty();
            assertThat(s.current().subscriptions().get(0).pending()).isEmpty();
        }
        RecoveredState r = reopen();
        assertThat(r.subscriptions().get(0).lastSent()).isEqualTo(12);
        assertThat(r.subscriptions().get(0).pending()).isEmpty();
    }

    @Test
    void deletedClientsAndSubscriptionsAreGoneAndTheMaxIdStays() {
        try (ChronicleStateStore s = open()) {
            s.addClient(client("x"));
            s.addClient(client("y"));
            s.putSubscription(sub(3, "a", 0));
            s.putSubscription(sub(1000, "b", 0));
            s.sent(1000, 1);
            s.deleteSubscription(1000);
            s.sent(1000, 2);  // deleted: ignored
            s.acked(1000, 1); // deleted: ignored
            s.sent(77, 1);    // never existed: ignored
            s.deleteClient("x");
            s.deleteClient("nobody");
        }
        for (int round = 0; round < 3; round++) {
            RecoveredState r = reopen();
            assertThat(r.clients()).extracting(ClientRecord::id).containsExactly("y");
            assertThat(r.subscriptions()).extracting(rs -> rs.descriptor().id()).containsExactly(3L);
            assertThat(r.subscriptions().get(0).pending()).isEmpty();
            assertThat(r.maxSubscriptionId()).isEqualTo(1000);
        }
        // A subscription put again after its deletion starts afresh.
        try (ChronicleStateStore s = open()) {
            s.putSubscription(sub(3, "a", 0));
            s.sent(3, 4);
            s.deleteSubscription(3);
            s.putSubscription(sub(3, "a", 1));
        }
        RecoveredState r = reopen();
        assertThat(r.subscriptions().get(0).lastSent()).isEqualTo(1);
        assertThat(r.subscriptions().get(0).pending()).isEmpty();
    }

    @Test
    void clientsKeepTheirOrderAndAReAddReplaces() {
        try (ChronicleStateStore s = open()) {
            s.addClient(client("c"));
            s.addClient(client("a"));
            s.addClient(client("b"));
            s.addClient(new ClientRecord("a", "_INBOX.new", null, 2, 1, 1));
        }
        RecoveredState r = reopen();
        assertThat(r.clients()).extracting(ClientRecord::id).containsExactly("c", "a", "b");
        assertThat(r.clients().get(1).heartbeatInbox()).isEqualTo("_INBOX.new");
        assertSameState(reopen(), r);
    }

    @Test
    void openingCompactsIntoExactlyOneGenerationWithTheSameState() throws IOException {
        try (ChronicleStateStore s = open()) {
            s.serverInfo("c", "t");
            s.putSubscription(sub(1, "a", 0));
            for (long seq = 1; seq <= 10_000; seq++) {
                s.sent(1, seq);
                if (seq % 100 != 0) {
                    s.acked(1, seq);
                }
            }
        }
        Path before = onlyGeneration();
        long sizeBefore = journalRecords(before);
        assertThat(sizeBefore).isGreaterThan(19_000);
        RecoveredState first;
        try (ChronicleStateStore s = open()) {
            first = s.recovered();
            assertThat(s.generation()).isEqualTo(2);
        }
        Path after = onlyGeneration();
        assertThat(after).isNotEqualTo(before);
        assertThat(Files.exists(before)).isFalse();
        // server info + sub + its 100 pending in one SENT_RANGES record + end
        assertThat(journalRecords(after)).isEqualTo(1 + 1 + 1 + 1);
        assertThat(first.subscriptions().get(0).pending()).hasSize(100).startsWith(100, 200).endsWith(10_000);
        assertThat(first.subscriptions().get(0).lastSent()).isEqualTo(10_000);
        assertSameState(reopen(), first);
        assertThat(onlyGeneration().getFileName().toString()).isEqualTo("gen-0000000003");
    }

    /** Data excerpts in a generation's queue (read with Chronicle directly). */
    private static long journalRecords(Path genDir) {
        long n = 0;
        try (SingleChronicleQueue q = SingleChronicleQueueBuilder.binary(genDir).rollCycle(LargeRollCycles.LARGE_DAILY)
                .build(); var t = q.createTailer()) {
            while (true) {
                try (DocumentContext dc = t.readingDocument()) {
                    if (!dc.isPresent()) {
                        return n;
                    }
                    n++;
                }
            }
        }
    }

    @Test
    void anInterruptedCompactionIsIgnoredAndDeleted() throws IOException {
        try (ChronicleStateStore s = open()) {
            s.serverInfo("c", "t");
            s.addClient(client("a"));
        }
        Path complete = onlyGeneration();
        // A newer generation with a partial snapshot and no SNAPSHOT_END (what a crash during compaction leaves)
        Path newer = stateDir().resolve("gen-0000000005");
        try (RawJournal raw = new RawJournal(newer)) {
            raw.serverInfo("other", "x");
            raw.clientAdd("ghost");
        }
        // ... and an even newer one that is empty.
        Files.createDirectories(stateDir().resolve("gen-0000000006"));
        try (ChronicleStateStore s = open()) {
            assertThat(s.recovered().clusterId()).isEqualTo("c");
            assertThat(s.recovered().clients()).extracting(ClientRecord::id).containsExactly("a");
            assertThat(s.recoveryWarnings()).hasSize(2)
                    .anySatisfy(w -> assertThat(w).contains("gen-0000000005", "interrupted compaction", "2 records"))
                    .anySatisfy(w -> assertThat(w).contains("gen-0000000006", "interrupted compaction", "empty"));
            assertThat(s.generation()).isEqualTo(7);
        }
        assertThat(Files.exists(complete)).isFalse();
        assertThat(Files.exists(newer)).isFalse();
        assertThat(onlyGeneration().getFileName().toString()).isEqualTo("gen-0000000007");
        assertThat(reopen().clients()).extracting(ClientRecord::id).containsExactly("a");
    }

    @Test
    void aTemporaryGenerationLeftByACrashIsDeleted() throws IOException {
        // What a crash while Chronicle creates the new generation's files can leave: garbage metadata.
        Path tmpGen = stateDir().resolve(".tmp-gen-0000000001");
        Files.createDirectories(tmpGen);
        Files.write(tmpGen.resolve("metadata.cq4t"), new byte[]{0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0x40});
        try (ChronicleStateStore s = open()) {
            assertSameState(s.recovered(), RecoveredState.empty());
            assertThat(s.recoveryWarnings()).singleElement().asString().contains(".tmp-gen-0000000001",
                    "interrupted compaction");
            s.addClient(client("a"));
        }
        assertThat(Files.exists(tmpGen)).isFalse();
        Path tmpGen2 = stateDir().resolve(".tmp-gen-0000000007");
        Files.createDirectories(tmpGen2);
        try (ChronicleStateStore s = open()) {
            assertThat(s.recovered().clients()).extracting(ClientRecord::id).containsExactly("a");
            assertThat(s.recoveryWarnings()).singleElement().asString().contains(".tmp-gen-0000000007");
            assertThat(s.generation()).isEqualTo(2); // the temporary directory's number is not taken into account
        }
        assertThat(Files.exists(tmpGen2)).isFalse();
    }

    @Test
    void aDamagedInterruptedCompactionIsDiscardedToo() throws IOException {
        try (ChronicleStateStore s = open()) {
            s.addClient(client("a"));
        }
        Path newer = stateDir().resolve("gen-0000000009");
        try (RawJournal raw = new RawJournal(newer)) {
            raw.clientAdd("ghost-with-a-long-name");
        }
        flipByteOf(cycleFile(newer), "ghost-with-a-long-name", 3);
        try (ChronicleStateStore s = open()) {
            assertThat(s.recovered().clients()).extracting(ClientRecord::id).containsExactly("a");
            assertThat(s.recoveryWarnings()).singleElement().asString()
                    .contains("gen-0000000009", "interrupted compaction", "CRC mismatch");
        }
    }

    @Test
    void theDocumentedFormatIsWhatIsRead() throws IOException {
        // A generation written by hand from the class javadoc's format description.
        try (RawJournal raw = new RawJournal(stateDir().resolve("gen-0000000001"))) {
            raw.serverInfo("cl", "tok");
            raw.clientAdd("c1");
            raw.subPut(4, "ch", "c1", 7);
            raw.sentOrAcked(6, 4, 8);
            raw.sentOrAcked(6, 4, 9);
            raw.sentOrAcked(7, 4, 8);
            raw.end(1, 20);
            raw.subDelete(3);
            raw.clientDelete("nobody");
        }
        try (ChronicleStateStore s = open()) {
            RecoveredState r = s.recovered();
            assertThat(s.recoveryWarnings()).isEmpty();
            assertThat(r.clusterId()).isEqualTo("cl");
            assertThat(r.ackToken()).isEqualTo("tok");
            assertThat(r.clients()).singleElement().usingRecursiveComparison().isEqualTo(RawJournal.client("c1"));
            assertThat(r.subscriptions()).singleElement().satisfies(rs -> {
                assertThat(rs.descriptor()).isEqualTo(RawJournal.sub(4, "ch", "c1", 9));
                assertThat(rs.lastSent()).isEqualTo(9);
                assertThat(rs.pending()).containsExactly(9);
            });
            assertThat(r.maxSubscriptionId()).isEqualTo(20);
        }
    }

    @Test
    void rangeRecordsAreReadAsTheDocumentedFormat() throws IOException {
        try (RawJournal raw = new RawJournal(stateDir().resolve("gen-0000000001"))) {
            raw.subPut(4, "ch", "c1", 0);
            raw.end(1, 4);
            raw.ranges(9, 4, 1, 10, 20, 3);   // sent 1..10 and 20..22
            raw.ranges(10, 4, 2, 8, 21, 1);   // acked 2..9 and 21
        }
        try (ChronicleStateStore s = open()) {
            assertThat(s.recoveryWarnings()).isEmpty();
            assertThat(s.recovered().subscriptions()).singleElement().satisfies(rs -> {
                assertThat(rs.lastSent()).isEqualTo(22);
                assertThat(rs.pending()).containsExactly(1, 10, 20, 22);
            });
        }
    }

    @Test
    void aRangeRecordWithABadRangeIsDamage() throws IOException {
        try (RawJournal raw = new RawJournal(stateDir().resolve("gen-0000000001"))) {
            raw.subPut(4, "ch", "c1", 0);
            raw.end(1, 4);
            raw.ranges(9, 4, 1, 10);
            raw.ranges(9, 4, 11, 0);           // count 0
        }
        assertThatThrownBy(this::open).isInstanceOf(StoreException.class)
                .hasMessageContaining("record #3").hasMessageContaining("bad range");
        try (ChronicleStateStore s = open(truncating())) {
            assertThat(s.recovered().subscriptions().get(0).pending()).hasSize(10);
        }
    }

    @Test
    void bufferedEventsBecomeOneRangeRecordPerSubscriptionAndTypeAtTheFlush() throws IOException {
        try (ChronicleStateStore s = open()) {
            s.putSubscription(sub(1, "a", 0));
            s.putSubscription(sub(2, "b", 0));
            Path gen = onlyGeneration();
            long before = journalRecords(gen);
            for (long seq = 1; seq <= 1_000; seq++) {
                s.sent(1, seq);
            }
            for (long seq = 1; seq <= 500; seq++) {
                s.sent(2, seq * 2); // not consecutive: 500 ranges, still one record
            }
            for (long seq = 1; seq <= 1_000; seq += 2) {
                s.acked(1, seq);
            }
            assertThat(journalRecords(gen)).as("nothing written before the flush").isEqualTo(before);
            s.flush(false);
            assertThat(journalRecords(gen)).isEqualTo(before + 3);
            s.deleteSubscription(2);
            s.acked(1, 2);
            s.putSubscription(sub(3, "c", 0)); // writes the buffered ack first, keeping the call order
            assertThat(journalRecords(gen)).isEqualTo(before + 3 + 1 + 1 + 1);
        }
        RecoveredState r = reopen();
        assertThat(r.subscriptions()).extracting(rs -> rs.descriptor().id()).containsExactly(1L, 3L);
        assertThat(r.subscriptions().get(0).pending()).hasSize(499).startsWith(4, 6).endsWith(1_000);
    }

    @Test
    void aLoneGenerationWithoutSnapshotEndIsAnErrorUnlessTruncating() throws IOException {
        try (RawJournal raw = new RawJournal(stateDir().resolve("gen-0000000003"))) {
            raw.clientAdd("c1");
        }
        assertThatThrownBy(this::open).isInstanceOf(StoreException.class)
                .hasMessageContaining("gen-0000000003").hasMessageContaining("no SNAPSHOT_END");
        try (ChronicleStateStore s = open(truncating())) {
            assertThat(s.recovered().clients()).extracting(ClientRecord::id).containsExactly("c1");
            assertThat(s.recoveryWarnings()).singleElement().asString().contains("no SNAPSHOT_END");
        }
        assertThat(Files.isDirectory(stateDir().resolve("gen-0000000003.damaged"))).isTrue();
        assertThat(reopen().clients()).extracting(ClientRecord::id).containsExactly("c1");
    }

    @Test
    void anEmptyLoneGenerationIsANewStore() throws IOException {
        Files.createDirectories(stateDir().resolve("gen-0000000001"));
        try (ChronicleStateStore s = open()) {
            assertSameState(s.recovered(), RecoveredState.empty());
            assertThat(s.recoveryWarnings()).isEmpty();
            assertThat(s.generation()).isEqualTo(2);
        }
    }

    @Test
    void manyRecordsCompactWhileRunning() throws IOException {
        Options small = Options.defaults().withCompaction(1_000, 8);
        try (ChronicleStateStore s = open(small)) {
            s.serverInfo("c", "t");
            s.putSubscription(sub(1, "a", 0));
            s.putSubscription(sub(2, "b", 0));
            for (long seq = 1; seq <= 20_000; seq++) {
                s.sent(1, seq);
                s.sent(2, seq);
                if (seq > 10) {
                    s.acked(1, seq - 10);
                }
                s.acked(2, seq);
                s.flush(false); // as the engine at the end of a batch
            }
            // 20,000 + 20,000 + 19,990 + 20,000 events at > 1,000 each: about 80 compactions
            assertThat(s.compactions()).isBetween(70L, 80L);
            assertThat(s.generation()).isEqualTo(s.compactions());
            assertThat(onlyGeneration().getFileName().toString())
                    .isEqualTo(String.format("gen-%010d", s.generation()));
            s.flush(true);
        }
        RecoveredState r = reopen();
        assertThat(r.clusterId()).isEqualTo("c");
        assertThat(r.subscriptions().get(0).pending()).containsExactly(
                19_991, 19_992, 19_993, 19_994, 19_995, 19_996, 19_997, 19_998, 19_999, 20_000);
        assertThat(r.subscriptions().get(0).lastSent()).isEqualTo(20_000);
        assertThat(r.subscriptions().get(1).pending()).isEmpty();
        assertThat(r.subscriptions().get(1).lastSent()).isEqualTo(20_000);
    }

    @Test
    void theRunningThresholdFollowsTheLiveRecords() {
        // 1,000 minimum, 8 x live: with 5,000 pending the journal may grow to 40,000+ records before compacting.
        Options small = Options.defaults().withCompaction(1_000, 8);
        try (ChronicleStateStore s = open(small)) {
            s.putSubscription(sub(1, "a", 0));
            for (long seq = 1; seq <= 5_000; seq++) {
                s.sent(1, seq); // live grows with each: never 8 x live
            }
            long base = s.compactions();
            assertThat(base).isEqualTo(1);
            for (int i = 0; i < 30_000; i++) {
                s.acked(1, 1);  // not pending: not even written
            }
            assertThat(s.compactions()).isEqualTo(base);
            for (long seq = 5_001; seq <= 25_000; seq++) {
                s.sent(1, seq);
                s.acked(1, seq);
            }
            // live = 1 sub + 4,999 pending + 1 end: compacts once past 8 x 5,001 = 40,008 records, then not again
            assertThat(s.compactions()).isEqualTo(base + 1);
        }
    }

    @Test
    void theDefaultThresholdCompactsAfterAMillionRecords() throws IOException {
        try (ChronicleStateStore s = open()) {
            s.putSubscription(sub(1, "a", 0));
            long seq = 0;
            while (seq < 499_999) { // 1 + 2 x 499,999 = 999,999 records
                seq++;
                s.sent(1, seq);
                s.acked(1, seq);
            }
            s.sent(1, ++seq); // 1,000,000: not more than the minimum yet
            s.flush(false);   // events count when they are written
            assertThat(s.compactions()).isEqualTo(1);
            s.acked(1, seq);  // 1,000,001
            assertThat(s.compactions()).isEqualTo(1);
            s.flush(false);
            assertThat(s.compactions()).isEqualTo(2);
            assertThat(s.generation()).isEqualTo(2);
            assertThat(onlyGeneration().getFileName().toString()).isEqualTo("gen-0000000002");
            s.sent(1, ++seq);
        }
        RecoveredState r = reopen();
        assertThat(r.subscriptions().get(0).lastSent()).isEqualTo(500_001);
        assertThat(r.subscriptions().get(0).pending()).containsExactly(500_001);
    }

    @Test
    void sentAndAckedAllocateNothingPerRecord() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        try (ChronicleStateStore s = open()) {
            for (long id = 1; id <= 50; id++) {
                s.putSubscription(sub(id, "c" + id, 0));
            }
            long seq = 0;
            for (int round = 0; round < 3; round++) {
                long before = threads.getThreadAllocatedBytes(tid);
                for (int i = 0; i < 100_000; i++) {
                    seq++;
                    long id = 1 + (seq % 50);
                    s.sent(id, seq);
                    s.acked(id, seq - 50 * 4); // keeps about 4 pending per subscription: no table resizes
                }
                long allocated = threads.getThreadAllocatedBytes(tid) - before;
                if (round == 2) {
                    // 200,000 records; warmed up. Allow a little for Chronicle's own bookkeeping (index blocks).
                    assertThat(allocated).as("bytes allocated for 200,000 records").isLessThan(200_000);
                }
            }
        }
    }

    @Test
    void randomOperationsMatchAModel() {
        Random rnd = new Random(20240611);
        Model model = new Model();
        // Frequent compactions, without their fsyncs (flush(true) then syncs the new generation's directories).
        Options options = Options.defaults().withCompaction(2_000, 2).withSyncCompaction(false);
        ChronicleStateStore s = open(options);
        try {
            for (int step = 0; step < 60_000; step++) {
                int op = rnd.nextInt(100);
                long id = 1 + rnd.nextInt(12);
                long seq = 1 + rnd.nextInt(400);
                if (op < 45) {
                    s.sent(id, seq);
                    model.sent(id, seq);
                } else if (op < 88) {
                    s.acked(id, seq);
                    model.acked(id, seq);
                } else if (op < 93) {
                    SubscriptionRecord r = sub(id, "ch" + id, rnd.nextInt(300));
                    s.putSubscription(r);
                    model.put(r);
                } else if (op < 95) {
                    s.deleteSubscription(id);
                    model.delete(id);
                } else if (op < 98) {
                    ClientRecord c = client("c" + rnd.nextInt(5));
                    s.addClient(c);
                    model.clients.put(c.id(), c);
                } else if (op < 99) {
                    String c = "c" + rnd.nextInt(5);
                    s.deleteClient(c);
                    model.clients.remove(c);
                } else if (rnd.nextInt(10) == 0) {
                    if (rnd.nextBoolean()) {
                        s.flush(true);
                    }
                    s.close();
                    s = open(options);
                    model.check(s.recovered());
                }
            }
        } finally {
            s.close();
        }
        model.check(reopen());
    }

    /** What the store should recover, kept with JDK collections. */
    private static final class Model {
        final Map<String, ClientRecord> clients = new LinkedHashMap<>();
        final TreeMap<Long, SubscriptionRecord> subs = new TreeMap<>();
        final Map<Long, Long> lastSent = new TreeMap<>();
        final Map<Long, TreeSet<Long>> pending = new TreeMap<>();
        long maxId;

        void put(SubscriptionRecord r) {
            if (!subs.containsKey(r.id())) {
                pending.put(r.id(), new TreeSet<>());
                lastSent.put(r.id(), r.lastSent());
            } else {
                lastSent.merge(r.id(), r.lastSent(), Math::max);
            }
            subs.put(r.id(), r);
            maxId = Math.max(maxId, r.id());
        }

        void delete(long id) {
            subs.remove(id);
            pending.remove(id);
            lastSent.remove(id);
            maxId = Math.max(maxId, id);
        }

        void sent(long id, long seq) {
            if (subs.containsKey(id)) {
                pending.get(id).add(seq);
                lastSent.merge(id, seq, Math::max);
            }
        }

        void acked(long id, long seq) {
            if (subs.containsKey(id)) {
                pending.get(id).remove(seq);
            }
        }

        void check(RecoveredState r) {
            assertThat(r.clients()).usingRecursiveFieldByFieldElementComparator()
                    .containsExactlyElementsOf(clients.values());
            assertThat(r.maxSubscriptionId()).isEqualTo(maxId);
            assertThat(r.subscriptions()).extracting(rs -> rs.descriptor().id()).containsExactlyElementsOf(
                    subs.keySet());
            for (RecoveredSubscription rs : r.subscriptions()) {
                long id = rs.descriptor().id();
                assertThat(rs.descriptor()).usingRecursiveComparison().ignoringFields("lastSent")
                        .isEqualTo(subs.get(id));
                assertThat(rs.descriptor().lastSent()).isEqualTo(rs.lastSent());
                assertThat(rs.lastSent()).as("lastSent of %d", id).isEqualTo(lastSent.get(id));
                assertThat(rs.pending()).as("pending of %d", id)
                        .containsExactly(pending.get(id).stream().mapToLong(Long::longValue).toArray());
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Damage

    /** Writes a journal whose record #7 is a SUB_PUT of channel "corrupt-me-channel". */
    private void writeJournalWithAMarkedRecord() {
        try (ChronicleStateStore s = open()) {          // #0 SNAPSHOT_END
            s.serverInfo("c", "t");                     // #1
            s.addClient(client("A"));                   // #2
            s.putSubscription(sub(1, "ch-one", 0));     // #3
            s.sent(1, 1);                               // #4
            s.flush(false);
            s.sent(1, 2);                               // #5
            s.flush(false);
            s.sent(1, 3);                               // #6
            s.flush(false);
            s.putSubscription(sub(2, "corrupt-me-channel", 0)); // #7
            s.addClient(client("B"));                   // #8
            s.sent(1, 4);                               // #9
        }
    }

    private void assertStateUpToRecordSix(RecoveredState r) {
        assertThat(r.clusterId()).isEqualTo("c");
        assertThat(r.clients()).extracting(ClientRecord::id).containsExactly("A");
        assertThat(r.subscriptions()).singleElement().satisfies(rs -> {
            assertThat(rs.descriptor().id()).isEqualTo(1);
            assertThat(rs.lastSent()).isEqualTo(3);
            assertThat(rs.pending()).containsExactly(1, 2, 3);
        });
    }

    @Test
    void aDamagedByteInARecordIsDetectedAndTruncateRecoversUpToIt() throws IOException {
        writeJournalWithAMarkedRecord();
        Path gen = onlyGeneration();
        Path file = cycleFile(gen);
        flipByteOf(file, "corrupt-me-channel", 5);

        assertThatThrownBy(this::open).isInstanceOf(StoreException.class)
                .hasMessageContaining(gen.toString())
                .hasMessageContaining(file.getFileName().toString())
                .hasMessageContaining("record #7")
                .hasMessageContaining("CRC mismatch")
                .hasMessageContaining("truncateBadTail");
        assertThat(onlyGeneration()).isEqualTo(gen); // a failed open changes nothing

        try (ChronicleStateStore s = open(truncating())) {
            assertStateUpToRecordSix(s.recovered());
            assertThat(s.recoveryWarnings()).singleElement().asString()
                    .contains(gen.toString(), "record #7", "CRC mismatch", ".damaged");
        }
        assertThat(Files.isDirectory(gen.resolveSibling(gen.getFileName() + ".damaged"))).isTrue();
        // The next open is clean.
        assertStateUpToRecordSix(reopen());
    }

    @Test
    void aDamagedExcerptHeaderThatHidesTheRestIsDetected() throws IOException {
        writeJournalWithAMarkedRecord();
        Path gen = onlyGeneration();
        Path file = cycleFile(gen);
        // The record starts 13 bytes before the channel name (type, id, string length); Chronicle's 4-byte header
        // is in front of it. Zero: readers take it for the end of the queue.
        long header = offsetOf(file, "corrupt-me-channel") - 13 - 4;
        assertThat(readIntLE(file, header)).isBetween(40, 200);
        writeIntLE(file, header, 0);

        assertThatThrownBy(this::open).isInstanceOf(StoreException.class)
                .hasMessageContaining(gen.toString())
                .hasMessageContaining("record #7")
                .hasMessageContaining("hides");
        try (ChronicleStateStore s = open(truncating())) {
            assertStateUpToRecordSix(s.recovered());
            assertThat(s.recoveryWarnings()).singleElement().asString().contains("record #7");
        }
    }

    @Test
    void aSkippedExcerptIsDetected() throws IOException {
        writeJournalWithAMarkedRecord();
        Path file = cycleFile(onlyGeneration());
        // Chronicle's meta-data bit on record #7's header: tailers skip it silently; the next record's CRC, computed
        // for ordinal #7, fails.
        long header = offsetOf(file, "corrupt-me-channel") - 13 - 4;
        writeIntLE(file, header, readIntLE(file, header) | 0x40000000);
        assertThatThrownBy(this::open).isInstanceOf(StoreException.class)
                .hasMessageContaining("record #7")
                .hasMessageContaining("CRC mismatch");
        try (ChronicleStateStore s = open(truncating())) {
            assertStateUpToRecordSix(s.recovered());
        }
    }

    @Test
    void aDamagedLastRecordIsDetected() throws IOException {
        try (ChronicleStateStore s = open()) {
            s.addClient(client("A"));
            s.addClient(new ClientRecord("last-client-name", "_INBOX.hb", null, 1, 1, 1));
        }
        Path file = cycleFile(onlyGeneration());
        flipByteOf(file, "last-client-name", 0);
        assertThatThrownBy(this::open).isInstanceOf(StoreException.class).hasMessageContaining("record #2");
        try (ChronicleStateStore s = open(truncating())) {
            assertThat(s.recovered().clients()).extracting(ClientRecord::id).containsExactly("A");
        }
    }

    @Test
    void aZeroedHeaderOfTheLastRecordIsDetected() throws IOException {
        try (ChronicleStateStore s = open()) {
            s.addClient(client("A"));
            s.addClient(new ClientRecord("last-client-name", "_INBOX.hb", null, 1, 1, 1));
        }
        Path file = cycleFile(onlyGeneration());
        // type(1) + string length(4) before the id; Chronicle's header before that. Zero looks like an unwritten
        // excerpt, but Chronicle's write position says it was completed.
        long header = offsetOf(file, "last-client-name") - 5 - 4;
        assertThat(readIntLE(file, header)).isBetween(20, 100);
        writeIntLE(file, header, 0);
        assertThatThrownBy(this::open).isInstanceOf(StoreException.class)
                .hasMessageContaining("record #2").hasMessageContaining("hides");
        try (ChronicleStateStore s = open(truncating())) {
            assertThat(s.recovered().clients()).extracting(ClientRecord::id).containsExactly("A");
        }
    }

    @Test
    void aGenerationWhoseFirstHeaderIsZeroedIsNotTakenForANewStore() throws IOException {
        try (ChronicleStateStore s = open()) {
            s.addClient(new ClientRecord("first-client-marker", "_INBOX.hb", null, 1, 1, 1));
        }
        reopen(); // now the client is the first record of the only generation
        Path gen = onlyGeneration();
        Path file = cycleFile(gen);
        long header = offsetOf(file, "first-client-marker") - 5 - 4;
        assertThat(readIntLE(file, header)).isBetween(20, 100);
        writeIntLE(file, header, 0);
        assertThatThrownBy(this::open).isInstanceOf(StoreException.class)
                .hasMessageContaining(gen.toString()).hasMessageContaining("record #0").hasMessageContaining("hides");
    }

    @Test
    void aSecondStoreOnTheSameDirectoryIsRefused() {
        try (ChronicleStateStore s = open()) {
            assertThatThrownBy(this::open).isInstanceOf(StoreException.class).hasMessageContaining("in use");
            s.addClient(client("a"));
        }
        assertThat(reopen().clients()).hasSize(1);
    }

    @Test
    void aRecordTooLargeIsRefusedAndChangesNothing() {
        String huge = "x".repeat(ChronicleStateStore.MAX_RECORD_BYTES);
        try (ChronicleStateStore s = open()) {
            assertThatThrownBy(() -> s.putSubscription(sub(5, huge, 0))).isInstanceOf(StoreException.class)
                    .hasMessageContaining("too large");
            assertThatThrownBy(() -> s.addClient(client(huge))).isInstanceOf(StoreException.class);
            s.addClient(client("fine")); // the store goes on
        }
        RecoveredState r = reopen();
        assertThat(r.subscriptions()).isEmpty();
        assertThat(r.maxSubscriptionId()).isZero();
        assertThat(r.clients()).extracting(ClientRecord::id).containsExactly("fine");
    }

    @Test
    void aClosedStoreRefusesCalls() {
        ChronicleStateStore s = open();
        s.close();
        s.close();
        assertThatThrownBy(() -> s.sent(1, 1)).isInstanceOf(StoreException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> s.flush(true)).isInstanceOf(StoreException.class).hasMessageContaining("closed");
    }

    @Test
    void theStateDirectoryIsUnderTheStoreRootBesideTheChannels() throws IOException {
        Path root = tmp.resolve("store");
        try (var messages = new io.stanchion.store.chronicle.ChronicleMessageStore(root);
             ChronicleStateStore state = ChronicleStateStore.inStoreRoot(root, Options.defaults())) {
            messages.channel("foo").append(1, new byte[]{1});
            state.addClient(client("a"));
            assertThat(state.directory()).isEqualTo(root.resolve("_state").toAbsolutePath());
        }
        try (var messages = new io.stanchion.store.chronicle.ChronicleMessageStore(root)) {
            assertThat(messages.channels()).extracting(ChannelLog::name).containsExactly("foo");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Killed writers (child JVMs)

    @Test
    @Timeout(180)
    void aWriterKilledMidStreamLeavesAStoreThatOpensCleanly() throws Exception {
        Random rnd = new Random();
        for (int round = 0; round < 4; round++) {
            long target = 5_000 + rnd.nextInt(60_000);
            long reached = 0;
            Process p = startChild("loop", stateDir().toString());
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("at ")) {
                        reached = Long.parseLong(line.substring(3));
                        if (reached >= target) {
                            break;
                        }
                    }
                }
                p.destroyForcibly();
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                p.destroyForcibly();
            }
            assertThat(reached).as("child progress (round %d)", round).isGreaterThanOrEqualTo(target);
            long minimum = reached;
            try (ChronicleStateStore s = open()) {
                RecoveredState r = s.recovered();
                assertThat(s.recoveryWarnings()).allSatisfy(w -> assertThat(w).contains("interrupted compaction"));
                assertThat(r.clusterId()).isEqualTo("kill-test");
                assertThat(r.clients()).extracting(ClientRecord::id).containsExactly("writer");
                assertThat(r.subscriptions()).singleElement().satisfies(rs -> {
                    long last = rs.lastSent();
                    assertThat(last).isGreaterThanOrEqualTo(minimum);
                    long[] window4 = {last - 4, last - 3, last - 2, last - 1, last};
                    long[] window5 = {last - 5, last - 4, last - 3, last - 2, last - 1, last};
                    assertThat(rs.pending()).satisfiesAnyOf(
                            pend -> assertThat(pend).containsExactly(window4),
                            pend -> assertThat(pend).containsExactly(window5));
                });
            }
        }
    }

    @Test
    @Timeout(120)
    void aWriteTornByAKillIsNotWrittenRatherThanDamage() throws Exception {
        Process p = startChild("torn", stateDir().toString());
        String output;
        try (var in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(output).contains("halting inside a write");
        assertThat(p.exitValue()).isEqualTo(0);
        // The unfinished excerpt's payload is in the file, behind a header that was never completed.
        Path file = cycleFile(onlyGeneration());
        assertThat(offsetOf(file, Child.TORN_MARKER)).isPositive();
        try (ChronicleStateStore s = open()) {
            assertThat(s.recoveryWarnings()).isEmpty();
            RecoveredState r = s.recovered();
            assertThat(r.clusterId()).isEqualTo("torn-test");
            assertThat(r.subscriptions()).singleElement().satisfies(rs -> {
                assertThat(rs.lastSent()).isEqualTo(100);
                assertThat(rs.pending()).containsExactly(
                        java.util.stream.LongStream.rangeClosed(51, 100).toArray());
            });
            s.sent(1, 101);
        }
        assertThat(reopen().subscriptions().get(0).lastSent()).isEqualTo(101);
    }

    private static Process startChild(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("-Dchronicle.") || a.startsWith("-Ddisable.")) {
                cmd.add(a);
            }
        }
        cmd.add("-Xmx256m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Child.class.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** The child JVM: writes to a state store until it is killed, or halts inside a write. */
    public static final class Child {
        static final String TORN_MARKER = "torn-write-marker-xyzzy";

        public static void main(String[] args) {
            Path dir = Path.of(args[1]);
            if (args[0].equals("loop")) {
                loop(dir);
            } else {
                torn(dir);
            }
        }

        /** sent(i), acked(i - 5), forever: pending is always the last 5 (6 between the two calls). */
        private static void loop(Path dir) {
            ChronicleStateStore s = new ChronicleStateStore(dir, Options.defaults().withCompaction(10_000, 8));
            RecoveredState r = s.recovered();
            long i = 0;
            if (r.subscriptions().isEmpty()) {
                s.serverInfo("kill-test", "tok");
                s.addClient(new ClientRecord("writer", "_INBOX.hb", new byte[]{1}, 1, 5, 3));
                s.putSubscription(new SubscriptionRecord(1, "ch", "writer", "_INBOX.s", "_STAN.ack", "", "d", 100,
                        1_000_000_000L, 0, false));
            } else {
                i = r.subscriptions().get(0).lastSent();
                for (long seq : r.subscriptions().get(0).pending()) {
                    if (seq <= i - 5) {
                        s.acked(1, seq);
                    }
                }
            }
            while (true) {
                i++;
                s.sent(1, i);
                if (i > 5) {
                    s.acked(1, i - 5);
                }
                if (i % 1000 == 0) {
                    s.flush(false); // as the engine at the end of a batch: buffered events are written
                    System.out.println("at " + i);
                    System.out.flush();
                }
            }
        }

        /** Writes a known state, then starts an excerpt in the journal's queue and halts the JVM inside it. */
        private static void torn(Path dir) {
            try (ChronicleStateStore s = new ChronicleStateStore(dir)) {
                s.serverInfo("torn-test", "tok");
                s.putSubscription(new SubscriptionRecord(1, "ch", "w", "_INBOX.s", "_STAN.ack", "", "", 100,
                        1_000_000_000L, 0, false));
                for (long seq = 1; seq <= 100; seq++) {
                    s.sent(1, seq);
                }
                for (long seq = 1; seq <= 50; seq++) {
                    s.acked(1, seq);
                }
            }
            Path gen;
            try (Stream<Path> list = Files.list(dir)) {
                gen = list.filter(p -> p.getFileName().toString().startsWith("gen-")).findFirst().orElseThrow();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
            int cycle;
            try (SingleChronicleQueue probe = SingleChronicleQueueBuilder.binary(gen).build()) {
                cycle = probe.lastCycle();
            }
            long cycleStart = cycle * 86_400_000L; // LARGE_DAILY: append to the generation's one cycle file
            SingleChronicleQueue q = SingleChronicleQueueBuilder.binary(gen).rollCycle(LargeRollCycles.LARGE_DAILY)
                    .timeProvider(() -> cycleStart).build();
            ExcerptAppender app = q.createAppender();
            DocumentContext dc = app.writingDocument();
            var bytes = dc.wire().bytes();
            bytes.writeByte((byte) 6); // SENT
            bytes.writeLong(1);
            bytes.writeLong(101);
            bytes.write(TORN_MARKER.getBytes(StandardCharsets.UTF_8));
            System.out.println("halting inside a write");
            System.out.flush();
            Runtime.getRuntime().halt(0);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Raw file access

    private static long offsetOf(Path file, String marker) throws IOException {
        byte[] needle = marker.getBytes(StandardCharsets.UTF_8);
        long found = -1;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            long base = 0;
            byte[] carry = new byte[0];
            while (true) {
                buf.clear();
                int n = ch.read(buf, base);
                if (n <= 0) {
                    break;
                }
                byte[] chunk = new byte[carry.length + n];
                System.arraycopy(carry, 0, chunk, 0, carry.length);
                System.arraycopy(buf.array(), 0, chunk, carry.length, n);
                long chunkBase = base - carry.length;
                for (int i = 0; i + needle.length <= chunk.length; i++) {
                    if (matches(chunk, i, needle)) {
                        assertThat(found).as("marker %s found twice", marker).isEqualTo(-1);
                        found = chunkBase + i;
                        i += needle.length - 1;
                    }
                }
                int keep = Math.min(needle.length - 1, chunk.length);
                carry = java.util.Arrays.copyOfRange(chunk, chunk.length - keep, chunk.length);
                base += n;
            }
        }
        return found;
    }

    private static boolean matches(byte[] hay, int at, byte[] needle) {
        for (int j = 0; j < needle.length; j++) {
            if (hay[at + j] != needle[j]) {
                return false;
            }
        }
        return true;
    }

    private static void flipByteOf(Path file, String marker, int delta) throws IOException {
        long at = offsetOf(file, marker);
        assertThat(at).as("marker %s in %s", marker, file).isPositive();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at + delta);
            b.flip();
            byte v = b.get();
            b.clear();
            b.put((byte) (v ^ 0x20)).flip();
            ch.write(b, at + delta);
        }
    }

    private static int readIntLE(Path file, long at) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, at);
            return b.getInt(0);
        }
    }

    private static void writeIntLE(Path file, long at, int value) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value);
            ch.write(b, at);
        }
    }

    /** Writes a generation by hand, following the record format in ChronicleStateStore's javadoc. */
    private static final class RawJournal implements AutoCloseable {
        private final SingleChronicleQueue queue;
        private final ExcerptAppender appender;
        private long ordinal;

        RawJournal(Path genDir) throws IOException {
            Files.createDirectories(genDir);
            long now = System.currentTimeMillis();
            queue = SingleChronicleQueueBuilder.binary(genDir).rollCycle(LargeRollCycles.LARGE_DAILY)
                    .timeProvider(() -> now).build();
            appender = queue.createAppender();
        }

        static ClientRecord client(String id) {
            return new ClientRecord(id, "_INBOX.hb", new byte[]{9, 8}, 1, 2, 3);
        }

        static SubscriptionRecord sub(long id, String channel, String clientId, long lastSent) {
            return new SubscriptionRecord(id, channel, clientId, "_INBOX.i", "_STAN.a", "g", "", 5, 6, lastSent, true);
        }

        void record(int type, Consumer<ByteBuffer> fields) {
            ByteBuffer bb = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
            bb.putLong(ordinal);
            bb.put((byte) type);
            fields.accept(bb);
            CRC32C crc = new CRC32C();
            crc.update(bb.array(), 0, bb.position());
            bb.putInt((int) crc.getValue());
            try (DocumentContext dc = appender.writingDocument()) {
                dc.wire().bytes().write(bb.array(), 8, bb.position() - 8);
            }
            ordinal++;
        }

        static void str(ByteBuffer bb, String s) {
            if (s == null) {
                bb.putInt(-1);
            } else {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                bb.putInt(b.length).put(b);
            }
        }

        void serverInfo(String cluster, String token) {
            record(1, bb -> {
                str(bb, cluster);
                str(bb, token);
            });
        }

        void clientAdd(String id) {
            ClientRecord c = client(id);
            record(2, bb -> {
                str(bb, c.id());
                str(bb, c.heartbeatInbox());
                bb.putInt(c.connId().length).put(c.connId());
                bb.putInt(c.protocol()).putInt(c.pingInterval()).putInt(c.pingMaxOut());
            });
        }

        void clientDelete(String id) {
            record(3, bb -> str(bb, id));
        }

        void subPut(long id, String channel, String clientId, long lastSent) {
            SubscriptionRecord r = sub(id, channel, clientId, lastSent);
            record(4, bb -> {
                bb.putLong(r.id());
                str(bb, r.channel());
                str(bb, r.clientId());
                str(bb, r.inbox());
                str(bb, r.ackInbox());
                str(bb, r.queueGroup());
                str(bb, r.durableName());
                bb.putInt(r.maxInFlight()).putLong(r.ackWaitNanos()).putLong(r.lastSent());
                bb.put((byte) (r.offline() ? 1 : 0));
            });
        }

        void subDelete(long id) {
            record(5, bb -> bb.putLong(id));
        }

        void sentOrAcked(int type, long subId, long seq) {
            record(type, bb -> bb.putLong(subId).putLong(seq));
        }

        /** SENT_RANGES (9) or ACKED_RANGES (10); {@code ranges} holds first, count pairs. */
        void ranges(int type, long subId, long... ranges) {
            record(type, bb -> {
                bb.putLong(subId).putInt(ranges.length / 2);
                for (int i = 0; i < ranges.length; i += 2) {
                    bb.putLong(ranges[i]).putInt((int) ranges[i + 1]);
                }
            });
        }

        void end(int version, long maxSubId) {
            record(8, bb -> bb.putInt(version).putLong(maxSubId));
        }

        @Override
        public void close() {
            appender.close();
            queue.close();
        }
    }
}
