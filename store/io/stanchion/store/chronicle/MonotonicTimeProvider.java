package io.stanchion.store.chronicle;

import net.openhft.chronicle.core.time.TimeProvider;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The clock a channel queue uses to pick its roll cycle: the given clock, but never earlier than a floor.
 *
 * <p>Chronicle appends to the cycle of "now". If the wall clock steps back across a cycle boundary (NTP, a restart on
 * a machine whose clock is behind) Chronicle would create an <em>earlier</em> cycle file and append there, so the
 * queue's index order would no longer be the append order. This wrapper keeps the cycle clock monotonic within the
 * process and, from recovery, at least at the start of the newest cycle on disk: messages then go on into the newest
 * cycle until the real clock catches up. Only {@link #currentTimeMillis()} (what Chronicle's cycle calculation reads)
 * is clamped; micro/nanosecond reads go straight to the delegate.
 */
final class MonotonicTimeProvider implements TimeProvider {

    private final TimeProvider delegate;
    private final AtomicLong floorMillis = new AtomicLong(Long.MIN_VALUE);

    MonotonicTimeProvider(TimeProvider delegate) {
        this.delegate = delegate;
    }

    /** Never report a time before {@code millis} from now on. */
    void atLeast(long millis) {
        floorMillis.accumulateAndGet(millis, Math::max);
    }

    @Override
    public long currentTimeMillis() {
        long now = delegate.currentTimeMillis();
        long floor = floorMillis.get();
        if (now <= floor) {
            return floor;
        }
        floorMillis.accumulateAndGet(now, Math::max);
        return now;
    }

    @Override
    public long currentTimeMicros() {
        return delegate.currentTimeMicros();
    }

    @Override
    public long currentTimeNanos() {
        return delegate.currentTimeNanos();
    }
}
