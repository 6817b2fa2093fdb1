package io.stanchion.bench;

import java.io.IOException;

/**
 * What one measured run cost in CPU: the server process's (the Stanchion JVM, or none for JetStream), the
 * nats-server's and the load generator's own (this JVM), each read from /proc right before and right after the
 * run ({@link CpuSample}), and the load generator's busiest thread. Per message = CPU / the run's message count.
 */
record RunCost(long messages, long wallNanos, long serverNanos, long natsNanos, long clientNanos,
               String busiestClientThread, long busiestClientNanos) {

    /** Readings taken before a run; {@link #finish} takes the second ones. */
    static final class Meter {
        private final long serverPid;
        private final long natsPid;
        private final CpuSample server;
        private final CpuSample nats;
        private final long clientNanos0;
        private final long clientAt0;

        /** {@code serverPid} ≤ 0: no server process of its own (JetStream runs inside nats-server). */
        Meter(long serverPid, long natsPid) throws IOException {
            this.serverPid = serverPid;
            this.natsPid = natsPid;
            this.server = serverPid > 0 ? CpuSample.read(serverPid) : null;
            this.nats = CpuSample.read(natsPid);
            this.clientAt0 = System.nanoTime();
            this.clientNanos0 = processCpuNanos();
        }

        /**
         * {@code publisherThreadNanos}: the CPU time of the run's busiest publishing thread, read by that thread
         * itself (it has exited by now, so /proc no longer lists it).
         */
        RunCost finish(long messages, long publisherThreadNanos) throws IOException {
            long clientNanos = processCpuNanos() - clientNanos0;
            long wall = System.nanoTime() - clientAt0;
            CpuSample n = CpuSample.read(natsPid);
            CpuSample s = serverPid > 0 ? CpuSample.read(serverPid) : null;
            return new RunCost(messages, wall, s == null ? -1 : s.cpuSince(server), n.cpuSince(nats), clientNanos,
                    "publishing thread", publisherThreadNanos);
        }

        /**
         * This JVM's CPU time in ns, all threads, exited ones included (CLOCK_PROCESS_CPUTIME_ID behind the
         * JDK's OperatingSystemMXBean): the run's client threads (publisher, jnats reader, writer, dispatcher) are
         * created and gone within the run, so per-thread /proc readings would miss them.
         */
        static long processCpuNanos() {
            java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
                return sun.getProcessCpuTime();
            }
            try {
                return ProcStat.read(ProcessHandle.current().pid()).nanos();
            } catch (IOException e) {
                return -1;
            }
        }
    }

    static double perMessageMicros(long nanos, long messages) {
        return nanos < 0 || messages <= 0 ? -1 : nanos / 1e3 / messages;
    }

    double serverMicrosPerMessage() {
        return perMessageMicros(serverNanos, messages);
    }

    double natsMicrosPerMessage() {
        return perMessageMicros(natsNanos, messages);
    }

    double clientMicrosPerMessage() {
        return perMessageMicros(clientNanos, messages);
    }

    /** Cores the load generator used on average during the run (1.0 = one core busy all the time). */
    double clientCores() {
        return wallNanos <= 0 ? -1 : (double) clientNanos / wallNanos;
    }

    /** Share of one core used by the load generator's busiest thread. */
    double busiestClientThreadCores() {
        return wallNanos <= 0 ? -1 : (double) busiestClientNanos / wallNanos;
    }
}
