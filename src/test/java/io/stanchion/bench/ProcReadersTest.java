package io.stanchion.bench;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** The /proc readers behind the benchmark's CPU and peak-RSS figures: parsing, and sane values for this JVM. */
class ProcReadersTest {
    private static boolean linux() {
        return java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/self/stat"));
    }

    @Test
    void statLineIsParsedFromTheLastParenthesis() {
        // a command name with a space and a parenthesis, as a thread name can have
        String line = "4242 (java (main) x) S 1 4242 4242 0 -1 4194560 123 0 0 0 1234 567 0 0 20 0 30 0 5000 "
                + "3000000000 50000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        ProcStat s = ProcStat.parse(line);
        assertThat(s.userTicks()).isEqualTo(1234);
        assertThat(s.systemTicks()).isEqualTo(567);
        assertThat(s.ticks()).isEqualTo(1801);
        assertThat(ThreadTimes.parseSchedstat("1144795643 111396232 279\n")).isEqualTo(1_144_795_643L);
    }

    @Test
    void cpuOfThisJvmGrowsWithWorkAndBothReadingsAgree() throws Exception {
        assumeThat(linux()).isTrue();
        assertThat(ProcStat.TICKS_PER_SECOND).isBetween(1L, 1_000_000_000L);
        CpuSample before = CpuSample.self();
        long threadCpu0 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        long x = 0;
        while (java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - threadCpu0
                < 300_000_000L) {
            for (int i = 0; i < 100_000; i++) {
                x += i ^ (x >>> 3);
            }
        }
        CpuSample after = CpuSample.self();
        assertThat(x).isNotZero();
        long ticks = after.tickNanosSince(before);
        long threads = after.threadNanosSince(before);
        // at least the 300 ms this thread burned, at most what the JVM's threads can burn in the wall time
        long wall = after.atNanos() - before.atNanos();
        assertThat(after.cpuSince(before)).isGreaterThanOrEqualTo(280_000_000L)
                .isLessThanOrEqualTo(wall * Runtime.getRuntime().availableProcessors() + 2 * ProcStat.tickNanos());
        // schedstat (ns) agrees with the ticks within their resolution plus what short-lived threads may add
        assertThat((double) threads).isCloseTo(ticks, org.assertj.core.data.Offset.offset(
                3.0 * ProcStat.tickNanos() + ticks * 0.05));
        ThreadTimes.Thread busiest = after.busiestSince(before);
        assertThat(busiest).isNotNull();
        assertThat(busiest.nanos()).isGreaterThanOrEqualTo(280_000_000L);
        Map<Long, ThreadTimes.Thread> live = ThreadTimes.read(ProcessHandle.current().pid());
        assertThat(live).isNotEmpty();
    }

    @Test
    void peakRssResetsToTheCurrentResidentSize() {
        assumeThat(linux()).isTrue();
        long pid = ProcessHandle.current().pid();
        long rss = PeakRss.currentKib(pid);
        assertThat(rss).isPositive();
        assertThat(PeakRss.peakKib(pid)).isGreaterThanOrEqualTo(rss);
        assumeThat(PeakRss.reset(pid)).as("clear_refs writable").isTrue();
        long peak = PeakRss.peakKib(pid);
        // just reset: the mark is about the current size (the JVM keeps allocating, so allow a margin)
        assertThat(peak).isLessThanOrEqualTo(PeakRss.currentKib(pid) + 32 * 1024);
        byte[][] touched = new byte[64][];
        for (int i = 0; i < touched.length; i++) {
            touched[i] = new byte[1 << 20];
            java.util.Arrays.fill(touched[i], (byte) 1);
        }
        assertThat(PeakRss.peakKib(pid)).isGreaterThanOrEqualTo(peak);
        assertThat(touched[63][0]).isEqualTo((byte) 1);
    }
}
