package io.stanchion.monitor;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/** Open and maximum file descriptors of this process (0 when the platform does not tell). */
record ProcessFds(long open, long max) {
    static ProcessFds read() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return new ProcessFds(unix.getOpenFileDescriptorCount(), unix.getMaxFileDescriptorCount());
        }
        return new ProcessFds(0, 0);
    }
}
