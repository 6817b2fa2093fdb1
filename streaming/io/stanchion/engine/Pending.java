package io.stanchion.engine;

/**
 * A snapshot of one pending message (delivered to a subscription and not yet acknowledged), made by the read-only
 * {@code Map} view of {@link PendingMap}; the engine keeps these values in that map's arrays, not in objects.
 */
final class Pending {
    final long sequence;
    /** {@link System#nanoTime()} at which it is redelivered unless acked. */
    final long deadline;
    /** Times it was redelivered since its last first delivery (not persisted, as in the original). */
    final int redeliveries;

    Pending(long sequence, long deadline, int redeliveries) {
        this.sequence = sequence;
        this.deadline = deadline;
        this.redeliveries = redeliveries;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Pending p && p.sequence == sequence && p.deadline == deadline
                && p.redeliveries == redeliveries;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(sequence) * 31 + Long.hashCode(deadline) * 17 + redeliveries;
    }

    @Override
    public String toString() {
        return sequence + "(deadline " + deadline + ", redelivered " + redeliveries + ")";
    }
}
