package io.stanchion.engine;

import java.time.Instant;

/** Wall-clock time in nanoseconds since the epoch (the resolution the JDK offers, microseconds on Linux). */
final class WallClock {
    private WallClock() {
    }

    static long nanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
