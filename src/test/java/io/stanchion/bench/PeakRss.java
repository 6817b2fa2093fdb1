package io.stanchion.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peak resident memory of a process over an interval: {@link #reset} writes 5 to {@code /proc/<pid>/clear_refs},
 * which sets the high-water mark {@code VmHWM} back to the current {@code VmRSS} (Linux 4.0 and later); after the
 * interval {@link #peakKib} reads {@code VmHWM} from {@code /proc/<pid>/status}.
 */
final class PeakRss {
    private PeakRss() {
    }

    /** Resets the high-water mark; false when the kernel refused (not our process, or no clear_refs). */
    static boolean reset(long pid) {
        try {
            Files.writeString(Path.of("/proc", Long.toString(pid), "clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** VmHWM in KiB, or -1 when it cannot be read. */
    static long peakKib(long pid) {
        return statusKib(pid, "VmHWM");
    }

    /** VmRSS in KiB, or -1 when it cannot be read. */
    static long currentKib(long pid) {
        return statusKib(pid, "VmRSS");
    }

    private static long statusKib(long pid, String field) {
        try {
            Long v = BenchMatrix.procStatus(pid).get(field);
            return v == null ? -1 : v;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
