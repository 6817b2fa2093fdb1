package io.stanchion.cluster;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ratis' log appenders ask for the latest snapshot (the applied mark) on their own threads, which Ratis interrupts
 * when it restarts them (a membership change does): such a read must not close the mark's file, or every later
 * applied entry fails to be noted and the node stops.
 */
class NodeMarksTest {
    @TempDir
    Path dir;

    @Test
    void aReadOnAnInterruptedThreadLeavesTheMarkWritable() throws Exception {
        try (NodeMarks marks = new NodeMarks(dir, false)) {
            assertThat(marks.applied()).isNull();
            marks.applied(3, 41);
            AtomicReference<long[]> seen = new AtomicReference<>();
            Thread appender = new Thread(() -> {
                Thread.currentThread().interrupt();
                seen.set(marks.applied());
            });
            appender.start();
            appender.join();
            assertThat(seen.get()).containsExactly(3, 41);
            marks.applied(3, 42); // the applier goes on
            assertThat(marks.applied()).containsExactly(3, 42);
        }
        try (NodeMarks reopened = new NodeMarks(dir, false)) {
            assertThat(reopened.applied()).containsExactly(3, 42);
            reopened.clearApplied();
            assertThat(reopened.applied()).isNull();
        }
    }
}
