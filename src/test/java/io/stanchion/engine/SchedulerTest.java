package io.stanchion.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The engine's timer heap: due order, ties in scheduling order, cancelled timers released at once. */
class SchedulerTest {

    @Test
    void cancelledTimersLeaveTheHeapAtOnceAndNeverRun() {
        Scheduler s = new Scheduler(Clock.SYSTEM);
        List<Integer> ran = new ArrayList<>();
        List<Scheduler.Timer> timers = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            int n = i;
            timers.add(s.at(1_000_000L + i, () -> ran.add(n)));
        }
        for (int i = 0; i < 10_000; i += 2) {
            timers.get(i).cancel();
        }
        // Released now, not when their deadline comes: what is left is exactly the live timers.
        assertThat(s.size()).isEqualTo(5_000);
        assertThat(timers.get(0).cancelled()).isTrue();
        timers.get(0).cancel(); // twice is harmless
        assertThat(s.size()).isEqualTo(5_000);
        s.runDue(2_000_000L, e -> { throw e; });
        assertThat(ran).hasSize(5_000).allMatch(n -> n % 2 == 1).isSorted();
        assertThat(s.size()).isZero();
        assertThat(s.nanosToNext(0, 77)).isEqualTo(77);
    }

    @Test
    void matchesAModelUnderRandomScheduleCancelAndRun() {
        Random rnd = new Random(42);
        Scheduler s = new Scheduler(Clock.SYSTEM);
        TreeMap<Long, Integer> model = new TreeMap<>(); // (at * 2^20 + order) -> id, order breaks ties
        List<Scheduler.Timer> live = new ArrayList<>();
        List<Long> keys = new ArrayList<>();
        List<Integer> ran = new ArrayList<>();
        long now = 0;
        int ids = 0;
        for (int step = 0; step < 20_000; step++) {
            int op = rnd.nextInt(10);
            if (op < 6) {
                long at = now + rnd.nextInt(1000);
                int id = ids++;
                long key = (at << 20) + id;
                model.put(key, id);
                live.add(s.at(at, () -> ran.add(id)));
                keys.add(key);
            } else if (op < 8 && !live.isEmpty()) {
                int i = rnd.nextInt(live.size());
                live.remove(i).cancel();
                model.remove(keys.remove(i));
            } else {
                now += rnd.nextInt(300);
                ran.clear();
                s.runDue(now, e -> { throw e; });
                List<Integer> expected = new ArrayList<>();
                while (!model.isEmpty() && (model.firstKey() >> 20) <= now) {
                    long k = model.firstKey();
                    expected.add(model.remove(k));
                    int i = keys.indexOf(k);
                    keys.remove(i);
                    live.remove(i);
                }
                assertThat(ran).isEqualTo(expected);
            }
            assertThat(s.size()).isEqualTo(model.size());
        }
    }

    @Test
    void aTaskThatThrowsIsReportedAndTheOthersStillRun() {
        Scheduler s = new Scheduler(Clock.SYSTEM);
        List<String> log = new ArrayList<>();
        s.at(1, () -> { throw new IllegalStateException("boom"); });
        s.at(2, () -> log.add("second"));
        boolean ran = s.runDue(5, e -> log.add("error " + e.getMessage()));
        assertThat(ran).isTrue();
        assertThat(log).containsExactly("error boom", "second");
    }

    @Test
    void aTimerScheduledByATaskForLaterWaitsForTheNextPass() {
        Scheduler s = new Scheduler(Clock.SYSTEM);
        List<String> log = new ArrayList<>();
        s.at(10, () -> s.at(11, () -> log.add("later")));
        s.runDue(10, e -> { throw e; });
        assertThat(log).isEmpty();
        assertThat(s.nanosToNext(10, 100)).isEqualTo(1);
        s.runDue(11, e -> { throw e; });
        assertThat(log).containsExactly("later");
    }
}
