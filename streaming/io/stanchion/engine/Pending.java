package io.stanchion.engine;

/** A message delivered to a subscription and not yet acknowledged. Threading: engine thread only. */
final class Pending {
    final long sequence;
    /** {@link System#nanoTime()} at which it is redelivered unless acked. */
    long deadline;
    /** Times it was redelivered since its last first delivery (not persisted, as in the original). */
    int redeliveries;

    Pending(long sequence, long deadline) {
        this.sequence = sequence;
        this.deadline = deadline;
    }
}
