package io.stanchion.store;

import io.stanchion.store.chronicle.ChronicleMessageStore;
import io.stanchion.store.chronicle.ChronicleMessageStore.Options;
import io.stanchion.store.chronicle.ChronicleTestAccess;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.LargeRollCycles;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

class ChronicleMessageStoreTest extends MessageStoreContract {

    /** 2023-11-14T22:13:20Z in ns: a fixed start for the settable clocks. */
    private static final long START_NS = 1_700_000_000_000L * 1_000_000L;

    @TempDir
    Path tmp;

    @Override
    protected MessageStore createStore() {
        return new ChronicleMessageStore(tmp.resolve("store"));
    }

    @Override
    protected String expectedType() {
        return "FILE";
    }

    /** One cycle per second of {@code clock}: rolls happen when the test advances it. */
    private static Options fast(TimeProvider clock) {
        return Options.defaults().withRollCycle(TestRollCycles.TEST_SECONDLY).withTimeProvider(clock);
    }

    private record Msg(long seq, long ts, byte[] record) {
    }

    private static void verify(ChannelLog log, List<Msg> expected) {
        long bytes = expected.stream().mapToLong(m -> m.record().length).sum();
        assertThat(log.firstSequence()).as(log.name()).isEqualTo(1);
        assertThat(log.lastSequence()).as(log.name()).isEqualTo(expected.size());
        assertThat(log.messageCount()).as(log.name()).isEqualTo(expected.size());
        assertThat(log.byteCount()).as(log.name()).isEqualTo(bytes);
        for (Msg m : expected) {
            assertMessage(log.read(m.seq()), m.seq(), m.ts(), m.record());
        }
        assertThat(log.read(expected.size() + 1)).isNull();
        long[] ts = expected.stream().mapToLong(Msg::ts).toArray();
        for (int i = 0; i < ts.length; i += 7) {
            for (long probe : new long[]{ts[i] - 1, ts[i], ts[i] + 1}) {
                assertThat(log.sequenceAtOrAfter(probe)).as("%s at %d", log.name(), probe)
                        .isEqualTo(linearAtOrAfter(ts, ts.length, probe));
            }
        }
        if (ts.length > 0) {
            assertThat(log.sequenceAtOrAfter(ts[ts.length - 1] + 1)).isEqualTo(ts.length + 1);
            assertThat(log.sequenceAtOrAfter(Long.MIN_VALUE)).isEqualTo(1);
        }
    }

    private static Set<String> names(MessageStore s) {
        return s.channels().stream().map(ChannelLog::name).collect(Collectors.toCollection(TreeSet::new));
    }

    // ---- recovery ----

