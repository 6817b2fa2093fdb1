package io.stanchion.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The primitive pending map against a {@code LinkedHashMap<Long, Pending>} model: same entries, same order. */
class PendingMapTest {

    private final PendingMap map = new PendingMap();
    private final LinkedHashMap<Long, Pending> model = new LinkedHashMap<>();

    /** The entries by walking the slots forwards. */
    private static List<Pending> forwards(PendingMap m) {
        List<Pending> out = new ArrayList<>();
        for (int s = m.first(); s >= 0; s = m.after(s)) {
            out.add(new Pending(m.sequence(s), m.deadline(s), m.redeliveries(s)));
        }
        return out;
    }

    private static List<Pending> backwards(PendingMap m) {
        List<Pending> out = new ArrayList<>();
        for (int s = m.last(); s >= 0; s = m.before(s)) {
            out.add(new Pending(m.sequence(s), m.deadline(s), m.redeliveries(s)));
        }
        Collections.reverse(out);
        return out;
    }

    private void assertSameAsModel() {
        List<Pending> expected = new ArrayList<>(model.values());
        assertThat(map.size()).isEqualTo(model.size());
        assertThat(map.isEmpty()).isEqualTo(model.isEmpty());
        assertThat(forwards(map)).isEqualTo(expected);
        assertThat(backwards(map)).isEqualTo(expected);
        assertThat(new ArrayList<>(map.entrySet())).isEqualTo(new ArrayList<>(model.entrySet()));
        // Never more than 3/4 full; never below 1/8 once past the smallest table.
        assertThat(map.size()).isLessThanOrEqualTo(map.capacity() * 3 / 4);
        if (map.capacity() > 4) {
            assertThat(map.size()).isGreaterThanOrEqualTo(map.capacity() / 8);
        }
    }

    private void put(long seq, long deadline, int redeliveries) {
        map.put(seq, deadline, redeliveries);
        model.put(seq, new Pending(seq, deadline, redeliveries));
    }

    private void putFirst(long seq, long deadline, int redeliveries) {
        map.putFirst(seq, deadline, redeliveries);
        LinkedHashMap<Long, Pending> rest = new LinkedHashMap<>(model);
        rest.remove(seq);
        model.clear();
        model.put(seq, new Pending(seq, deadline, redeliveries));
        model.putAll(rest);
    }

    private void delete(long seq) {
        assertThat(map.delete(seq)).isEqualTo(model.remove(seq) != null);
    }

    /** A sequence from a mix of shapes: a sliding window of consecutive ones, strides, anything. */
    private static long sequence(Random rnd, long base) {
        return switch (rnd.nextInt(6)) {
            case 0, 1, 2 -> base + rnd.nextInt(64);
            case 3 -> base + 8L * rnd.nextInt(64);
            case 4 -> (1L << 40) * (1 + rnd.nextInt(8));
            default -> {
                long any = rnd.nextLong();
                yield any == 0 ? 1 : any;
            }
        };
    }

