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
        private final CpuSample client;

        /** {@code serverPid} ≤ 0: no server process of its own (JetStream runs inside nats-server). */
        Meter(long serverPid, long natsPid) throws IOException {
            this.serverPid = serverPid;
            this.natsPid = natsPid;
            this.server = serverPid > 0 ? CpuSample.read(serverPid) : null;
            this.nats = CpuSample.read(natsPid);
            this.client = CpuSample.self();
        }

        RunCost finish(long messages) throws IOException {
            CpuSample c = CpuSample.self();
            CpuSample n = CpuSample.read(natsPid);
            CpuSample s = serverPid > 0 ? CpuSample.read(serverPid) : null;
            ThreadTimes.Thread busiest = c.busiestSince(client);
            return new RunCost(messages, c.atNanos() - client.atNanos(), s == null ? -1 : s.cpuSince(server),
                    n.cpuSince(nats), c.cpuSince(client), busiest == null ? "?" : busiest.name(),
                    busiest == null ? 0 : busiest.nanos());
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
