package io.stanchion.bench;

import io.stanchion.e2e.NatsServerProcess;
import io.stanchion.e2e.StanchionE2E;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the load generator from rotting: each mode runs a few thousand messages against a real nats-server and an
 * in-process Stanchion server, and every count is checked (all published messages acked without error, every
 * subscriber received all of them). No timing is asserted: this is not the benchmark (that is bin/bench).
 */
class StanBenchSmokeTest extends StanchionE2E {
    private static final long N = 3_000;

    private StanBench.Config config(StanBench.Mode mode, String subject) {
        StanBench.Config c = new StanBench.Config();
        c.url = nats.url();
        c.clusterId = clusterId;
        c.mode = mode;
        c.subject = subject;
        c.numMsgs = N;
        c.msgSize = 64;
        c.maxPubAcksInFlight = 256;
        c.maxInFlight = 1024;
        c.timeoutSeconds = 60;
        c.quiet = true;
        return c;
    }

    private static void assertAllThrough(StanBench.Result r, long expectedPerSub) {
        assertThat(r.problems).as("problems").isEmpty();
        assertThat(r.errors()).as("error acks / undecodable messages").isZero();
        assertThat(r.complete).as("complete").isTrue();
        assertThat(r.acked()).as("acked").isEqualTo(r.config.numPubs == 0 ? 0 : r.config.numMsgs);
        for (StanBench.ClientStats s : r.pubs) {
            assertThat(s.latency.count()).as("PubAck latency samples of %s", s.name).isEqualTo(s.msgs);
        }
        if (r.config.qgroup == null) {
            for (StanBench.ClientStats s : r.subs) {
                assertThat(s.msgs).as("received by %s", s.name).isEqualTo(expectedPerSub);
                if (s.distinct >= 0) {
                    assertThat(s.distinct).as("distinct sequences received by %s", s.name).isEqualTo(expectedPerSub);
                }
            }
        } else {
            assertThat(r.received()).as("received by the group").isGreaterThanOrEqualTo(r.config.numMsgs);
        }
    }

    @Test
    void rawModePipelinesPublishesAndReplays() throws Exception {
        startServer();
        StanBench.Config c = config(StanBench.Mode.RAW, "smoke.raw");
        c.numPubs = 2;
        c.numSubs = 2;
        StanBench.Result r = StanBench.run(c);
        assertAllThrough(r, N);
        assertThat(r.endToEndLatency.count()).as("end-to-end samples").isEqualTo(2 * N);

        // replay of what is now stored, and a sync run, through the same code paths the matrix uses
        StanBench.Config replay = config(StanBench.Mode.RAW, "smoke.raw");
        replay.numPubs = 0;
        replay.numSubs = 1;
        assertAllThrough(StanBench.run(replay), N);

        StanBench.Config sync = config(StanBench.Mode.RAW, "smoke.sync");
        sync.numMsgs = 200;
        sync.sync = true;
        assertAllThrough(StanBench.run(sync), 0);

        StanBench.Config group = config(StanBench.Mode.RAW, "smoke.group");
        group.numSubs = 2;
        group.qgroup = "workers";
        assertAllThrough(StanBench.run(group), 0);
    }

    @Test
    void stanClientModeWithCsvOutput() throws Exception {
        startServer();
        Path csv = Files.createTempFile("stan-bench-", ".csv");
        try {
            StanBench.Config c = config(StanBench.Mode.STAN, "smoke.stan");
            c.numSubs = 1;
            c.csv = csv.toString();
            StanBench.Result r = StanBench.run(c);
            assertAllThrough(r, N);

            StanBench.Config sync = config(StanBench.Mode.STAN, "smoke.stan.sync");
            sync.numMsgs = 200;
            sync.sync = true;
            sync.csv = csv.toString();
            assertAllThrough(StanBench.run(sync), 0);

            List<String> lines = Files.readAllLines(csv);
            assertThat(lines.get(0)).startsWith("#RunID,Mode,Role,ClientID,MsgCount");
            assertThat(lines).anyMatch(l -> l.contains(",pub-total,") && l.contains("," + N + ","));
            assertThat(lines).anyMatch(l -> l.contains(",sub-total,"));
        } finally {
            Files.deleteIfExists(csv);
        }
    }