    @Test
    void reopenReturnsEveryMessageAtTheSameSequenceAcrossRollCycles() {
        Path dir = tmp.resolve("multi");
        SetTimeProvider clock = new SetTimeProvider(START_NS);
        String[] channels = {"orders", "orders.eu", "_inbox.x"};
        Map<String, List<Msg>> expected = new LinkedHashMap<>();
        Map<String, Integer> cycles = new LinkedHashMap<>();
        for (String c : channels) {
            expected.put(c, new ArrayList<>());
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            for (int i = 0; i < 3_000; i++) {
                if (i > 0 && i % 200 == 0) {
                    clock.advanceMillis(1_000); // a new cycle every 200 appends
                }
                if (i == 1_500) {
                    clock.advanceMillis(10_000); // and a gap of cycles without any file
                }
                String c = channels[i % channels.length];
                List<Msg> list = expected.get(c);
                long seq = list.size() + 1;
                long ts = START_NS + (i / 6) * 1_000L; // pairs of equal timestamps per channel
                byte[] record = payload(c, seq, i % 50);
                assertThat(s.channel(c).append(ts, record)).isEqualTo(seq);
                list.add(new Msg(seq, ts, record));
            }
            s.channel("empty.channel");
            for (String c : channels) {
                cycles.put(c, ChronicleTestAccess.cycleCount(s.existing(c)));
                assertThat(cycles.get(c)).as("cycles of %s", c).isGreaterThan(10);
                verify(s.existing(c), expected.get(c));
            }
        }
        clock.advanceMillis(5_000);
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            assertThat(names(s)).containsExactlyInAnyOrder("orders", "orders.eu", "_inbox.x", "empty.channel");
            ChannelLog empty = s.existing("empty.channel");
            assertThat(empty.lastSequence()).isZero();
            assertThat(empty.firstSequence()).isEqualTo(1);
            assertThat(empty.messageCount()).isZero();
            for (String c : channels) {
                ChannelLog log = s.existing(c);
                assertThat(ChronicleTestAccess.cycleCount(log)).isEqualTo(cycles.get(c));
                verify(log, expected.get(c));
            }
            // Appends continue at last + 1, in the current cycle and after another roll.
            for (int round = 0; round < 2; round++) {
                for (String c : List.of("orders", "orders.eu", "_inbox.x", "empty.channel")) {
                    List<Msg> list = expected.computeIfAbsent(c, k -> new ArrayList<>());
                    long seq = list.size() + 1;
                    long ts = START_NS + 1_000_000_000L + round;
                    byte[] record = payload(c, seq, 30);
                    assertThat(s.existing(c).append(ts, record)).isEqualTo(seq);
                    list.add(new Msg(seq, ts, record));
                }
                clock.advanceMillis(1_000);
            }
            for (String c : expected.keySet()) {
                verify(s.existing(c), expected.get(c));
            }
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            for (String c : expected.keySet()) {
                verify(s.existing(c), expected.get(c));
            }
        }
    }

    @Test
    void recoveryReadsOnlyTheCycleHeadsAndTheLastExcerpt() {
        Path dir = tmp.resolve("heads");
        SetTimeProvider clock = new SetTimeProvider(START_NS);
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            ChannelLog log = s.channel("x");
            for (int i = 1; i <= 10_000; i++) {
                log.append(i, payload("x", i, 10));
                if (i % 2_000 == 0) {
                    clock.advanceMillis(1_000);
                }
            }
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            ChannelLog log = s.existing("x");
            assertThat(ChronicleTestAccess.cycleCount(log)).isEqualTo(5);
            assertThat(ChronicleTestAccess.excerptReads(log)).isEqualTo(5 + 1);
            assertThat(log.lastSequence()).isEqualTo(10_000);
            assertThat(log.byteCount()).isEqualTo(100_000);
        }
    }

    @Test
    void sequenceAtOrAfterOnAReopenedMillionMessageLogReadsLogarithmicallyManyExcerpts() {
        Path dir = tmp.resolve("million");
        int n = 1_000_000;
        byte[] record = new byte[8];
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir)) {
            ChannelLog log = s.channel("big");
            for (int i = 1; i <= n; i++) {
                log.append(START_NS + i * 10L, record); // ts(i) = START + 10 i
            }
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir)) {
            ChannelLog log = s.existing("big");
            assertThat(log.lastSequence()).isEqualTo(n);
            assertThat(log.messageCount()).isEqualTo(n);
            assertThat(log.byteCount()).isEqualTo(8L * n);
            assertThat(ChronicleTestAccess.excerptReads(log)).as("recovery reads").isLessThanOrEqualTo(4);
            int log2 = 64 - Long.numberOfLeadingZeros(n - 1); // ceil(log2 n) = 20
            for (long i : new long[]{2, 3, 17, 499_999, 500_000, 500_001, 777_777, 999_998, 999_999, n}) {
                for (long delta : new long[]{-5, 0}) { // between i-1 and i, and exactly i
                    long before = ChronicleTestAccess.excerptReads(log);
                    assertThat(log.sequenceAtOrAfter(START_NS + i * 10 + delta)).isEqualTo(i);
                    long reads = ChronicleTestAccess.excerptReads(log) - before;
                    assertThat(reads).as("excerpt reads for %d%+d", i, delta).isLessThanOrEqualTo(log2 + 1);
                }
            }
            long before = ChronicleTestAccess.excerptReads(log);
            assertThat(log.sequenceAtOrAfter(START_NS)).isEqualTo(1);
            assertThat(log.sequenceAtOrAfter(START_NS + 10L * n + 1)).isEqualTo(n + 1);
            assertThat(ChronicleTestAccess.excerptReads(log) - before).as("ends need no read").isZero();
            assertThat(log.read(n).timestampNanos()).isEqualTo(START_NS + 10L * n);
            assertThat(log.read(1).timestampNanos()).isEqualTo(START_NS + 10L);
            assertThat(log.append(START_NS + 10L * (n + 1), record)).isEqualTo(n + 1);
        }
    }

    @Test
    void interleavedReadersInManyCyclesReadCorrectlyWithBoundedTailers() {
        SetTimeProvider clock = new SetTimeProvider(START_NS);
        try (ChronicleMessageStore s = new ChronicleMessageStore(tmp.resolve("readers"), fast(clock))) {
            ChannelLog log = s.channel("r");
            int perCycle = 40;
            int cyclesUsed = 6;
            for (int i = 1; i <= perCycle * cyclesUsed; i++) {
                log.append(i, payload("r", i, 12));
                if (i % perCycle == 0) {
                    clock.advanceMillis(1_000);
                }
            }
            assertThat(ChronicleTestAccess.cycleCount(log)).isEqualTo(cyclesUsed);
            // One sequential reader per cycle, all interleaved: more readers than tailers.
            for (int k = 0; k < perCycle; k++) {
                for (int reader = 0; reader < cyclesUsed; reader++) {
                    long seq = 1 + reader * perCycle + k;
                    assertMessage(log.read(seq), seq, seq, payload("r", seq, 12));
                }
            }
            // Readers crossing cycle boundaries.
            for (int k = 0; k < 2 * perCycle; k++) {
                for (long seq : new long[]{20 + k, 100 + k, 150 + k}) {
                    assertMessage(log.read(seq), seq, seq, payload("r", seq, 12));
                }
            }
            assertThat(ChronicleTestAccess.tailerCount(log)).isBetween(1, ChronicleTestAccess.maxTailers());
        }
    }

    /** Creates an empty cycle file in a channel queue at {@code clock}'s time, as a crash right after a roll would. */
    private static void createEmptyCycle(Path channelDir, TimeProvider clock) {
        try (SingleChronicleQueue q = SingleChronicleQueueBuilder.binary(channelDir)
                .rollCycle(TestRollCycles.TEST_SECONDLY).timeProvider(clock).build();
             ExcerptAppender a = q.createAppender()) {
            try (DocumentContext dc = a.writingDocument()) {
                dc.wire().bytes().writeLong(-1);
                dc.rollbackOnClose();
            }
        }
    }

    @Test
    void emptyCycleFilesAreSkipped() throws IOException {
        Path dir = tmp.resolve("holes");
        SetTimeProvider clock = new SetTimeProvider(START_NS);
        List<Msg> expected = new ArrayList<>();
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            for (int i = 1; i <= 5; i++) {
                byte[] r = payload("h", i, 9);
                s.channel("h").append(i, r);
                expected.add(new Msg(i, i, r));
            }
        }
        clock.advanceMillis(2_000);
        createEmptyCycle(dir.resolve("h"), clock); // an empty cycle between two full ones
        clock.advanceMillis(2_000);
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            verify(s.existing("h"), expected);
            for (int i = 6; i <= 10; i++) {
                byte[] r = payload("h", i, 9);
                assertThat(s.existing("h").append(i, r)).isEqualTo(i);
                expected.add(new Msg(i, i, r));
            }
        }
        clock.advanceMillis(2_000);
        createEmptyCycle(dir.resolve("h"), clock); // and an empty newest cycle
        try (Stream<Path> files = Files.list(dir.resolve("h"))) {
            assertThat(files.filter(f -> f.toString().endsWith(".cq4")).count()).isEqualTo(4);
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            ChannelLog log = s.existing("h");
            assertThat(ChronicleTestAccess.cycleCount(log)).isEqualTo(2);
            verify(log, expected);
            byte[] r = payload("h", 11, 9);
            assertThat(log.append(11, r)).isEqualTo(11);
            expected.add(new Msg(11, 11, r));
            verify(log, expected);
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            verify(s.existing("h"), expected);
        }
    }

    @Test
    void aNewEmptyChannelSurvivesReopen() {
        Path dir = tmp.resolve("empty");
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir)) {
            s.channel("nothing.yet");
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir)) {
            ChannelLog log = s.existing("nothing.yet");
            assertThat(log).isNotNull();
            assertThat(log.lastSequence()).isZero();
            assertThat(log.firstSequence()).isEqualTo(1);
            assertThat(log.sequenceAtOrAfter(0)).isEqualTo(1);
            assertThat(log.append(1, new byte[]{9})).isEqualTo(1);
        }
    }

    @Test
    void aClockSteppingBackAcrossCyclesKeepsSequencesDense() {
        Path dir = tmp.resolve("clock.back");
        AtomicLong millis = new AtomicLong(START_NS / 1_000_000 + 5_000);
        TimeProvider clock = millis::get;
        List<Msg> expected = new ArrayList<>();
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            ChannelLog log = s.channel("c");
            for (int i = 1; i <= 30; i++) {
                if (i == 11) {
                    millis.addAndGet(-3_000); // the wall clock steps back three cycles
                }
                if (i == 21) {
                    millis.addAndGet(10_000);
                }
                byte[] r = payload("c", i, 5);
                assertThat(log.append(i, r)).isEqualTo(i);
                expected.add(new Msg(i, i, r));
            }
            verify(log, expected);
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            verify(s.existing("c"), expected);
        }
    }

    @Test
    void fsyncAcrossRollsAndReopen() {
        Path dir = tmp.resolve("fsync");
        SetTimeProvider clock = new SetTimeProvider(START_NS);
        List<Msg> expected = new ArrayList<>();
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            ChannelLog log = s.channel("durable");
            log.flush(true);
            for (int i = 1; i <= 40; i++) {
                byte[] r = payload("durable", i, 100);
                log.append(i, r);
                expected.add(new Msg(i, i, r));
                if (i % 3 == 0) {
                    clock.advanceMillis(1_000);
                }
                if (i % 7 == 0) {
                    log.flush(true);
                }
                if (i % 5 == 0) {
                    log.flush(false);
                }
            }
            log.flush(true);
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            verify(s.existing("durable"), expected);
        }
    }

    @Test
    void anOversizedRecordFailsWithoutConsumingASequence() {
        Path dir = tmp.resolve("oversize");
        byte[] small = {1, 2, 3};
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, Options.defaults().withBlockSize(1 << 20))) {
            ChannelLog log = s.channel("o");
            assertThat(log.append(1, small)).isEqualTo(1);
            assertThatThrownBy(() -> log.append(2, new byte[4 << 20]))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("sequence 2");
            assertThat(log.lastSequence()).isEqualTo(1);
            assertThat(log.append(3, small)).isEqualTo(2);
            assertMessage(log.read(2), 2, 3, small);
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir)) {
            verify(s.existing("o"), List.of(new Msg(1, 1, small), new Msg(2, 3, small)));
        }
    }

    // ---- retention ----

    private static List<String> cycleFiles(Path channelDir) throws IOException {
        try (Stream<Path> files = Files.list(channelDir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cq4")).sorted().toList();
        }
    }

    /** Bytes allocated on disk under {@code dir} (du), falling back to the apparent size. */
    private static long diskUsage(Path dir) throws IOException {
        long total = 0;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                Object blocks = null;
                try {
                    blocks = Files.getAttribute(p, "unix:blocks"); // not in every JDK: fall back below
                } catch (UnsupportedOperationException | IllegalArgumentException | IOException ignored) {
                    // apparent size instead
                }
                total += blocks instanceof Long b ? b * 512 : Files.size(p);
            }
        }
        return total;
    }

    /** Every mapping (/proc/self/maps) and open descriptor (/proc/self/fd) of this process under {@code dir}. */
    private static List<String> handlesUnder(Path dir) throws IOException {
        String prefix = dir.toAbsolutePath().toString();
        List<String> handles = new ArrayList<>();
        Path maps = Path.of("/proc/self/maps");
        if (Files.isReadable(maps)) {
            for (String line : Files.readAllLines(maps)) {
                int slash = line.indexOf('/');
                if (slash >= 0 && line.substring(slash).startsWith(prefix)) {
                    handles.add("map " + line.substring(slash));
                }
            }
        }
        Path fds = Path.of("/proc/self/fd");
        if (Files.isDirectory(fds)) {
            try (Stream<Path> entries = Files.list(fds)) {
                for (Path fd : entries.toList()) {
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith(prefix)) {
                            handles.add("fd " + target);
                        }
                    } catch (IOException ignored) {
                        // closed meanwhile
                    }
                }
            }
        }
        return handles;
    }

    /** Asserts that no mapping or descriptor of this process refers to a file named in {@code deleted}. */
    private static void assertNotHeld(Path channelDir, List<String> deleted) throws IOException {
        List<String> handles = handlesUnder(channelDir);
        assertThat(handles).as("handles of deleted files").noneMatch(h -> h.contains("(deleted)"));
        for (String name : deleted) {
            assertThat(handles).as("handles of %s", name).noneMatch(h -> h.contains(name));
        }
    }

    /** {@code cycles} cycles of {@code perCycle} messages of {@code size} bytes, the clock one second on after each. */
    private static void appendCycles(ChannelLog log, SetTimeProvider clock, int cycles, int perCycle, int size,
                                     List<byte[]> records) {
        for (int c = 0; c < cycles; c++) {
            for (int i = 0; i < perCycle; i++) {
                records.addAll(appendSized(log, size));
            }
            clock.advanceMillis(1_000);
        }
    }

    @Test
    void removingWholeCyclesDeletesTheirFilesAndReopenKeepsTheFirstSequence() throws IOException {
        Path dir = tmp.resolve("retention");
        Path channelDir = dir.resolve("r");
        SetTimeProvider clock = new SetTimeProvider(START_NS);
        List<byte[]> records = new ArrayList<>();
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            ChannelLog log = s.channel("r");
            appendCycles(log, clock, 6, 50, 2_000, records); // cycle k holds 50k+1 .. 50k+50
            for (long seq : new long[]{1, 60, 120, 170, 299}) {
                assertThat(log.read(seq)).isNotNull(); // tailers parked in several cycles, old ones included
            }
            List<String> before = cycleFiles(channelDir);
            assertThat(before).hasSize(6);
            long usageBefore = diskUsage(channelDir);
            int[] cyclesBefore = ChronicleTestAccess.queueCycles(log);

            log.removeBefore(160); // inside cycle 3: cycles 0, 1 and 2 go
            List<String> after = cycleFiles(channelDir);
            assertThat(after).containsExactlyElementsOf(before.subList(3, 6));
            assertThat(ChronicleTestAccess.cycleFilesDeleted(log)).isEqualTo(3);
            assertThat(ChronicleTestAccess.cycleCount(log)).isEqualTo(3);
            assertThat(diskUsage(channelDir)).isLessThan(usageBefore);
            assertNotHeld(channelDir, before.subList(0, 3));
            // Chronicle's own listing moved on too.
            assertThat(ChronicleTestAccess.queueCycles(log)).containsExactly(cyclesBefore[0] + 3, cyclesBefore[1]);
            assertThat(channelDir.resolve(ChronicleTestAccess.firstSequenceFileName())).isRegularFile();
            assertRange(log, 160, 300, records);

            // Inside the first kept cycle: nothing more to delete.
            log.removeBefore(170);
            assertThat(cycleFiles(channelDir)).hasSize(3);
            assertThat(ChronicleTestAccess.cycleFilesDeleted(log)).isEqualTo(3);
            // Appends (a new cycle), reads and fsync after the deletion.
            records.addAll(appendSized(log, 10, 20));
            log.flush(true);
            assertRange(log, 170, 302, records);
            assertThat(log.byteCount()).isEqualTo(131L * 2_000 + 30);
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            ChannelLog log = s.existing("r");
            assertRange(log, 170, 302, records);
            assertThat(ChronicleTestAccess.cycleCount(log)).isEqualTo(4);
            records.addAll(appendSized(log, 5));
            clock.advanceMillis(1_000);
            records.addAll(appendSized(log, 6));
            assertRange(log, 170, 304, records);
            // A later removal in the reopened log deletes the older kept cycles as well.
            log.removeBefore(301);
            assertThat(cycleFiles(channelDir)).hasSize(2);
            assertRange(log, 301, 304, records);
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            ChannelLog log = s.existing("r");
            assertRange(log, 301, 304, records);
            assertThat(log.append(1L << 40, new byte[]{7})).isEqualTo(305);
        }
    }

    @Test
    void removingEverythingKeepsOnlyTheLastCycleFileAndTheLastSequence() throws IOException {
        Path dir = tmp.resolve("everything");
        Path channelDir = dir.resolve("e");
        SetTimeProvider clock = new SetTimeProvider(START_NS);
        List<byte[]> records = new ArrayList<>();
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            ChannelLog log = s.channel("e");
            appendCycles(log, clock, 3, 20, 100, records);
            List<String> before = cycleFiles(channelDir);
            log.removeBefore(Long.MAX_VALUE);
            assertThat(cycleFiles(channelDir)).containsExactly(before.get(2));
            assertNotHeld(channelDir, before.subList(0, 2));
            assertThat(log.firstSequence()).isEqualTo(61);
            assertThat(log.lastSequence()).isEqualTo(60);
            assertThat(log.messageCount()).isZero();
            assertThat(log.byteCount()).isZero();
            log.flush(true);
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            ChannelLog log = s.existing("e");
            assertThat(log.firstSequence()).isEqualTo(61);
            assertThat(log.lastSequence()).isEqualTo(60);
            assertThat(log.messageCount()).isZero();
            assertThat(log.byteCount()).isZero();
            assertThat(log.read(60)).isNull();
            assertThat(log.sequenceAtOrAfter(0)).isEqualTo(61);
            List<String> kept = cycleFiles(channelDir);
            records.addAll(appendSized(log, 33)); // the clock is one cycle on: a new cycle file
            assertRange(log, 61, 61, records);
            // The cycle that held only removed messages goes as soon as it is no longer the newest.
            List<String> now = cycleFiles(channelDir);
            assertThat(now).hasSize(1).doesNotContainAnyElementsOf(kept);
            assertNotHeld(channelDir, kept);
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            assertRange(s.existing("e"), 61, 61, records);
        }
    }

    @Test
    void removeBeforeInsideTheCurrentCycleKeepsItsFile() throws IOException {
        Path dir = tmp.resolve("current");
        Path channelDir = dir.resolve("c");
        SetTimeProvider clock = new SetTimeProvider(START_NS);
        List<byte[]> records = new ArrayList<>();
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            ChannelLog log = s.channel("c");
            for (int i = 0; i < 30; i++) {
                records.addAll(appendSized(log, 50));
            }
            log.removeBefore(10);
            assertThat(cycleFiles(channelDir)).hasSize(1);
            assertRange(log, 10, 30, records);
            log.removeBefore(31); // everything, all in the current cycle
            assertThat(cycleFiles(channelDir)).hasSize(1);
            assertThat(ChronicleTestAccess.cycleFilesDeleted(log)).isZero();
            assertThat(log.messageCount()).isZero();
            records.addAll(appendSized(log, 8, 9)); // same cycle
            assertRange(log, 31, 32, records);
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            ChannelLog log = s.existing("c");
            assertRange(log, 31, 32, records);
            assertThat(cycleFiles(channelDir)).hasSize(1);
        }
    }

    /** The engine's limit enforcement over many rolls: the directory holds only the cycles of the kept messages. */
    @Test
    void limitsEnforcedAfterEveryAppendKeepTheDirectoryBounded() throws IOException {
        Path dir = tmp.resolve("bounded");
        Path channelDir = dir.resolve("b");
        SetTimeProvider clock = new SetTimeProvider(START_NS);
        List<byte[]> records = new ArrayList<>();
        int maxMsgs = 120;
        long maxBytes = 90L * 100;
        long first;
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            ChannelLog log = s.channel("b");
            for (int c = 0; c < 40; c++) {
                for (int i = 0; i < 50; i++) {
                    int size = c < 20 ? 10 : 100; // the byte limit takes over halfway
                    records.addAll(appendSized(log, size));
                    log.removeBefore(log.lastSequence() - maxMsgs + 1);
                    log.removeBefore(log.firstSequenceWithinBytes(maxBytes));
                }
                clock.advanceMillis(1_000);
                if (c % 10 == 9) {
                    log.flush(true);
                }
            }
            assertThat(log.messageCount()).isEqualTo(90);
            assertThat(log.byteCount()).isEqualTo(9_000);
            first = log.firstSequence();
            assertThat(first).isEqualTo(2_000 - 90 + 1);
            assertThat(cycleFiles(channelDir)).hasSizeBetween(2, 3);
            assertThat(ChronicleTestAccess.cycleFilesDeleted(log)).isGreaterThanOrEqualTo(37);
            assertThat(handlesUnder(channelDir)).noneMatch(h -> h.contains("(deleted)"));
            assertRange(log, first, 2_000, records);
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            assertRange(s.existing("b"), first, 2_000, records);
        }
    }

    /** Random appends, rolls, removals and reopens against a model, with deletion of whole cycles along the way. */
    @Test
    void retentionMatchesAModelAcrossRollsAndReopens() throws IOException {
        Path dir = tmp.resolve("retention.random");
        Path channelDir = dir.resolve("m");
        SetTimeProvider clock = new SetTimeProvider(START_NS);
        java.util.Random rnd = new java.util.Random(3);
        List<byte[]> records = new ArrayList<>();
        List<Long> cycleOf = new ArrayList<>(); // the clock's second (= cycle) at each append
        long first = 1;
        ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock));
        try {
            ChannelLog log = s.channel("m");
            for (int op = 0; op < 4_000; op++) {
                int kind = rnd.nextInt(100);
                long last = records.size();
                if (kind < 70) {
                    records.addAll(appendSized(log, rnd.nextInt(6) == 0 ? 0 : rnd.nextInt(200)));
                    cycleOf.add(clock.currentTimeMillis() / 1_000);
                } else if (kind < 78) {
                    clock.advanceMillis(1_000L * (1 + rnd.nextInt(3))); // a roll, sometimes skipping cycles
                } else if (kind < 90) {
                    long target = first + rnd.nextInt(40) - 5;
                    log.removeBefore(target);
                    first = Math.max(first, Math.min(target, last + 1));
                } else if (kind < 97) {
                    long max = rnd.nextInt(3_000) - 10;
                    long expected = referenceWithinBytes(records, first, max);
                    assertThat(log.firstSequenceWithinBytes(max)).as("within %d", max).isEqualTo(expected);
                    log.removeBefore(expected);
                    first = Math.max(first, expected);
                } else {
                    if (rnd.nextBoolean()) {
                        log.flush(true);
                    }
                    s.close();
                    s = new ChronicleMessageStore(dir, fast(clock));
                    log = s.existing("m");
                }
                if (op % 200 == 0 || kind >= 97) {
                    assertRange(log, first, records.size(), records);
                }
                // Exactly the cycles of the kept messages are on disk (that of the last one when none is kept).
                long expectedFiles = records.isEmpty() ? 0 : first > records.size() ? 1
                        : cycleOf.subList((int) first - 1, records.size()).stream().distinct().count();
                assertThat(cycleFiles(channelDir)).as("cycle files after op %d", op).hasSize((int) expectedFiles);
                assertThat(log.firstSequence()).isEqualTo(first);
                assertThat(log.lastSequence()).isEqualTo(records.size());
            }
            assertRange(log, first, records.size(), records);
            assertThat(cycleOf.stream().distinct().count()).as("cycles used").isGreaterThan(100);
            assertThat(handlesUnder(channelDir)).noneMatch(h -> h.contains("(deleted)"));
        } finally {
            s.close();
        }
        try (ChronicleMessageStore reopened = new ChronicleMessageStore(dir, fast(clock))) {
            assertRange(reopened.existing("m"), first, records.size(), records);
        }
    }

    private static void writeFirstSequenceFile(Path channelDir, byte[] content) throws IOException {
        Files.write(channelDir.resolve(ChronicleTestAccess.firstSequenceFileName()), content);
    }

    /** The documented format: ASCII "STANFSQ1", then the sequence as a little-endian long. */
    private static byte[] firstSequenceFile(long sequence) {
        return java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .put("STANFSQ1".getBytes(StandardCharsets.US_ASCII)).putLong(sequence).array();
    }

    @Test
    void theFirstSequenceFileHasTheDocumentedFormat() throws IOException {
        Path dir = tmp.resolve("format");
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir)) {
            ChannelLog log = s.channel("f");
            appendSized(log, 1, 1, 1, 1, 1);
            log.removeBefore(3);
            Path file = dir.resolve("f").resolve(ChronicleTestAccess.firstSequenceFileName());
            assertThat(Files.readAllBytes(file)).containsExactly(firstSequenceFile(3));
            log.removeBefore(5); // in place, through the mapping
            assertThat(Files.readAllBytes(file)).containsExactly(firstSequenceFile(5));
            log.flush(true);
            assertThat(dir.resolve("f").resolve(ChronicleTestAccess.firstSequenceFileName() + ".tmp")).doesNotExist();
        }
    }

    /** A crash after the first-sequence file was written but before the cycle files were deleted. */
    @Test
    void recoveryAppliesTheFirstSequenceFileAndDeletesTheCyclesBelowIt() throws IOException {
        Path dir = tmp.resolve("crashed.retention");
        Path channelDir = dir.resolve("x");
        SetTimeProvider clock = new SetTimeProvider(START_NS);
        List<byte[]> records = new ArrayList<>();
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            appendCycles(s.channel("x"), clock, 4, 10, 30, records);
        }
        List<String> before = cycleFiles(channelDir);
        writeFirstSequenceFile(channelDir, firstSequenceFile(25));
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            ChannelLog log = s.existing("x");
            assertThat(ChronicleTestAccess.excerptReads(log)).as("cycle heads, last, new first").isEqualTo(4 + 1 + 1);
            assertRange(log, 25, 40, records);
            assertThat(cycleFiles(channelDir)).containsExactlyElementsOf(before.subList(2, 4));
            assertNotHeld(channelDir, before.subList(0, 2));
            records.addAll(appendSized(log, 4));
            assertRange(log, 25, 41, records);
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            assertRange(s.existing("x"), 25, 41, records);
        }
    }

    @Test
    void aFirstSequenceFileBeyondTheLogIsClampedAndAForeignOneIgnored() throws IOException {
        Path dir = tmp.resolve("odd.files");
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir)) {
            appendSized(s.channel("ahead"), 3, 4, 5);
            appendSized(s.channel("foreign"), 3, 4, 5);
            appendSized(s.channel("below"), 3, 4, 5);
            s.channel("empty");
        }
        writeFirstSequenceFile(dir.resolve("ahead"), firstSequenceFile(1_000)); // as after a power loss
        writeFirstSequenceFile(dir.resolve("foreign"), "abc".getBytes(StandardCharsets.US_ASCII));
        writeFirstSequenceFile(dir.resolve("below"), firstSequenceFile(0));
        writeFirstSequenceFile(dir.resolve("empty"), firstSequenceFile(7));
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir)) {
            assertThat(s.existing("empty").firstSequence()).isEqualTo(1);
            assertThat(s.existing("empty").append(1, new byte[]{1})).isEqualTo(1);
            ChannelLog ahead = s.existing("ahead");
            assertThat(ahead.firstSequence()).isEqualTo(4);
            assertThat(ahead.lastSequence()).isEqualTo(3);
            assertThat(ahead.messageCount()).isZero();
            assertThat(ahead.append(1, new byte[]{1})).isEqualTo(4);
            assertRange(s.existing("foreign"), 1, 3, appendSizedRecords("foreign", 3, 4, 5));
            assertThat(s.existing("below").firstSequence()).isEqualTo(1);
            s.existing("foreign").removeBefore(2); // replaces the foreign file
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir)) {
            assertThat(s.existing("foreign").firstSequence()).isEqualTo(2);
            assertThat(s.existing("ahead").firstSequence()).isEqualTo(4);
            assertThat(s.existing("ahead").messageCount()).isEqualTo(1);
            assertThat(s.existing("ahead").read(4).record()).containsExactly(1);
            assertThat(s.existing("empty").firstSequence()).isEqualTo(1);
            assertThat(s.existing("empty").messageCount()).isEqualTo(1);
        }
    }

    /** The records {@link #appendSized} writes for a channel, without a log. */
    private static List<byte[]> appendSizedRecords(String channel, int... sizes) {
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            records.add(payload(channel, i + 1, sizes[i]));
        }
        return records;
    }

    @Test
    void firstSequenceWithinBytesReadsLogarithmicallyManyExcerpts() {
        Path dir = tmp.resolve("within");
        int n = 100_000;
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir)) {
            ChannelLog log = s.channel("w");
            byte[] record = new byte[10];
            for (int i = 1; i <= n; i++) {
                log.append(i, record);
            }
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir)) {
            ChannelLog log = s.existing("w");
            int log2 = 64 - Long.numberOfLeadingZeros(n - 1); // 17
            long before = ChronicleTestAccess.excerptReads(log);
            assertThat(log.firstSequenceWithinBytes(10L * n)).isEqualTo(1);
            assertThat(ChronicleTestAccess.excerptReads(log) - before).as("fits: no read").isZero();
            for (long keep : new long[]{n - 1, n - 2, n / 2, 777, 2, 1}) {
                before = ChronicleTestAccess.excerptReads(log);
                assertThat(log.firstSequenceWithinBytes(10 * keep)).isEqualTo(n - keep + 1);
                assertThat(ChronicleTestAccess.excerptReads(log) - before).as("reads keeping %d", keep)
                        .isLessThanOrEqualTo(2L * log2 + 2);
            }
            // A byte limit enforced after every append trims one message at a time: one or two reads each.
            log.removeBefore(log.firstSequenceWithinBytes(10_000));
            byte[] record = new byte[10];
            for (int i = 0; i < 1_000; i++) {
                log.append(n + i + 1, record);
                before = ChronicleTestAccess.excerptReads(log);
                long first = log.firstSequenceWithinBytes(10_000);
                assertThat(ChronicleTestAccess.excerptReads(log) - before).isLessThanOrEqualTo(2);
                log.removeBefore(first);
                assertThat(log.messageCount()).isEqualTo(1_000);
            }
        }
    }

    // ---- delete ----

    @Test
    void deleteRemovesTheChannelDirectoryForGood() throws IOException {
        Path dir = tmp.resolve("delete");
        SetTimeProvider clock = new SetTimeProvider(START_NS);
        List<byte[]> kept = new ArrayList<>();
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            ChannelLog gone = s.channel("_gone.x");
            ChannelLog stays = s.channel("stays");
            appendCycles(gone, clock, 3, 10, 100, new ArrayList<>());
            gone.removeBefore(5);
            kept.addAll(appendSized(stays, 1, 2, 3));
            Path goneDir = ChronicleTestAccess.directory(gone);
            assertThat(goneDir).isDirectory();
            assertThat(s.delete("_gone.x")).isTrue();
            assertThat(goneDir).doesNotExist();
            assertThat(handlesUnder(dir)).as("nothing of the deleted channel stays mapped or open")
                    .noneMatch(h -> h.contains("(deleted)") || h.contains(".deleted-") || h.contains("%5Fgone"));
            try (Stream<Path> entries = Files.list(dir)) {
                assertThat(entries.map(p -> p.getFileName().toString()))
                        .containsExactlyInAnyOrder(".lock", "stays");
            }
            assertThat(s.existing("_gone.x")).isNull();
            assertThat(s.delete("_gone.x")).isFalse();
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            assertThat(names(s)).containsExactly("stays");
            assertRange(s.existing("stays"), 1, 3, kept);
            ChannelLog fresh = s.channel("_gone.x");
            assertThat(fresh.lastSequence()).isZero();
            assertThat(fresh.firstSequence()).isEqualTo(1);
            assertThat(fresh.append(1, new byte[]{9})).isEqualTo(1);
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir, fast(clock))) {
            ChannelLog fresh = s.existing("_gone.x");
            assertThat(fresh.firstSequence()).isEqualTo(1);
            assertThat(fresh.lastSequence()).isEqualTo(1);
            assertThat(fresh.read(1).record()).containsExactly(9);
        }
    }

    @Test
    void aDeletedChannelLeftOverByACrashIsRemovedAtOpen() throws IOException {
        Path dir = tmp.resolve("trash");
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir)) {
            appendSized(s.channel("t"), 1, 2);
        }
        // As if delete() had renamed the directory and the process died before removing it.
        Files.move(dir.resolve("t"), dir.resolve(".deleted-1-1"));
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir)) {
            assertThat(s.channels()).isEmpty();
            assertThat(dir.resolve(".deleted-1-1")).doesNotExist();
        }
    }

    // ---- process crash ----

    /** Starts {@link CrashWriter} on {@code dir} and kills it with SIGKILL once it has appended at least {@code n}. */
    private static long killWriterAfter(Path dir, long n) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-agentlib") && !a.startsWith("-javaagent")).toList());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(CrashWriter.class.getName());
        cmd.add(dir.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        long seen = 0;
        List<String> output = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (seen < n && (line = out.readLine()) != null) {
                output.add(line);
                if (line.startsWith("appended ")) {
                    seen = Long.parseLong(line.substring("appended ".length()).trim());
                }
            }
            p.destroyForcibly(); // SIGKILL, most likely in the middle of an append
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(seen).as("child output: %s", output).isGreaterThanOrEqualTo(n);
        return seen;
    }

    @Test
    void aKilledWriterLosesNothingItAppended() throws Exception {
        Path dir = tmp.resolve("crash");
        long reported = killWriterAfter(dir, 5_000);
        long last;
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir)) {
            ChannelLog log = s.existing("crash");
            last = log.lastSequence();
            assertThat(last).isGreaterThanOrEqualTo(reported); // appended = readable, without any flush
            long bytes = 0;
            for (long i = 1; i <= last; i++) {
                StoredMessage m = log.read(i);
                byte[] expected = CrashWriter.record(i);
                if (m == null || m.timestampNanos() != i || !Arrays.equals(m.record(), expected)) {
                    assertMessage(m, i, i, expected);
                }
                bytes += expected.length;
            }
            assertThat(log.messageCount()).isEqualTo(last);
            assertThat(log.byteCount()).isEqualTo(bytes);
            assertThat(log.append(last + 1, CrashWriter.record(last + 1))).isEqualTo(last + 1);
        }
        // And a second crash on top of the recovered log.
        long reported2 = killWriterAfter(dir, last + 2_000);
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir)) {
            ChannelLog log = s.existing("crash");
            assertThat(log.lastSequence()).isGreaterThanOrEqualTo(reported2);
            for (long i = last; i <= log.lastSequence(); i++) {
                assertMessage(log.read(i), i, i, CrashWriter.record(i));
            }
        }
    }

    // ---- corruption ----

    private static void writeRaw(ExcerptAppender a, long seq, long ts, long cumulative, byte[] record) {
        try (DocumentContext dc = a.writingDocument()) {
            Bytes<?> b = dc.wire().bytes();
            b.writeLong(seq);
            b.writeLong(ts);
            b.writeLong(cumulative);
            b.writeInt(record.length);
            b.write(record);
        }
    }

    @Test
    void aMissingSequenceIsDetectedAtRecovery() {
        Path dir = tmp.resolve("gap");
        try (SingleChronicleQueue q = SingleChronicleQueueBuilder.binary(dir.resolve("bad"))
                .rollCycle(LargeRollCycles.LARGE_DAILY).build();
             ExcerptAppender a = q.createAppender()) {
            writeRaw(a, 1, 10, 0, new byte[2]);
            writeRaw(a, 3, 20, 2, new byte[2]); // 2 is missing
        }
        assertThatThrownBy(() -> new ChronicleMessageStore(dir))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("bad")
                .hasMessageContaining("corrupt");
        // The failed open released the directory.
        try (ChronicleMessageStore s = new ChronicleMessageStore(tmp.resolve("other"))) {
            assertThat(s.channels()).isEmpty();
        }
    }

    @Test
    void aWrongSequenceInsideTheLogIsDetectedOnRead() {
        Path dir = tmp.resolve("swap");
        try (SingleChronicleQueue q = SingleChronicleQueueBuilder.binary(dir.resolve("bad"))
                .rollCycle(LargeRollCycles.LARGE_DAILY).build();
             ExcerptAppender a = q.createAppender()) {
            writeRaw(a, 1, 10, 0, new byte[2]);
            writeRaw(a, 7, 20, 2, new byte[2]);
            writeRaw(a, 3, 30, 4, new byte[2]);
        }
        try (ChronicleMessageStore s = new ChronicleMessageStore(dir)) {
            ChannelLog log = s.existing("bad");
            assertThat(log.lastSequence()).isEqualTo(3);
            assertThat(log.byteCount()).isEqualTo(6);
            assertThat(log.read(1)).isNotNull();
            assertThat(log.read(3)).isNotNull();
            assertThatThrownBy(() -> log.read(2))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("holds sequence 7");
        }
    }

    // ---- directory ----

    @Test
    void channelsAreDirectoriesUnderRoot() throws IOException {
        Path root = tmp.resolve("store");
        store.channel("orders.eu").append(1, new byte[]{1});
        store.channel("_INBOX.abc").append(1, new byte[]{1});
        store.channel("100%.a/b").append(1, new byte[]{1});
        assertThat(root.resolve("orders.eu")).isDirectory();
        assertThat(root.resolve("orders.eu").resolve("metadata.cq4t")).isRegularFile();
        try (Stream<Path> files = Files.list(root.resolve("orders.eu"))) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(f -> f.endsWith("L.cq4")); // LARGE_DAILY
        }
        assertThat(root.resolve("%5FINBOX.abc")).isDirectory();
        assertThat(root.resolve("100%25.a%2Fb")).isDirectory();
        store.close();
        store = new ChronicleMessageStore(root);
        assertThat(names(store)).containsExactlyInAnyOrder("orders.eu", "_INBOX.abc", "100%.a/b");
        assertThat(store.existing("_INBOX.abc").read(1).record()).containsExactly(1);
    }

    @Test
    void directoryNamesRoundTrip() {
        for (String name : List.of("a", "a.b.c", "_x", ".x", "x_y", "x.", "%", "a%b", "a/b", "a\\b", "ü.ß", "tab\tx",
                "_", "__", "x%5Fy")) {
            String dir = ChronicleTestAccess.directoryName(name);
            assertThat(dir).doesNotContain("/").doesNotStartWith("_").doesNotStartWith(".");
            assertThat(ChronicleTestAccess.channelName(dir)).as(name).isEqualTo(name);
        }
        assertThat(ChronicleTestAccess.directoryName("orders.eu")).isEqualTo("orders.eu");
        assertThat(ChronicleTestAccess.channelName("bad%")).isNull();
        assertThat(ChronicleTestAccess.channelName("bad%zz")).isNull();
        assertThat(ChronicleTestAccess.channelName("%5finbox")).isNull(); // not the canonical spelling
        assertThat(ChronicleTestAccess.channelName("%41")).isNull();      // 'A' needs no escape
        assertThatThrownBy(() -> store.channel("")).isInstanceOf(StoreException.class);
    }

    @Test
    void entriesThatAreNotChannelQueuesAreIgnored() throws IOException {
        store.close();
        Path root = tmp.resolve("mixed");
        Files.createDirectories(root.resolve("_state"));
        Files.writeString(root.resolve("_state").resolve("metadata.cq4t"), "not a queue");
        Files.createDirectories(root.resolve(".hidden"));
        Files.writeString(root.resolve(".hidden").resolve("20250101.cq4"), "not a queue");
        Files.writeString(root.resolve("notes.txt"), "hello");
        Files.createDirectories(root.resolve("stray"));
        Files.createDirectories(root.resolve("bad%zz"));
        Files.writeString(root.resolve("bad%zz").resolve("metadata.cq4t"), "not a queue");
        store = new ChronicleMessageStore(root);
        assertThat(store.channels()).isEmpty();
        assertThat(root.resolve("_state").resolve("metadata.cq4t")).hasContent("not a queue");
        assertThat(root.resolve("notes.txt")).hasContent("hello");
        assertThat(store.channel("stray").append(1, new byte[1])).isEqualTo(1);
        store.close();
        store = new ChronicleMessageStore(root);
        assertThat(names(store)).containsExactly("stray");
    }

    @Test
    void aMissingRootIsCreated() {
        Path root = tmp.resolve("a").resolve("b").resolve("c");
        try (ChronicleMessageStore s = new ChronicleMessageStore(root)) {
            assertThat(root).isDirectory();
            assertThat(s.root()).isEqualTo(root.toAbsolutePath());
            s.channel("x").append(1, new byte[1]);
        }
    }

    @Test
    void aRootThatCannotBeCreatedIsReportedInOneLine() throws IOException {
        Path file = Files.writeString(tmp.resolve("plain-file"), "x");
        Path root = file.resolve("store");
        assertThatThrownBy(() -> new ChronicleMessageStore(root))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(root.toString())
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> new ChronicleMessageStore(file))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("not a directory");
    }

    @Test
    void aReadOnlyRootIsReported() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("ro"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assumeFalse(Files.isWritable(root), "running as root: permissions are not enforced");
            assertThatThrownBy(() -> new ChronicleMessageStore(root))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining(root.toString())
                    .hasMessageContaining("not writable");
        } finally {
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void aDirectoryIsUsedByOneStoreAtATime() {
        Path root = tmp.resolve("store");
        assertThatThrownBy(() -> new ChronicleMessageStore(root))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("in use");
        store.close();
        store = new ChronicleMessageStore(root);
        assertThat(store.type()).isEqualTo("FILE");
    }

    @Test
    void rollCyclesCanBeNamed() {
        assertThat(Options.rollCycleNamed("FAST_HOURLY")).isEqualTo(RollCycles.FAST_HOURLY);
        assertThat(Options.rollCycleNamed("large_daily")).isEqualTo(LargeRollCycles.LARGE_DAILY);
        assertThat(Options.defaults().rollCycle()).isEqualTo(LargeRollCycles.LARGE_DAILY);
        assertThatThrownBy(() -> Options.rollCycleNamed("FORTNIGHTLY"))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("FORTNIGHTLY");
    }
}
