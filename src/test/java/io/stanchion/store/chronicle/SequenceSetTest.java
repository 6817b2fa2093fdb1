package io.stanchion.store.chronicle;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

class SequenceSetTest {

    /** Applies random operations of several shapes to a SequenceSet and a TreeSet; they must always agree. */
    @Test
    void matchesATreeSetUnderSlidingWindowsStridesStuckMembersAndOutliers() {
        Random rnd = new Random(42);
        for (int shape = 0; shape < 5; shape++) {
            SequenceSet set = new SequenceSet();
            TreeSet<Long> model = new TreeSet<>();
            long top = 1_000 + rnd.nextInt(1_000);
            for (int op = 0; op < 200_000; op++) {
                long seq = switch (shape) {
                    case 0 -> ++top;                                        // sliding window
                    case 1 -> (top += 4);                                   // a queue member: every 4th
                    case 2 -> op % 1_000 == 0 ? 7 : ++top;                  // one member stuck at the bottom
                    case 3 -> rnd.nextInt(64) == 0 ? rnd.nextLong() : ++top; // outliers, negatives included
                    default -> rnd.nextInt(5_000);                          // random in a small range
                };
                assertThat(set.add(seq)).isEqualTo(model.add(seq));
                if (model.size() > 300 || rnd.nextInt(3) == 0) {
                    long victim = rnd.nextInt(4) == 0 ? seq - rnd.nextInt(400) : model.first();
                    if (shape == 2 && victim == 7) {
                        victim = 8; // 7 stays pending
                    }
                    assertThat(set.remove(victim)).isEqualTo(model.remove(victim));
                }
                assertThat(set.size()).isEqualTo(model.size());
                if (op % 20_000 == 0) {
                    assertThat(set.toSortedArray()).containsExactly(model.stream().mapToLong(Long::longValue)
                            .toArray());
                    long probe = seq - rnd.nextInt(1_000);
                    assertThat(set.contains(probe)).isEqualTo(model.contains(probe));
                }
            }
            for (Long seq : model) {
                assertThat(set.remove(seq)).isTrue();
            }
            assertThat(set.isEmpty()).isTrue();
            assertThat(set.toSortedArray()).isEmpty();
            assertThat(set.add(3)).isTrue();
            assertThat(set.toSortedArray()).containsExactly(3);
        }
    }

    @Test
    void aWindowMovingFarFromAStuckMemberKeepsBoth() {
        SequenceSet set = new SequenceSet();
        set.add(1);
        for (long seq = 2; seq < 20_000_000; seq++) {
            set.add(seq);
            set.remove(seq - 100 < 2 ? -1 : seq - 100);
        }
        assertThat(set.size()).isEqualTo(101);
        assertThat(set.contains(1)).isTrue();
        assertThat(set.toSortedArray()).startsWith(1, 19_999_900);
    }
}
