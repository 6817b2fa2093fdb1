package io.stanchion.engine;

import io.stanchion.store.StateStore;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A leaving queue member's pending messages handed to the others, and a durable queue shadow's adopted by its new
 * member: compared with the {@code LinkedHashMap} merge the engine did before, in order, values, journal calls and
 * timers.
 */
class PendingHandOverTest {

    private final List<String> journal = new ArrayList<>();
    private final StateStore state = (StateStore) Proxy.newProxyInstance(StateStore.class.getClassLoader(),
            new Class<?>[] {StateStore.class}, (proxy, method, args) -> {
                journal.add(method.getName() + " " + args[0] + " " + args[1]); // only sent and acked are called
                return null;
            });
    private final Delivery delivery = new Delivery(null, new Scheduler(Clock.SYSTEM), new Counters(), state);
    private final Random rnd = new Random(7);

    /** A subscription holding random pending entries (sequences from a small range, so members share some). */
    private Subscription member(long id, LinkedHashMap<Long, Pending> model) {
        Subscription s = new Subscription(id, null, null, null);
        int n = rnd.nextInt(12);
        for (int i = 0; i < n; i++) {
            long seq = 1 + rnd.nextInt(40);
            Pending p = new Pending(seq, rnd.nextInt(1_000), rnd.nextInt(3));
            s.pending.put(seq, p.deadline, p.redeliveries);
            model.put(seq, p);
        }
        return s;
    }

    private static List<Pending> contents(Subscription s) {
        return new ArrayList<>(s.pending.values());
    }

    @Test
    void handOverPutsTheLeavingMembersEntriesFirstRoundRobinAsTheLinkedHashMapMergeDid() {
        for (int trial = 0; trial < 500; trial++) {
            journal.clear();
            LinkedHashMap<Long, Pending> leavingModel = new LinkedHashMap<>();
            Subscription leaving = member(100, leavingModel);
            int count = 1 + rnd.nextInt(4);
            List<Subscription> remaining = new ArrayList<>();
            List<LinkedHashMap<Long, Pending>> models = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                models.add(new LinkedHashMap<>());
                remaining.add(member(i, models.get(i)));
            }
            delivery.handOver(leaving, remaining);

            // The former algorithm, on the models: entries dealt round robin, each target's share first.
            List<String> expectedJournal = new ArrayList<>();
            Map<Integer, LinkedHashMap<Long, Pending>> moved = new LinkedHashMap<>();
            int i = 0;
            for (Pending p : leavingModel.values()) {
                int t = i++ % count;
                moved.computeIfAbsent(t, x -> new LinkedHashMap<>()).put(p.sequence, p);
                expectedJournal.add("sent " + remaining.get(t).id + " " + p.sequence);
                expectedJournal.add("acked 100 " + p.sequence);
            }
            assertThat(journal).isEqualTo(expectedJournal);
            assertThat(leaving.pending).isEmpty();
            long due = -1;
            for (int t = 0; t < count; t++) {
                Subscription target = remaining.get(t);
                LinkedHashMap<Long, Pending> merged = moved.getOrDefault(t, new LinkedHashMap<>());
                List<Pending> actual = contents(target);
                assertThat(actual).hasSize(merged.size() + (int) models.get(t).keySet().stream()
                        .filter(seq -> !merged.containsKey(seq)).count());
                // The handed-over ones: same order and redelivery counts, all due at one instant.
                int k = 0;
                for (Pending p : merged.values()) {
                    Pending a = actual.get(k++);
                    assertThat(a.sequence).isEqualTo(p.sequence);
                    assertThat(a.redeliveries).isEqualTo(p.redeliveries);
                    due = due == -1 ? a.deadline : due;
                    assertThat(a.deadline).isEqualTo(due);
                }
                models.get(t).forEach(merged::putIfAbsent);
                assertThat(actual.subList(k, actual.size())).isEqualTo(
                        new ArrayList<>(merged.values()).subList(k, merged.size()));
                assertThat(target.ackTimer != null).as("rearmed").isEqualTo(moved.containsKey(t));
            }
            assertThat(due).isLessThan(System.nanoTime());
        }
    }

    @Test
    void adoptAppendsTheShadowsEntriesAsPutAllDid() {
        for (int trial = 0; trial < 200; trial++) {
            journal.clear();
            LinkedHashMap<Long, Pending> fromModel = new LinkedHashMap<>();
            LinkedHashMap<Long, Pending> toModel = new LinkedHashMap<>();
            Subscription from = member(1, fromModel);
            Subscription to = member(2, toModel);
            delivery.adopt(from, to);
            toModel.putAll(fromModel);
            assertThat(contents(to)).isEqualTo(new ArrayList<>(toModel.values()));
            assertThat(from.pending).isEmpty();
            assertThat(journal).isEqualTo(fromModel.keySet().stream().map(seq -> "sent 2 " + seq).toList());
        }
    }
}
