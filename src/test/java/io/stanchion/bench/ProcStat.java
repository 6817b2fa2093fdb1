package io.stanchion.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One line of {@code /proc/<pid>/stat}: the CPU time a process (all its threads, the exited ones included) has
 * used, in clock ticks (utime + stime, fields 14 and 15). The command name (field 2) is in parentheses and may
 * hold spaces or parentheses itself, so the fields are counted from the last ')'.
 */
record ProcStat(long userTicks, long systemTicks) {
    /** Clock ticks per second ({@code getconf CLK_TCK}); 100 on every Linux the benchmark has met. */
    static final long TICKS_PER_SECOND = clockTicks();

    static ProcStat parse(String line) {
        int close = line.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + line);
        }
        // after ')': field 3 (state) is the first; utime is field 14, stime field 15
        String[] f = line.substring(close + 1).trim().split("\\s+");
        if (f.length < 13) {
            throw new IllegalArgumentException("short /proc/<pid>/stat line: " + line);
        }
        return new ProcStat(Long.parseLong(f[11]), Long.parseLong(f[12]));
    }

    static ProcStat read(long pid) throws IOException {
        return parse(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    }

    long ticks() {
        return userTicks + systemTicks;
    }

    long nanos() {
        return ticks() * (1_000_000_000L / TICKS_PER_SECOND);
    }

    /** Nanoseconds per clock tick: the resolution of {@link #nanos()}. */
    static long tickNanos() {
        return 1_000_000_000L / TICKS_PER_SECOND;
    }

    private static long clockTicks() {
        try {
            String v = BenchMatrix.command("getconf", "CLK_TCK").trim();
            long t = Long.parseLong(v);
            return t > 0 && t <= 1_000_000_000L ? t : 100;
        } catch (RuntimeException e) {
            return 100;
        }
    }
}
