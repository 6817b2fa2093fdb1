package io.stanchion.store;

import io.stanchion.store.chronicle.ChronicleMessageStore;
import io.stanchion.store.chronicle.ChronicleTestAccess;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.LargeRollCycles;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The CRC-32C of each message excerpt: checked on read and at open; a damaged tail is cut back on request. */
class ChannelLogCrcTest {

    @TempDir
    Path tmp;

    private Path root() {
        return tmp.resolve("store");
    }

    private static byte[] record(long seq) {
        return ("message number " + seq).getBytes(StandardCharsets.UTF_8);
    }

    /** Writes messages 1..n to channel c and returns where the record of {@code damaged} starts on disk. */
    private Location writeAndLocate(int n, long damaged) {
        try (ChronicleMessageStore store = new ChronicleMessageStore(root())) {
            ChannelLog log = store.channel("c");
            for (long s = 1; s <= n; s++) {
                log.append(s * 1000, record(s));
            }
            return new Location(ChronicleTestAccess.cycleFile(log, damaged),
                    ChronicleTestAccess.recordOffset(log, damaged));
        }
    }

    private record Location(Path file, long offset) {
        void flipByte() throws IOException {
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                f.seek(offset);
                int b = f.read();
                f.seek(offset);
                f.write(b ^ 0x40);
            }
        }
    }

    @Test
    void aDamagedLastRecordStopsTheOpenNamingTheChannelAndSequence() throws IOException {
        writeAndLocate(10, 10).flipByte();
        assertThatThrownBy(() -> new ChronicleMessageStore(root())).isInstanceOf(StoreException.class)
                .hasMessageContaining("channel c in " + root().resolve("c"))
                .hasMessageContaining("sequence 10")
                .hasMessageContaining("CRC");
    }

    @Test
    void withTruncateTheDamagedTailIsCutBackAndAppendsGoOn() throws IOException {
        writeAndLocate(10, 10).flipByte();
        ChronicleMessageStore.Options truncate = ChronicleMessageStore.Options.defaults().withTruncateBadTail(true);
        try (ChronicleMessageStore store = new ChronicleMessageStore(root(), truncate)) {
            assertThat(store.recoveryWarnings()).singleElement().asString()
                    .contains("channel c", "sequence 10", "1 record(s) dropped");
            ChannelLog log = store.existing("c");
            assertThat(log.firstSequence()).isEqualTo(1);
            assertThat(log.lastSequence()).isEqualTo(9);
            for (long s = 1; s <= 9; s++) {
                assertThat(log.read(s).record()).isEqualTo(record(s));
            }
            assertThat(log.byteCount()).isEqualTo(Stream.iterate(1L, s -> s + 1).limit(9)
                    .mapToLong(s -> record(s).length).sum());
            assertThat(log.append(10_000, record(100))).isEqualTo(10);
        }
        try (ChronicleMessageStore store = new ChronicleMessageStore(root())) {
            ChannelLog log = store.existing("c");
            assertThat(log.lastSequence()).isEqualTo(10);
            assertThat(log.read(10).record()).isEqualTo(record(100));
            assertThat(store.recoveryWarnings()).isEmpty();
        }
        try (Stream<Path> files = Files.list(root())) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("the damaged directory is kept, nothing half-built is left")
                    .anyMatch(n -> n.startsWith(".damaged-") && n.endsWith("-c"))
                    .noneMatch(n -> n.startsWith(".rebuil"));
        }
    }

    /** Options with one-second cycles on {@code clock}. */
    private static ChronicleMessageStore.Options secondly(SetTimeProvider clock) {
        return ChronicleMessageStore.Options.defaults().withRollCycle(TestRollCycles.TEST_SECONDLY)
                .withTimeProvider(clock);
    }

    /**
     * Writes channel c in cycles of the given sizes (sequence s at timestamp s * 1000), removes the messages before
     * {@code removeBefore}, and returns where the last record starts on disk.
     */
    private Location writeCycles(SetTimeProvider clock, long removeBefore, int... cycleSizes) {
        try (ChronicleMessageStore store = new ChronicleMessageStore(root(), secondly(clock))) {
            ChannelLog log = store.channel("c");
            long s = 0;
            for (int size : cycleSizes) {
                if (s > 0) {
                    clock.advanceMillis(1_000);
                }
                for (int i = 0; i < size; i++) {
                    s++;
                    log.append(s * 1000, record(s));
                }
            }
            log.removeBefore(removeBefore);
            assertThat(ChronicleTestAccess.cycleCount(log)).isEqualTo(cycleSizes.length);
            return new Location(ChronicleTestAccess.cycleFile(log, s), ChronicleTestAccess.recordOffset(log, s));
        }
    }

    @Test
    void cuttingBackKeepsTheCyclesAndTheFirstSequenceLeftByRetention() throws IOException {
        SetTimeProvider clock = new SetTimeProvider(1_700_000_000_000L * 1_000_000L);
        ChronicleMessageStore.Options secondly = secondly(clock);
        writeCycles(clock, 5, 10, 10, 10).flipByte();
        try (ChronicleMessageStore store = new ChronicleMessageStore(root(), secondly.withTruncateBadTail(true))) {
            ChannelLog log = store.existing("c");
            assertThat(log.firstSequence()).isEqualTo(5);
            assertThat(log.lastSequence()).isEqualTo(29);
            assertThat(ChronicleTestAccess.cycleCount(log)).isEqualTo(3);
            for (long s = 5; s <= 29; s++) {
                assertThat(log.read(s).record()).isEqualTo(record(s));
            }
            assertThat(log.sequenceAtOrAfter(15_000)).isEqualTo(15);
            assertThat(log.append(30_000, record(30))).isEqualTo(30);
        }
    }

    @Test
    void aDamagedRecordThatOpensTheLastCycleIsADamagedTailToo() throws IOException {
        SetTimeProvider clock = new SetTimeProvider(1_700_000_000_000L * 1_000_000L);
        ChronicleMessageStore.Options secondly = secondly(clock);
        writeCycles(clock, 1, 10, 1).flipByte(); // 11 is alone in the last cycle: torn right after a roll
        assertThatThrownBy(() -> new ChronicleMessageStore(root(), secondly)).isInstanceOf(StoreException.class)
                .hasMessageContaining("channel c in " + root().resolve("c")).hasMessageContaining("sequence 11");
        try (ChronicleMessageStore store = new ChronicleMessageStore(root(), secondly.withTruncateBadTail(true))) {
            ChannelLog log = store.existing("c");
            assertThat(log.lastSequence()).isEqualTo(10);
            assertThat(ChronicleTestAccess.cycleCount(log)).isEqualTo(1);
            assertThat(log.append(12_000, record(11))).isEqualTo(11);
        }
    }

    @Test
    void aCutBackInterruptedBetweenItsRenamesIsFinishedAtTheNextOpen() throws IOException {
        writeAndLocate(3, 3);
        // A crash after the damaged directory was moved away, before the rebuilt one took its place; and a copy
        // that never completed.
        Files.move(root().resolve("c"), root().resolve(".rebuilt-c"));
        Files.createDirectories(root().resolve(".rebuild-d"));
        try (ChronicleMessageStore store = new ChronicleMessageStore(root())) {
            assertThat(store.existing("c").lastSequence()).isEqualTo(3);
        }
        try (Stream<Path> files = Files.list(root())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".rebuil"));
        }
    }

    @Test
    void aDamagedMiddleRecordFailsItsReadAsAStoreFault() throws IOException {
        Location fifth = writeAndLocate(10, 5);
        fifth.flipByte();
        try (ChronicleMessageStore store = new ChronicleMessageStore(root())) {
            ChannelLog log = store.existing("c");
            assertThat(log.read(4).record()).isEqualTo(record(4));
            assertThatThrownBy(() -> log.read(5)).isExactlyInstanceOf(StoreException.class)
                    .hasMessageContaining("channel c").hasMessageContaining("sequence 5")
                    .hasMessageContaining(fifth.file().toString()).hasMessageContaining("CRC");
            assertThat(log.read(6).record()).isEqualTo(record(6));
        }
    }

    @Test
    void aLogWrittenBeforeChecksumsStillOpensReadsAndGrows() {
        Path dir = root().resolve("old");
        long cumulative = 0;
        try (SingleChronicleQueue q = SingleChronicleQueueBuilder.binary(dir).rollCycle(LargeRollCycles.LARGE_DAILY)
                .syncMode(SyncMode.NONE).build(); ExcerptAppender app = q.createAppender()) {
            for (long s = 1; s <= 5; s++) {
                try (DocumentContext dc = app.writingDocument()) {
                    dc.wire().bytes().write(ChronicleTestAccess.legacyExcerpt(s, s * 1000, cumulative, record(s)));
                }
                cumulative += record(s).length;
            }
        }
        try (ChronicleMessageStore store = new ChronicleMessageStore(root())) {
            ChannelLog log = store.existing("old");
            assertThat(log.lastSequence()).isEqualTo(5);
            assertThat(log.byteCount()).isEqualTo(cumulative);
            for (long s = 1; s <= 5; s++) {
                assertThat(log.read(s).record()).isEqualTo(record(s));
                assertThat(log.read(s).timestampNanos()).isEqualTo(s * 1000);
            }
            assertThat(log.sequenceAtOrAfter(3000)).isEqualTo(3);
            assertThat(log.append(6000, record(6))).isEqualTo(6); // new records carry a CRC
        }
        try (ChronicleMessageStore store = new ChronicleMessageStore(root())) {
            ChannelLog log = store.existing("old");
            assertThat(log.lastSequence()).isEqualTo(6);
            for (long s = 1; s <= 6; s++) {
                assertThat(log.read(s).record()).isEqualTo(record(s));
            }
        }
    }
}
