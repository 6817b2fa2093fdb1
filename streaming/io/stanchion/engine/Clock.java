package io.stanchion.engine;

import java.time.Instant;

/**
 * The engine's only source of time: a monotonic clock for deadlines and timers (ack waits, heartbeats, inactivity)
 * and a wall clock for message timestamps and max_age. The server uses {@link #SYSTEM}; tests drive a clock of their
 * own, so that time passes only when they say so. Threading: read on the engine thread (and by the transport for
 * arrival times).
 */
public interface Clock {

    /** Monotonic nanoseconds (only differences mean something), as {@link System#nanoTime()}. */
    long nanos();

    /** Wall-clock nanoseconds since the epoch (microsecond resolution on Linux). */
    long wallNanos();

    /** The system's clocks. */
    Clock SYSTEM = new Clock() {
        @Override
        public long nanos() {
            return System.nanoTime();
        }

        @Override
        public long wallNanos() {
            Instant now = Instant.now();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }
    };
}
