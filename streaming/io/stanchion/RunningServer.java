package io.stanchion;

import io.stanchion.engine.FailStop;

/** A started server, standalone ({@link StanchionServer}) or a cluster node: what the process entry point needs. */
public interface RunningServer extends AutoCloseable {

    /** The server's fail-stop switch (the uncaught-exception handler of its threads trips it). */
    FailStop failStop();

    /** The monitoring port actually bound, or 0 when monitoring is off. */
    int monitoringPort();

    @Override
    void close();
}
