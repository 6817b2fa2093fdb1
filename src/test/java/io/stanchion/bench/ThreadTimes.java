package io.stanchion.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The CPU time of each live thread of a process in nanoseconds: the first field of
 * {@code /proc/<pid>/task/<tid>/schedstat} (time spent on a CPU, as the scheduler accounts it), with the thread's
 * name from {@code comm} (a Java thread's name cut to 15 characters). Finer than the 10 ms ticks of
 * {@link ProcStat}, but it misses threads that exited between two readings; {@link CpuSample} checks one against
 * the other.
 */
final class ThreadTimes {
    /** A thread's name and CPU nanoseconds. */
    record Thread(String name, long nanos) {
    }

    private ThreadTimes() {
    }

    /** Thread id → name and CPU time; threads that exit while being read are left out. */
    static Map<Long, Thread> read(long pid) throws IOException {
        Map<Long, Thread> threads = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    long nanos = parseSchedstat(Files.readString(task.resolve("schedstat")));
                    String name = Files.readString(task.resolve("comm")).trim();
                    threads.put(Long.parseLong(task.getFileName().toString()), new Thread(name, nanos));
                } catch (IOException | RuntimeException exited) {
                    // the thread went away between listing and reading
                }
            }
        }
        return threads;
    }

    /** "run-ns wait-ns timeslices" → run-ns. */
    static long parseSchedstat(String line) {
        String s = line.trim();
        int space = s.indexOf(' ');
        return Long.parseLong(space < 0 ? s : s.substring(0, space));
    }
}