    @Test
    void jetStreamEchoAndCoreModes() throws Exception {
        Path dir = Files.createTempDirectory("bench-smoke-js-");
        try (NatsServerProcess js = NatsServerProcess.start("-js", "-sd", dir.toString())) {
            for (StanBench.Mode mode : List.of(StanBench.Mode.JS, StanBench.Mode.JSPULL)) {
                StanBench.Config c = config(mode, "smoke." + mode.name().toLowerCase());
                c.url = js.url();
                c.numSubs = 1;
                assertAllThrough(StanBench.run(c), N);
            }
            StanBench.Config api = config(StanBench.Mode.JS, "smoke.jsapi");
            api.url = js.url();
            api.jsApi = true;
            assertAllThrough(StanBench.run(api), 0);

            StanBench.Config echo = config(StanBench.Mode.ECHO, "smoke.echo");
            echo.url = js.url();
            assertAllThrough(StanBench.run(echo), 0);

            StanBench.Config core = config(StanBench.Mode.CORE, "smoke.core");
            core.url = js.url();
            core.numSubs = 1;
            assertAllThrough(StanBench.run(core), N);
        } finally {
            BenchMatrix.deleteTree(dir);
        }
    }

    @Test
    void flagsParseLikeTheOriginal() {
        StanBench.Config c = StanBench.Config.parse("-s", "nats://h:1", "-cid", "x", "-np", "3", "-ns", "2", "-n",
                "10k", "-ms", "256", "-sync", "-mpa", "50", "-qgroup", "g", "-io", "-mode", "raw", "-csv", "o.csv",
                "chan");
        assertThat(c.url).isEqualTo("nats://h:1");
        assertThat(c.clusterId).isEqualTo("x");
        assertThat(c.numPubs).isEqualTo(3);
        assertThat(c.numSubs).isEqualTo(2);
        assertThat(c.numMsgs).isEqualTo(10_000);
        assertThat(c.msgSize).isEqualTo(256);
        assertThat(c.sync).isTrue();
        assertThat(c.maxPubAcksInFlight).isEqualTo(50);
        assertThat(c.qgroup).isEqualTo("g");
        assertThat(c.ignoreOld).isTrue();
        assertThat(c.mode).isEqualTo(StanBench.Mode.RAW);
        assertThat(c.csv).isEqualTo("o.csv");
        assertThat(c.subject).isEqualTo("chan");
    }

    @Test
    void histogramPercentilesAreWithinABucket() {
        LatencyHistogram h = new LatencyHistogram();
        for (long v = 1; v <= 100_000; v++) {
            h.record(v * 1_000);
        }
        assertThat(h.count()).isEqualTo(100_000);
        assertThat((double) h.percentile(50)).isBetween(50_000_000 * 0.99, 50_000_000 * 1.07);
        assertThat((double) h.percentile(99)).isBetween(99_000_000 * 0.99, 99_000_000 * 1.07);
        assertThat(h.percentile(100)).isEqualTo(100_000_000L);
        assertThat(LatencyHistogram.highestIn(LatencyHistogram.index(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE);
        for (long v : new long[] {0, 1, 31, 32, 33, 63, 64, 1000, 123_456_789, 1L << 40}) {
            int i = LatencyHistogram.index(v);
            assertThat(LatencyHistogram.highestIn(i)).as("bucket of %d", v).isGreaterThanOrEqualTo(v);
            if (i > 0) {
                assertThat(LatencyHistogram.highestIn(i - 1)).as("bucket below %d", v).isLessThan(v);
            }
        }
    }
}
