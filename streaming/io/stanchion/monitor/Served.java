package io.stanchion.monitor;

import io.stanchion.engine.Engine;
import io.stanchion.engine.FailStop;
import io.stanchion.engine.StateView;

import java.util.concurrent.CompletableFuture;

/**
 * What the monitoring endpoints read from: the engine serving clients and, for a cluster node, its Raft role. A
 * standalone server always has its engine; a cluster node has one only while it leads. A cluster follower serves
 * no client: it answers from its replicated stores ({@link #storedState}). Threading: any thread.
 */
public interface Served {

    /** The engine serving clients now, or {@code null} (a cluster follower or candidate). */
    Engine engine();

    /**
     * For a node without {@link #engine} that holds replicated stores (a cluster follower or candidate): their state,
     * read now. The future completes off the caller's thread (the read may wait for the stores' lock, {@code maxWait}
     * at most from this call) and fails with an {@code IllegalStateException} or
     * {@code RejectedExecutionException} (HTTP 503) when the stores cannot be read (busy, changing hands).
     * {@code null} when there is nothing to read (standalone, FT standby): the endpoints that need state then
     * answer 503.
     */
    default CompletableFuture<StateView> storedState(java.time.Duration maxWait) {
        return null;
    }

    /** The server's fail-stop switch: its failure is the health. */
    FailStop failStop();

    /** The cluster node's ID, or {@code null} when not clustered. */
    default String nodeId() {
        return null;
    }

    /** The node's Raft role as the original names it (Leader, Follower, Candidate), or {@code null} standalone. */
    default String role() {
        return null;
    }

    /**
     * The server's state as serverz names it: STANDALONE, CLUSTERED (with {@link #role}), FT_ACTIVE or FT_STANDBY.
     */
    default String state() {
        return role() == null ? "STANDALONE" : "CLUSTERED";
    }

    /** A standalone server's: always {@code engine}; {@code state} STANDALONE or FT_ACTIVE. */
    static Served standalone(Engine engine, String state) {
        return new Served() {
            @Override
            public Engine engine() {
                return engine;
            }

            @Override
            public FailStop failStop() {
                return engine.failStop();
            }

            @Override
            public String state() {
                return state;
            }
        };
    }
}