    @Test
    void matchesALinkedHashMapUnderRandomOperations() {
        Random rnd = new Random(20240612);
        long base = 1;
        int largest = 0;
        int capacity = 0;
        int shrinks = 0;
        for (int round = 0; round < 60; round++) {
            // Phases of growth (past several resizes) and of draining (shrinks), with the other operations mixed in.
            boolean growing = round % 3 != 2;
            int ops = 1 + rnd.nextInt(round % 10 == 0 ? 20_000 : 2_000);
            for (int op = 0; op < ops; op++) {
                long seq = sequence(rnd, base);
                int r = rnd.nextInt(100);
                if (r < (growing ? 45 : 15)) {
                    put(seq, rnd.nextLong(), rnd.nextInt(5)); // new at the tail, or updated in place
                    base += rnd.nextInt(3);
                } else if (r < 55) {
                    delete(seq);
                } else if (r < (growing ? 60 : 85)) {
                    int head = map.first();
                    if (head >= 0) { // an ack or redelivery of the head
                        long h = map.sequence(head);
                        assertThat(h).isEqualTo(model.keySet().iterator().next());
                        delete(h);
                    }
                } else if (r < 90) {
                    // moveToTail, as a redelivery does it: take the entry out and put it back at the tail.
                    Long present = model.isEmpty() ? null : nth(rnd.nextInt(model.size()));
                    if (present != null) {
                        int redeliveries = model.get(present).redeliveries + 1;
                        delete(present);
                        put(present, rnd.nextLong(), redeliveries);
                    }
                } else if (r < 95) {
                    putFirst(rnd.nextBoolean() || model.isEmpty() ? seq : nth(rnd.nextInt(model.size())),
                            rnd.nextLong(), rnd.nextInt(5));
                } else if (r < 99) {
                    assertThat(map.contains(seq)).isEqualTo(model.containsKey(seq));
                    assertThat(map.containsKey(seq)).isEqualTo(model.containsKey(seq));
                    assertThat(map.get(seq)).isEqualTo(model.get(seq));
                } else {
                    long deadline = rnd.nextLong(); // as redeliverAllPending: every deadline set while walking
                    for (int s = map.first(); s >= 0; s = map.after(s)) {
                        map.setDeadline(s, deadline);
                    }
                    model.replaceAll((k, p) -> new Pending(k, deadline, p.redeliveries));
                }
                if (map.capacity() < capacity && map.capacity() > 0) {
                    shrinks++;
                }
                capacity = map.capacity();
                largest = Math.max(largest, capacity);
                if (op % 512 == 0) {
                    assertSameAsModel();
                }
            }
            assertSameAsModel();
            if (round % 7 == 6) {
                map.clear();
                model.clear();
                assertSameAsModel();
                assertThat(map.capacity()).isZero();
            }
        }
        assertThat(largest).as("grown from 4 slots past several resizes").isGreaterThanOrEqualTo(1 << 11);
        assertThat(shrinks).as("halvings while draining").isGreaterThanOrEqualTo(10);
    }

    private Long nth(int n) {
        var it = model.keySet().iterator();
        for (int i = 0; i < n; i++) {
            it.next();
        }
        return it.next();
    }

    @Test
    void growsPastManyResizesAndShrinksBackKeepingTheOrder() {
        int n = 300_000;
        for (long seq = 1; seq <= n; seq++) {
            map.put(seq, seq * 10);
        }
        assertThat(map.size()).isEqualTo(n);
        assertThat(map.capacity()).isEqualTo(1 << 19); // 300,000 ≤ 3/4 of 2^19
        // Redeliver the first half: each goes to the tail, so the order is 150,001 … 300,000, 1 … 150,000.
        for (int i = 0; i < n / 2; i++) {
            int head = map.first();
            long seq = map.sequence(head);
            int redeliveries = map.redeliveries(head);
            assertThat(map.delete(seq)).isTrue();
            map.put(seq, -seq, redeliveries + 1);
        }
        long expected = n / 2 + 1;
        int count = 0;
        for (int s = map.first(); s >= 0; s = map.after(s), count++) {
            assertThat(map.sequence(s)).isEqualTo(expected);
            assertThat(map.redeliveries(s)).isEqualTo(expected <= n / 2 ? 1 : 0);
            expected = expected == n ? 1 : expected + 1;
        }
        assertThat(count).isEqualTo(n);
        // Acks of everything but every 10,000th: the table shrinks with it.
        for (long seq = 1; seq <= n; seq++) {
            if (seq % 10_000 != 0) {
                assertThat(map.delete(seq)).isTrue();
            }
        }
        assertThat(map.size()).isEqualTo(30);
        assertThat(map.capacity()).isLessThanOrEqualTo(256);
        List<Long> order = new ArrayList<>(); // those never redelivered first, then the redelivered half
        for (long seq = n / 2 + 10_000; seq <= n; seq += 10_000) {
            order.add(seq);
        }
        for (long seq = 10_000; seq <= n / 2; seq += 10_000) {
            order.add(seq);
        }
        assertThat(forwards(map)).extracting(p -> p.sequence).containsExactlyElementsOf(order);
        assertThat(map.delete(10_000)).isTrue();
        assertThat(map.delete(10_000)).isFalse();
    }

    @Test
    void theMapViewIsReadOnlyAndSequenceZeroIsRefused() {
        map.put(7, 70);
        assertThatThrownBy(() -> map.put(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(map.contains(0)).isFalse();
        assertThat(map.delete(0)).isFalse();
        Map<Long, Pending> view = map;
        assertThatThrownBy(() -> view.put(8L, new Pending(8, 80, 0)))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> view.remove(7L)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(view).containsExactly(Map.entry(7L, new Pending(7, 70, 0)));
        var it = view.entrySet().iterator();
        map.put(9, 90);
        assertThatThrownBy(it::next).isInstanceOf(java.util.ConcurrentModificationException.class);
    }
}
